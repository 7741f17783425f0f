"""``open_key``: a PKCS#12 file, a PKCS#11 token (SoftHSM2) and a CSC remote key behind one ``SigningKey``."""

from __future__ import annotations

from pathlib import Path

import pytest

from signing import CertificateRefused, CredentialInvalid, KeyLoadError, SigningError, open_key, parse_credential
from signing.credentials import CscRemoteCredential, Pkcs11Credential, Pkcs12Credential, SigningKey
from signing.errors import AccessTokenMissing, ExpectedCertificateMissing
from signing.keys import read_pkcs12
from signing.pkcs11 import SOFTHSM2
from signing.pki import DemoPki
from signing.sign import Level, SignatureRequest, SigningContext
from signing.trust import Trust
from signing.verify import verify_pdf
from tests import forgeries
from tests.fakes import CSC_PIN, CSC_TOKEN
from tests.pdftools import check_pdf
from tests.signing.conftest import PASSWORD, write
from tests.signing.csc_server import CscServer
from tests.signing.test_remote_and_tokens import csc, softhsm  # noqa: F401  (fixtures)

LEADER = "Nguyễn Văn An (DEMO)"


def _signs_three(key: SigningKey, pdf: bytes, trust: Trust, tmp_path: Path, name: str) -> None:
    """The same calls for every kind: three documents in one ``sign_many``, each a valid signature of the key."""
    assert key.subject_common_name == LEADER
    signed = key.sign_many([pdf] * 3, SignatureRequest("LanhDao"))
    assert len(signed) == 3
    for i, out in enumerate(signed):
        check_pdf(write(tmp_path, f"{name}-{i}.pdf", out))
        report = verify_pdf(out, trust)
        assert report.ok and report.signatures[0].signer == LEADER, report.to_dict()


def test_credentials_are_parsed_into_one_dataclass_per_kind(pki: DemoPki) -> None:
    assert parse_credential({"kind": "pkcs12", "path": "/keys/a.p12", "certificate": "x"}) == Pkcs12Credential(
        Path("/keys/a.p12")
    )
    token = {"kind": "pkcs11", "module": "/lib/p11.so", "token": "t", "key": "k"}
    assert parse_credential(token) == Pkcs11Credential(Path("/lib/p11.so"), "t", "k")
    remote = {"kind": "csc", "url": "https://ca.example/csc/v2", "credential_id": "c1"}
    assert parse_credential(remote) == CscRemoteCredential("https://ca.example/csc/v2", "c1")


@pytest.mark.parametrize(
    ("stored", "field"),
    [
        ({}, "kind"),
        ({"kind": "smartcard", "path": "/srv/keys/a.p12"}, "kind"),
        ({"kind": "pkcs12"}, "path"),
        ({"kind": "pkcs11", "module": "/usr/lib/p11.so", "token": "t"}, "key"),
        ({"kind": "csc", "url": "https://ca.example", "credential_id": "  "}, "credential_id"),
    ],
)
def test_an_unknown_kind_or_a_missing_field_is_a_clear_error(stored: dict[str, str], field: str) -> None:
    with pytest.raises(CredentialInvalid) as caught:
        parse_credential(stored)
    assert caught.value.field == field and field in str(caught.value)
    assert "/" not in str(caught.value)  # names the field, never a path it holds
    assert isinstance(caught.value, KeyLoadError)


def test_pkcs12_file(pki: DemoPki, unsigned_pdf: bytes, trust: Trust, tmp_path: Path) -> None:
    credential = parse_credential({"kind": "pkcs12", "path": str(pki.leader_p12)})
    _, recorded, _ = read_pkcs12(pki.leader_p12, PASSWORD)
    with open_key(credential, PASSWORD, expected=recorded) as key:
        _signs_three(key, unsigned_pdf, trust, tmp_path, "p12")
        assert key.certificate == recorded


def test_pkcs12_wrong_password_names_no_path(pki: DemoPki) -> None:
    credential = Pkcs12Credential(pki.leader_p12)
    for path in (pki.leader_p12, pki.leader_p12.parent / "missing.p12"):
        with pytest.raises(KeyLoadError, match="PKCS#12") as caught:
            open_key(Pkcs12Credential(path), "not-the-password")
        assert "/" not in str(caught.value) and "not-the-password" not in str(caught.value)
        assert caught.value.__cause__ is None and caught.value.__suppress_context__
    with pytest.raises(KeyLoadError):
        open_key(credential, "not-the-password")


def test_a_held_key_that_is_not_the_expected_one_is_refused(pki: DemoPki) -> None:
    _, other, _ = forgeries.from_another_ca()
    with pytest.raises(CertificateRefused, match="not the one recorded"):
        open_key(Pkcs12Credential(pki.leader_p12), PASSWORD, expected=other)


