"""B-T, B-LT, B-LTA with the test TSA and CRL; revoked certificates refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from signing import CertificateRefused, SignatureRequest, SigningError, load_pkcs12, sign_pdf
from signing.keys import KeyMaterial
from signing.pki import DemoPki, issue, load_ca, name, new_key, pkcs12_blob, write_crl
from signing.sign import Level, SigningContext
from signing.trust import Trust
from signing.verify import verify_pdf
from tests.pdftools import check_pdf
from tests.signing.conftest import PASSWORD, write
from tests.signing.pdfsig import pdfsig


@pytest.mark.parametrize("level", ["B-T", "B-LT"])
def test_timestamped_levels_pass_pdfsig_and_verify(
    level: str, org: KeyMaterial, unsigned_pdf: bytes, context: SigningContext, trust: Trust, tmp_path: Path
) -> None:
    signed = sign_pdf(unsigned_pdf, org, SignatureRequest(level=Level(level)), context)
    check_pdf(write(tmp_path, f"{level}.pdf", signed))
    report = verify_pdf(signed, trust)
    assert report.ok, report.to_dict()
    (sig,) = report.signatures
    assert sig.level == level and sig.timestamp_time is not None and sig.revocation == "good"
    if level == "B-LT":
        assert b"/DSS" in signed and b"/CRLs" in signed


def test_b_lta_adds_a_document_timestamp(
    org: KeyMaterial, unsigned_pdf: bytes, context: SigningContext, trust: Trust, tmp_path: Path
) -> None:
    signed = sign_pdf(unsigned_pdf, org, SignatureRequest(level=Level.B_LTA), context)
    report = verify_pdf(signed, trust)
    assert report.ok, report.to_dict()
    assert [s.level for s in report.signatures] == ["B-LTA", "document timestamp"]
    # poppler 22 validates the signature but cannot check document timestamps (it calls their type "unknown")
    ours, timestamp = pdfsig(write(tmp_path, "lta.pdf", signed))
    assert ours.valid and timestamp.kind == "unknown"


def test_levels_need_their_services(org: KeyMaterial, unsigned_pdf: bytes, trust: Trust) -> None:
    with pytest.raises(SigningError, match="time-stamping"):
        sign_pdf(unsigned_pdf, org, SignatureRequest(level=Level.B_T), SigningContext(trust=trust))
    with pytest.raises(SigningError, match="revocation data"):
        sign_pdf(unsigned_pdf, org, SignatureRequest(level=Level.B_LT), SigningContext(timestamper=object()))  # type: ignore[arg-type]


def test_a_revoked_certificate_is_refused(pki: DemoPki, unsigned_pdf: bytes, tmp_path: Path) -> None:
    ca_cert, ca_key = load_ca(pki)
    key = new_key()
    cert = issue(name("Revoked Leader (DEMO)", "Test"), key, ca_cert.subject, ca_key)
    p12 = write(tmp_path, "revoked.p12", pkcs12_blob("r", key, cert, [ca_cert], PASSWORD))
    revoked = load_pkcs12(p12, PASSWORD)
    signed_before = sign_pdf(unsigned_pdf, revoked)  # B-B without trust data: nothing to check against
    local = DemoPki(tmp_path / "pki")
    local.directory.mkdir()
    for f in ("ca.pem", "ca-key.pem", "ca.crl"):
        (local.directory / f).write_bytes((pki.directory / f).read_bytes())
    write_crl(local, revoked=[cert])
    trust = Trust.load([local.ca_cert], [local.crl])
    with pytest.raises(CertificateRefused, match="revoked"):
        sign_pdf(unsigned_pdf, revoked, SignatureRequest(), SigningContext(trust=trust))
    report = verify_pdf(signed_before, trust)
    assert not report.ok and report.signatures[0].revocation == "revoked"
