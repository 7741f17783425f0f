"""signing/: PAdES B-B with the demo PKI, checked by poppler's pdfsig and qpdf (shared/check-pdf)."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from service.adapters.converter import Converter
from signing import CertificateRefused, KeyLoadError, SignatureRequest, load_pkcs12, sign_pdf
from signing.keys import check_certificate
from signing.pki import DemoPki
from signing.pki import name as _name
from tests.pdftools import check_pdf

PASSWORD = "test-password"


@pytest.fixture(scope="module")
def unsigned_pdf(converter: Converter) -> bytes:
    import json
    from datetime import date

    from service.adapters.renderer import render_docx
    from service.adapters.template_files import TemplateFolder
    from service.config import PROJECT_ROOT
    from service.services.documents import render_context

    t = TemplateFolder(PROJECT_ROOT / "templates_docx").get("giay-trieu-tap")
    data = json.loads(json.dumps(t.example))
    return converter.to_pdf(render_docx(t.docx, render_context(t, data, "05/GTT-TCT", date(2026, 2, 4))))


def test_pades_signature_accepted_by_pdfsig(pki: DemoPki, unsigned_pdf: bytes, tmp_path: Path) -> None:
    key = load_pkcs12(pki.org_p12, PASSWORD)
    signed = sign_pdf(unsigned_pdf, key, SignatureRequest(field_name="ToChuc", reason="Ban hành", location="Phú Thọ"))
    assert signed.startswith(unsigned_pdf)  # an incremental update: the original bytes are untouched
    out = tmp_path / "signed.pdf"
    out.write_bytes(signed)
    assert "1 signature(s)" in check_pdf(out)
    info = subprocess.run(["pdfsig", str(out)], capture_output=True, text=True).stdout
    assert "ETSI.CAdES.detached" in info  # PAdES, not the legacy adbe.pkcs7.detached
    assert "SHA-256" in info or "SHA256" in info
    assert "DEMO" in info


def test_two_signatures_leave_the_first_valid(pki: DemoPki, unsigned_pdf: bytes, tmp_path: Path) -> None:
    leader = load_pkcs12(pki.leader_p12, PASSWORD)
    org = load_pkcs12(pki.org_p12, PASSWORD)
    once = sign_pdf(unsigned_pdf, leader, SignatureRequest(field_name="LanhDao"))
    twice = sign_pdf(once, org, SignatureRequest(field_name="ToChuc"))
    out = tmp_path / "twice.pdf"
    out.write_bytes(twice)
    assert "2 signature(s)" in check_pdf(out)


def test_a_changed_byte_is_caught_by_pdfsig(pki: DemoPki, unsigned_pdf: bytes, tmp_path: Path) -> None:
    signed = bytearray(sign_pdf(unsigned_pdf, load_pkcs12(pki.org_p12, PASSWORD)))
    i = signed.index(b"/Producer")
    signed[i + 2] ^= 0x01  # inside the signed byte range
    out = tmp_path / "tampered.pdf"
    out.write_bytes(bytes(signed))
    result = subprocess.run(
        ["bash", str(Path(__file__).parents[3] / "shared/check-pdf"), str(out)], capture_output=True, text=True
    )
    assert result.returncode != 0 and "signatures valid" in result.stdout


def test_wrong_password_is_a_clear_error(pki: DemoPki) -> None:
    with pytest.raises(KeyLoadError, match="wrong password") as caught:
        load_pkcs12(pki.org_p12, "not-the-password")
    assert "not-the-password" not in str(caught.value)


def _self_signed(
    not_before: datetime, not_after: datetime, usage: x509.KeyUsage
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = _name("Test", "Test")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


SIGNING = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
CA_ONLY = x509.KeyUsage(False, False, False, False, False, True, True, False, False)


def test_expired_not_yet_valid_and_wrong_usage_are_refused(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    key, expired = _self_signed(now - timedelta(days=30), now - timedelta(days=1), SIGNING)
    p12 = tmp_path / "expired.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(b"x", key, expired, None, BestAvailableEncryption(b"pw")))
    with pytest.raises(CertificateRefused, match="expired"):
        load_pkcs12(p12, "pw")
    with pytest.raises(CertificateRefused, match="not valid before"):
        check_certificate(_self_signed(now + timedelta(days=1), now + timedelta(days=30), SIGNING)[1])
    with pytest.raises(CertificateRefused, match="digitalSignature"):
        check_certificate(_self_signed(now - timedelta(days=1), now + timedelta(days=30), CA_ONLY)[1])
