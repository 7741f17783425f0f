"""Fixtures of the signing tests: a call-up letter PDF made by real LibreOffice, the demo PKI as a test PKI,
its TSA and CRL."""

from __future__ import annotations

from pathlib import Path

import pytest

from signing.keys import KeyMaterial, load_pkcs12
from signing.pki import DemoPki
from signing.sign import SigningContext
from signing.timestamps import local_tsa
from signing.trust import Trust
from tests.fakes import PKI_PASSWORD

PASSWORD = PKI_PASSWORD


@pytest.fixture(scope="session")
def unsigned_pdf(letter_pdf: bytes) -> bytes:
    return letter_pdf


@pytest.fixture(scope="session")
def org(pki: DemoPki) -> KeyMaterial:
    return load_pkcs12(pki.org_p12, PASSWORD)


@pytest.fixture(scope="session")
def leader(pki: DemoPki) -> KeyMaterial:
    return load_pkcs12(pki.leader_p12, PASSWORD)


@pytest.fixture(scope="session")
def trust(pki: DemoPki) -> Trust:
    return Trust.load([pki.ca_cert], [pki.crl])


@pytest.fixture(scope="session")
def context(pki: DemoPki, trust: Trust) -> SigningContext:
    return SigningContext(timestamper=local_tsa(pki.tsa_p12, PASSWORD), trust=trust)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path
