"""The office opens every kind of signer key through ``signing.open_key``: a stored credential that is incomplete
is a clear 422 naming the missing field, and a key held by the service (a PKCS#12 file) that is not the key of the
certificate recorded for its signer signs nothing, as a remote key does not. Backend-independent: SQLite only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.adapters.converter import Converter
from service.config import Settings
from service.domain.office import Principal
from service.errors import CredentialRefused, InvalidRequest
from service.runtime import Runtime, prepare
from service.services.auth import NewUser, create_user, principal
from signing.pki import DemoPki, make_demo_pki
from tests import forgeries
from tests.integration.test_forgery import _submitted

PASSWORD = "test-password"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    return make_demo_pki(tmp_path_factory.mktemp("keys-pki"), PASSWORD)


@pytest.fixture
def runtime(tmp_path: Path, pki: DemoPki, converter: Converter) -> Iterator[Runtime]:
    settings = Settings(data_dir=tmp_path, pki_dir=pki.directory, pki_password=PASSWORD)
    prepare(settings)
    rt = Runtime(settings, converter=converter)
    yield rt
    rt.db.dispose()


def _signer(rt: Runtime, username: str, credential: dict[str, str]) -> Principal:
    with rt.db.uow() as tx:
        user = create_user(tx, NewUser(username, "Nguyễn Văn An", "TCT", ["signer"], credential=credential))
        tx.commit()
    return principal(user)


def _status(rt: Runtime, document_id: str) -> str:
    with rt.db.uow() as tx:
        return str(tx.repo.document(document_id).status)


def test_a_key_file_that_is_not_the_recorded_key_signs_nothing(runtime: Runtime, pki: DemoPki) -> None:
    _, other, _ = forgeries.from_another_ca()
    credential = {"kind": "pkcs12", "path": str(pki.leader_p12), "certificate": forgeries.pem(other)}
    head = _signer(runtime, "ht", credential)
    doc_id = _submitted(runtime, "ht")
    with pytest.raises(CredentialRefused, match="not the one recorded"):
        runtime.review.sign(head, [doc_id], PASSWORD)
    assert _status(runtime, doc_id) == "submitted"


@pytest.mark.parametrize(
    ("credential", "field"),
    [({"kind": "pkcs12"}, "path"), ({"kind": "pkcs11", "module": "/usr/lib/p11.so"}, "token"), ({}, "kind")],
)
def test_an_incomplete_credential_is_a_clear_error(runtime: Runtime, credential: dict[str, str], field: str) -> None:
    head = _signer(runtime, "ht", credential)
    doc_id = _submitted(runtime, "ht")
    with pytest.raises(CredentialRefused) as caught:
        runtime.review.sign(head, [doc_id], PASSWORD)
    assert field in caught.value.message_en and field in caught.value.message_vi
    assert "/" not in caught.value.message_en + caught.value.message_vi
    assert _status(runtime, doc_id) == "submitted"


def test_a_credential_takes_only_the_fields_of_a_credential(runtime: Runtime, pki: DemoPki) -> None:
    """A person made with a credential holding a field no credential has (a password, say) is refused naming it:
    it was stored as given, in plain text, and listed back to every admin."""
    credential = {"kind": "pkcs12", "path": str(pki.leader_p12), "password": PASSWORD}
    with pytest.raises(InvalidRequest) as refused:
        _signer(runtime, "ht", credential)
    assert [e.path for e in refused.value.errors] == ["credential.password"]
    with runtime.db.uow() as tx:
        assert tx.repo.user_by_name("ht") is None