def test_pkcs11_token_one_login_for_many_documents(
    softhsm: dict[str, str],  # noqa: F811
    unsigned_pdf: bytes,
    trust: Trust,
    tmp_path: Path,
) -> None:
    credential = parse_credential({"kind": "pkcs11", "module": str(SOFTHSM2), "token": "vanban", "key": "leader"})
    with open_key(credential, "1234") as key:
        _signs_three(key, unsigned_pdf, trust, tmp_path, "hsm")
    with pytest.raises(SigningError):  # closed: the session is logged out
        key.sign(unsigned_pdf, SignatureRequest("LanhDao"))


def test_pkcs11_wrong_pin_names_neither_pin_nor_module(softhsm: dict[str, str]) -> None:  # noqa: F811
    with pytest.raises(KeyLoadError) as caught:
        open_key(Pkcs11Credential(SOFTHSM2, "vanban", "leader"), "9999")
    assert "9999" not in str(caught.value) and "/" not in str(caught.value)
    with pytest.raises(KeyLoadError) as caught:  # a module that is not there
        open_key(Pkcs11Credential(Path("/nonexistent/p11.so"), "vanban", "leader"), "1234")
    assert "/" not in str(caught.value)


def test_csc_one_authorisation_and_one_sign_hash_for_many_documents(
    csc: CscServer,  # noqa: F811
    pki: DemoPki,
    unsigned_pdf: bytes,
    trust: Trust,
    tmp_path: Path,
) -> None:
    _, recorded, _ = read_pkcs12(pki.leader_p12, PASSWORD)
    credential = parse_credential({"kind": "csc", "url": csc.url, "credential_id": "leader-1"})
    with open_key(credential, CSC_PIN, access_token=CSC_TOKEN, expected=recorded) as key:
        _signs_three(key, unsigned_pdf, trust, tmp_path, "csc")
    assert csc.calls["credentials/authorize"] == 1 and csc.calls["signatures/signHash"] == 1


def test_csc_makes_b_t_when_b_lt_is_asked(
    csc: CscServer,  # noqa: F811
    pki: DemoPki,
    unsigned_pdf: bytes,
    context: SigningContext,
    trust: Trust,
) -> None:
    """Two-step signatures are B-T at most: a B-LT request gets B-T (extended later, at issuance)."""
    _, recorded, _ = read_pkcs12(pki.leader_p12, PASSWORD)
    credential = CscRemoteCredential(csc.url, "leader-1")
    with open_key(credential, CSC_PIN, access_token=CSC_TOKEN, expected=recorded) as key:
        signed = key.sign(unsigned_pdf, SignatureRequest("LanhDao", level=Level.B_LT), context)
    report = verify_pdf(signed, trust)
    assert report.ok and report.signatures[0].level == "B-T", report.to_dict()


def test_csc_needs_a_token_an_expected_certificate_and_the_right_pin(
    csc: CscServer,  # noqa: F811
    pki: DemoPki,
    unsigned_pdf: bytes,
) -> None:
    _, recorded, _ = read_pkcs12(pki.leader_p12, PASSWORD)
    credential = CscRemoteCredential(csc.url, "leader-1")
    with pytest.raises(AccessTokenMissing):
        open_key(credential, CSC_PIN, expected=recorded)
    with pytest.raises(ExpectedCertificateMissing):
        open_key(credential, CSC_PIN, access_token=CSC_TOKEN)
    assert csc.calls["credentials/info"] == 0
    with pytest.raises(SigningError, match="401"):
        open_key(credential, CSC_PIN, access_token="stolen", expected=recorded)
    key = open_key(credential, "0000", access_token=CSC_TOKEN, expected=recorded)
    with key, pytest.raises(SigningError, match="invalid") as caught:
        key.sign(unsigned_pdf, SignatureRequest("LanhDao"))
    assert "0000" not in str(caught.value)


def test_csc_credential_with_another_key_is_refused_before_authorisation(pki: DemoPki) -> None:
    _, recorded, _ = read_pkcs12(pki.leader_p12, PASSWORD)
    key, cert, chain = forgeries.from_another_ca()
    with CscServer(key, [cert, *chain], pin=CSC_PIN, token=CSC_TOKEN) as server:
        with pytest.raises(CertificateRefused, match="not the one recorded"):
            open_key(CscRemoteCredential(server.url, "leader-1"), CSC_PIN, access_token=CSC_TOKEN, expected=recorded)
        assert server.calls["credentials/authorize"] == 0
