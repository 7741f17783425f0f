"""B-T, B-LT, B-LTA with the test TSA and CRL; revoked certificates refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from signing import CertificateRefused, SignatureRequest, SigningError, load_pkcs12, sign_pdf
from signing.keys import KeyMaterial
from signing.pki import DemoPki, issue, load_ca, make_demo_pki, name, new_key, pkcs12_blob, write_crl
from signing.sign import Level, SigningContext
from signing.timestamps import http_tsa
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
        never_asked = http_tsa("http://127.0.0.1:9/tsa")  # the refusal comes before any time-stamp is asked for
        sign_pdf(unsigned_pdf, org, SignatureRequest(level=Level.B_LT), SigningContext(timestamper=never_asked))


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


def test_timestamp_tokens_from_the_template_are_each_their_own(
    org: KeyMaterial, unsigned_pdf: bytes, context: SigningContext, trust: Trust, tmp_path: Path
) -> None:
    """Tokens after the first are the first one's template refilled: each must still carry its own imprint,
    serial number and time, and validate."""
    import asyncio
    import hashlib

    from asn1crypto import tsp

    assert context.timestamper is not None
    tokens = [
        asyncio.run(context.timestamper.async_timestamp(hashlib.sha256(bytes([i])).digest(), "sha256"))
        for i in range(3)
    ]
    infos = [tsp.TSTInfo.load(t["content"]["encap_content_info"]["content"].contents) for t in tokens]
    assert [i["message_imprint"]["hashed_message"].native for i in infos] == [
        hashlib.sha256(bytes([i])).digest() for i in range(3)
    ]
    assert len({i["serial_number"].native for i in infos}) == 3
    signed = [sign_pdf(unsigned_pdf, org, SignatureRequest(level=Level.B_T), context) for _ in range(2)]
    for n, pdf in enumerate(signed):
        check_pdf(write(tmp_path, f"t{n}.pdf", pdf))
        assert verify_pdf(pdf, trust).ok


def test_b_lt_only_where_the_dss_tells_about_the_signers_certificate(
    pki: DemoPki, org: KeyMaterial, unsigned_pdf: bytes, context: SigningContext, tmp_path: Path
) -> None:
    """A partner body's key from another CA, signing B-T after our B-LT: the DSS holds our CA's CRL, which says
    nothing of the partner's certificate, so that signature stays B-T."""
    other = make_demo_pki(tmp_path / "other", PASSWORD)
    partner = load_pkcs12(other.org_p12, PASSWORD)
    ours = sign_pdf(unsigned_pdf, org, SignatureRequest("ToChuc", level=Level.B_LT), context)
    both = sign_pdf(ours, partner, SignatureRequest("DoiTac", level=Level.B_T), context)
    trust = Trust.load([pki.ca_cert, other.ca_cert], [pki.crl, other.crl])
    report = verify_pdf(both, trust)
    assert report.ok, report.to_dict()
    assert [s.level for s in report.signatures] == ["B-LT", "B-T"]
