"""Two-step signing (USB-token plugins, phone apps): prepare gives a digest, complete embeds the signature."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from signing import SigningError
from signing.external import PreparedSignature, complete, prepare
from signing.keys import read_pkcs12
from signing.pki import DemoPki
from signing.sign import Level, SignatureRequest, SigningContext
from signing.trust import Trust
from signing.verify import verify_pdf
from tests.pdftools import check_pdf
from tests.signing.conftest import PASSWORD, write


def test_prepare_then_complete_with_a_raw_signature(
    pki: DemoPki, unsigned_pdf: bytes, context: SigningContext, trust: Trust, tmp_path: Path
) -> None:
    key, cert, chain = read_pkcs12(pki.leader_p12, PASSWORD)
    prepared = prepare(unsigned_pdf, cert, chain, SignatureRequest("LanhDao", level=Level.B_T), context)
    stored = PreparedSignature.from_json(prepared.to_json())  # waits in a database between the steps
    assert stored == prepared and len(stored.digest) == 32
    assert isinstance(key, rsa.RSAPrivateKey)
    value = key.sign(stored.digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))  # the token's job
    signed = complete(stored, value, context)
    check_pdf(write(tmp_path, "two-step.pdf", signed))
    report = verify_pdf(signed, trust)
    assert report.ok and report.signatures[0].level == "B-T"


def test_a_wrong_signature_is_refused(pki: DemoPki, unsigned_pdf: bytes) -> None:
    key, cert, chain = read_pkcs12(pki.leader_p12, PASSWORD)
    other, _, _ = read_pkcs12(pki.org_p12, PASSWORD)
    assert isinstance(key, rsa.RSAPrivateKey) and isinstance(other, rsa.RSAPrivateKey)
    prepared = prepare(unsigned_pdf, cert, chain, SignatureRequest("LanhDao"))
    wrong_key = other.sign(prepared.digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
    with pytest.raises(SigningError, match="does not verify"):
        complete(prepared, wrong_key)
    wrong_digest = key.sign(b"\0" * 32, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
    with pytest.raises(SigningError, match="does not verify"):
        complete(prepared, wrong_digest)


def test_long_term_levels_are_not_two_step(pki: DemoPki, unsigned_pdf: bytes) -> None:
    _, cert, chain = read_pkcs12(pki.leader_p12, PASSWORD)
    with pytest.raises(SigningError, match="B-B or B-T"):
        prepare(unsigned_pdf, cert, chain, SignatureRequest(level=Level.B_LT))


@pytest.mark.parametrize("forgery", ["self-signed Kẻ Giả Mạo", "another CA", "revoked"])
def test_prepare_refuses_a_certificate_that_is_not_trusted(
    forgery: str, pki: DemoPki, unsigned_pdf: bytes, context: SigningContext
) -> None:
    """A certificate that does not chain to a trusted root, or that the CA revoked, makes no signature."""
    from signing.errors import CertificateRefused
    from tests import forgeries

    if forgery == "revoked":
        _, cert, chain = forgeries.issued_by(pki, "Nguyễn Văn An (DEMO)", revoked=True)
    elif forgery == "another CA":
        _, cert, chain = forgeries.from_another_ca()
    else:
        _, cert, chain = forgeries.self_signed()
    trust = Trust.load([pki.ca_cert], [pki.crl])  # read after the revocation
    with pytest.raises(CertificateRefused, match=r"does not chain|self-signed|revoked"):
        prepare(unsigned_pdf, cert, chain, SignatureRequest("LanhDao"), SigningContext(trust=trust))


def test_complete_refuses_a_certificate_revoked_after_prepare(pki: DemoPki, unsigned_pdf: bytes) -> None:
    from signing.errors import CertificateRefused
    from tests import forgeries

    key, cert, chain = forgeries.issued_by(pki, "Trần Văn Bình (DEMO)")
    before = SigningContext(trust=Trust.load([pki.ca_cert], [pki.crl]))
    prepared = prepare(unsigned_pdf, cert, chain, SignatureRequest("LanhDao"), before)
    from signing.pki import write_crl

    write_crl(pki, revoked=[cert])
    later = SigningContext(trust=Trust.load([pki.ca_cert], [pki.crl]))
    with pytest.raises(CertificateRefused, match="revoked"):
        complete(prepared, forgeries.sign_digest(key, prepared.digest), later)
