"""PAdES B-B with the test PKI, checked by poppler's pdfsig and qpdf (tests/pdftools.py); key and certificate rules."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from signing import CertificateRefused, KeyLoadError, SignatureRequest, load_pkcs12, sign_pdf
from signing.keys import KeyMaterial, check_certificate
from signing.pki import CA_USAGE, SIGNING_USAGE, DemoPki, issue, load_ca, name, new_key, pkcs12_blob
from signing.sign import Level, SigningContext
from signing.trust import Trust
from signing.verify import verify_pdf
from tests.pdftools import check_pdf, pdf_problems
from tests.signing.conftest import PASSWORD, write


def test_pades_signature_accepted_by_pdfsig(org: KeyMaterial, unsigned_pdf: bytes, tmp_path: Path) -> None:
    signed = sign_pdf(unsigned_pdf, org, SignatureRequest(field_name="ToChuc", reason="Ban hành", location="Phú Thọ"))
    assert signed.startswith(unsigned_pdf)  # an incremental update: the original bytes are untouched
    out = write(tmp_path, "signed.pdf", signed)
    assert "1 signature(s)" in check_pdf(out)
    info = subprocess.run(["pdfsig", str(out)], capture_output=True, text=True).stdout
    assert "ETSI.CAdES.detached" in info  # PAdES, not the legacy adbe.pkcs7.detached
    assert "SHA-256" in info
    assert "DEMO" in info


def test_two_signatures_leave_the_first_valid(
    leader: KeyMaterial, org: KeyMaterial, unsigned_pdf: bytes, tmp_path: Path
) -> None:
    once = sign_pdf(unsigned_pdf, leader, SignatureRequest(field_name="LanhDao"))
    twice = sign_pdf(once, org, SignatureRequest(field_name="ToChuc"))
    assert "2 signature(s)" in check_pdf(write(tmp_path, "twice.pdf", twice))


def test_a_changed_byte_is_caught_by_pdfsig(org: KeyMaterial, unsigned_pdf: bytes, tmp_path: Path) -> None:
    signed = bytearray(sign_pdf(unsigned_pdf, org))
    i = signed.index(b"/Producer")
    signed[i + 2] ^= 0x01  # inside the signed byte range
    out = write(tmp_path, "tampered.pdf", bytes(signed))
    problems, _, _ = pdf_problems(out)
    assert any("signatures valid" in p for p in problems), problems


def test_wrong_password_is_a_clear_error(pki: DemoPki) -> None:
    with pytest.raises(KeyLoadError, match="wrong password") as caught:
        load_pkcs12(pki.org_p12, "not-the-password")
    assert "not-the-password" not in str(caught.value)


def _cert(pki: DemoPki, start: datetime, days: int, usage: x509.KeyUsage) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    ca_cert, ca_key = load_ca(pki)
    key = new_key()
    return key, issue(name("Test", "Test"), key, ca_cert.subject, ca_key, days=days, not_before=start, usage=usage)


def test_expired_not_yet_valid_and_wrong_usage_are_refused(pki: DemoPki, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    key, expired = _cert(pki, now - timedelta(days=30), 10, SIGNING_USAGE)
    p12 = tmp_path / "expired.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(b"x", key, expired, None, BestAvailableEncryption(b"pw")))
    with pytest.raises(CertificateRefused, match="expired"):
        load_pkcs12(p12, "pw")
    with pytest.raises(CertificateRefused, match="not valid before"):
        check_certificate(_cert(pki, now + timedelta(days=1), 30, SIGNING_USAGE)[1])
    with pytest.raises(CertificateRefused, match="digitalSignature"):
        check_certificate(_cert(pki, now - timedelta(days=1), 30, CA_USAGE)[1])


def test_password_is_only_used_to_open(pki: DemoPki) -> None:
    key = load_pkcs12(pki.org_p12, PASSWORD)
    assert PASSWORD not in repr(key) and PASSWORD.encode() not in repr(key.signer.__dict__).encode()


@pytest.mark.parametrize("curve", [ec.SECP256R1(), ec.SECP384R1()])
def test_ecdsa_keys_sign(
    curve: ec.EllipticCurve, pki: DemoPki, unsigned_pdf: bytes, context: SigningContext, trust: Trust, tmp_path: Path
) -> None:
    ca_cert, ca_key = load_ca(pki)
    key = ec.generate_private_key(curve)
    cert = issue(name("Lãnh đạo ECDSA (DEMO)", "Test"), key, ca_cert.subject, ca_key)
    p12 = write(tmp_path, "ec.p12", pkcs12_blob("ec", key, cert, [ca_cert], PASSWORD))
    signed = sign_pdf(unsigned_pdf, load_pkcs12(p12, PASSWORD), SignatureRequest(level=Level.B_T), context)
    assert "1 signature(s)" in check_pdf(write(tmp_path, "ec.pdf", signed))
    assert verify_pdf(signed, trust).ok


def test_weak_keys_are_refused(pki: DemoPki) -> None:
    ca_cert, ca_key = load_ca(pki)
    small_rsa = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(CertificateRefused, match="1024 bits, fewer than 2048"):
        check_certificate(issue(name("Test", "Test"), small_rsa, ca_cert.subject, ca_key))
    small_ec = ec.generate_private_key(ec.SECP224R1())
    with pytest.raises(CertificateRefused, match="224 bits, fewer than 256"):
        check_certificate(issue(name("Test", "Test"), small_ec, ca_cert.subject, ca_key))
