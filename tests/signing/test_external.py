"""Two-step signing (USB-token plugins, phone apps): prepare gives a digest, complete embeds the signature."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils

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
    value = key.sign(stored.digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))  # the token's job
    signed = complete(stored, value, context)
    check_pdf(write(tmp_path, "two-step.pdf", signed))
    report = verify_pdf(signed, trust)
    assert report.ok and report.signatures[0].level == "B-T"


def test_a_wrong_signature_is_refused(pki: DemoPki, unsigned_pdf: bytes) -> None:
    key, cert, chain = read_pkcs12(pki.leader_p12, PASSWORD)
    other, _, _ = read_pkcs12(pki.org_p12, PASSWORD)
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
