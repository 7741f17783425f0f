"""Keys the service does not hold in a file: a CSC v2 remote-signing service and a PKCS#11 token (SoftHSM2)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from signing import KeyLoadError, SignatureRequest, SigningError, sign_pdf
from signing.csc import CscClient, sign_many
from signing.keys import read_pkcs12
from signing.pkcs11 import SOFTHSM2, pkcs11_key
from signing.pki import DemoPki
from signing.sign import SigningContext
from signing.trust import Trust
from signing.verify import verify_pdf
from tests.fakes import CSC_PIN, CSC_TOKEN
from tests.pdftools import check_pdf
from tests.signing.conftest import PASSWORD, write
from tests.signing.csc_server import CscServer
from tests.signing.softhsm import add_token, softhsm_environment


@pytest.fixture
def csc(pki: DemoPki) -> Iterator[CscServer]:
    key, cert, chain = read_pkcs12(pki.leader_p12, PASSWORD)
    assert isinstance(key, rsa.RSAPrivateKey)
    with CscServer(key, [cert, *chain], pin=CSC_PIN, token=CSC_TOKEN) as server:
        yield server


def test_csc_batch_signs_with_one_authorisation_and_one_call(
    csc: CscServer, unsigned_pdf: bytes, trust: Trust, tmp_path: Path
) -> None:
    client = CscClient(csc.url, CSC_TOKEN)
    assert client.list_credentials() == ["leader-1"]
    signed = sign_many([unsigned_pdf] * 3, client, "leader-1", CSC_PIN, SignatureRequest("LanhDao"))
    assert csc.calls["credentials/authorize"] == 1 and csc.calls["signatures/signHash"] == 1
    for i, pdf in enumerate(signed):
        check_pdf(write(tmp_path, f"csc-{i}.pdf", pdf))
        report = verify_pdf(pdf, trust)
        assert report.ok and report.signatures[0].signer == "Nguyễn Văn An (DEMO)"


def test_csc_wrong_pin_and_token_are_clear_errors(csc: CscServer, unsigned_pdf: bytes) -> None:
    with pytest.raises(SigningError, match="invalid"):
        sign_many([unsigned_pdf], CscClient(csc.url, CSC_TOKEN), "leader-1", "0000", SignatureRequest())
    with pytest.raises(SigningError, match="401"):
        CscClient(csc.url, "stolen").list_credentials()


def test_csc_credential_with_another_key_is_refused_before_authorisation(
    pki: DemoPki, unsigned_pdf: bytes, trust: Trust
) -> None:
    """A remote service answering with a certificate that is not the one recorded for the signer (another key, a
    certificate of another CA) signs nothing: no authorisation is even asked for."""
    from signing.errors import CertificateRefused
    from tests import forgeries

    _, recorded, _ = read_pkcs12(pki.leader_p12, PASSWORD)
    key, cert, chain = forgeries.from_another_ca()
    with CscServer(key, [cert, *chain], pin=CSC_PIN, token=CSC_TOKEN) as server:
        client = CscClient(server.url, CSC_TOKEN)
        with pytest.raises(CertificateRefused, match="not the one recorded"):
            sign_many([unsigned_pdf], client, "leader-1", CSC_PIN, SignatureRequest(), expected=recorded)
        assert server.calls["credentials/authorize"] == 0
        with pytest.raises(CertificateRefused, match="does not chain"):  # and without a recorded certificate
            sign_many([unsigned_pdf], client, "leader-1", CSC_PIN, SignatureRequest(), SigningContext(trust=trust))
        assert server.calls["credentials/authorize"] == 0


@pytest.fixture(scope="module")
def softhsm(pki: DemoPki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A SoftHSM2 token, initialised here, holding the leader's key and certificate."""
    env = softhsm_environment(tmp_path_factory.mktemp("softhsm"))
    key, cert, _ = read_pkcs12(pki.leader_p12, PASSWORD)
    add_token(env, "vanban", key, cert)
    conf = env["SOFTHSM2_CONF"]
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    yield env
    if old is None:
        del os.environ["SOFTHSM2_CONF"]
    else:
        os.environ["SOFTHSM2_CONF"] = old


def test_pkcs11_token_signs_several_documents_with_one_pin(
    softhsm: dict[str, str], unsigned_pdf: bytes, trust: Trust, tmp_path: Path
) -> None:
    with pkcs11_key(SOFTHSM2, "vanban", "leader", "1234") as key:
        signed = [sign_pdf(unsigned_pdf, key, SignatureRequest("LanhDao")) for _ in range(3)]
    for i, pdf in enumerate(signed):
        check_pdf(write(tmp_path, f"hsm-{i}.pdf", pdf))
        assert verify_pdf(pdf, trust).ok


def test_pkcs11_wrong_pin_is_refused_without_showing_it(softhsm: dict[str, str]) -> None:
    with pytest.raises(KeyLoadError) as caught, pkcs11_key(SOFTHSM2, "vanban", "leader", "9999"):
        pass
    assert "9999" not in str(caught.value)
