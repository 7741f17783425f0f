"""Two-step and remote (CSC) signatures through the office, on SQLite and PostgreSQL: a certificate of the right
signer that the CA revoked is refused; a remote credential whose key is not the one recorded for the signer, or a
signer with no certificate on record, signs nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.adapters.converter import Converter
from service.domain.office import Principal
from service.errors import CertificateNotRecorded, CredentialRefused, SignatureRefused
from service.runtime import Runtime
from service.services.auth import NewUser, create_user, principal
from service.services.requesting import RequestDocument, request_document
from signing.pki import LEADER, DemoPki, make_demo_pki
from tests import forgeries
from tests.fakes import CSC_PIN, CSC_TOKEN, PKI_PASSWORD
from tests.integration.runtimes import runtime_on
from tests.signing.csc_server import CscServer

PASSWORD, PIN, TOKEN = PKI_PASSWORD, CSC_PIN, CSC_TOKEN


@pytest.fixture(scope="module")
def revoking_pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoPki, forgeries.Forged]:
    """A PKI of its own whose CA revoked a certificate of the leader (made before any service reads its CRL)."""
    pki = make_demo_pki(tmp_path_factory.mktemp("revoking-pki"), PASSWORD)
    return pki, forgeries.issued_by(pki, LEADER, revoked=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(
    request: pytest.FixtureRequest, tmp_path: Path, revoking_pki: tuple[DemoPki, object], converter: Converter
) -> Iterator[Runtime]:
    with runtime_on(request.param, tmp_path, revoking_pki[0].directory, converter) as rt:
        yield rt


def _submitted(rt: Runtime, signer: str) -> str:
    template = rt.templates.get("ke-hoach")
    requested = request_document(
        rt.db, rt.templates, RequestDocument(template_id=template.id, data=template.example, signers=(signer,))
    )
    rt.production.produce_document(requested.document_id)
    rt.review.submit(Principal("cli", "cli", "", "", "TCT", frozenset({"requester"})), requested.document_id, None)
    return requested.document_id


def _signer(rt: Runtime, username: str, credential: dict[str, str] | None) -> Principal:
    with rt.db.uow() as tx:
        user = create_user(tx, NewUser(username, "Nguyễn Văn An", "TCT", ["signer"], credential=credential))
        tx.commit()
    return principal(user)


def test_a_revoked_certificate_of_the_right_signer_is_refused(
    runtime: Runtime, revoking_pki: tuple[DemoPki, forgeries.Forged]
) -> None:
    _, (key, cert, chain) = revoking_pki
    head = _signer(runtime, "ht", {"certificate": forgeries.pem(cert)})  # recorded before the CA revoked it
    doc_id = _submitted(runtime, "ht")
    with runtime.db.uow() as tx:
        before = tx.repo.document(doc_id).pdf_sha256
    with pytest.raises(SignatureRefused, match="revoked"):
        runtime.review.prepare_two_step(head, doc_id, forgeries.pem(cert, chain), None)
    with pytest.raises(SignatureRefused, match="revoked"):
        runtime.review.prepare_many(head, [doc_id], forgeries.pem(cert, chain))
    with CscServer(key, [cert, *chain], pin=PIN, token=TOKEN) as csc:
        remote = _signer(runtime, "ht2", {"kind": "csc", "url": csc.url, "credential_id": "leader-1"})
        with runtime.db.uow() as tx:
            user = tx.repo.user_by_name("ht2")
            assert user is not None
            user.credential = {**(user.credential or {}), "certificate": forgeries.pem(cert)}
            tx.commit()
        remote_doc = _submitted(runtime, "ht2")
        with pytest.raises(CredentialRefused, match="revoked"):
            runtime.review.sign(remote, [remote_doc], PIN, remote_token=TOKEN)
        assert csc.calls["credentials/authorize"] == 0
    with runtime.db.uow() as tx:
        assert tx.repo.document(doc_id).pdf_sha256 == before
        assert tx.repo.document(doc_id).status == "submitted"
        assert tx.repo.document(remote_doc).status == "submitted"


def test_a_remote_credential_must_hold_the_recorded_key(runtime: Runtime) -> None:
    key, cert, chain = forgeries.from_another_ca()  # the leader's name, another CA, another key
    _, recorded, _ = forgeries.issued_by(DemoPki(runtime.settings.pki), "Nguyễn Văn An (DEMO)")
    with CscServer(key, [cert, *chain], pin=PIN, token=TOKEN) as csc:
        credential = {"kind": "csc", "url": csc.url, "credential_id": "leader-1"}
        unrecorded = _signer(runtime, "ht", credential)
        doc_id = _submitted(runtime, "ht")
        with pytest.raises(CertificateNotRecorded):
            runtime.review.sign(unrecorded, [doc_id], PIN, remote_token=TOKEN)
        other = _signer(runtime, "ht2", credential | {"certificate": forgeries.pem(recorded)})
        other_doc = _submitted(runtime, "ht2")
        with pytest.raises(CredentialRefused, match="not the one recorded"):
            runtime.review.sign(other, [other_doc], PIN, remote_token=TOKEN)
        assert csc.calls["credentials/authorize"] == 0


def test_demo_leaders_have_their_certificate_recorded(runtime: Runtime) -> None:
    """On a first demo start the leaders get the certificate of their demo key file, so two-step signing works."""
    from service.services.auth import create_demo_users
    from signing.keys import read_pkcs12

    create_demo_users(runtime.db, "TCT", runtime.settings.pki, PASSWORD)
    with runtime.db.uow() as tx:
        head = tx.repo.user_by_name("hieutruong")
        assert head is not None
        head_principal = principal(head)
    recorded = runtime.review.recorded_certificate(head_principal)
    assert recorded == read_pkcs12(runtime.settings.pki / "leader.p12", PASSWORD)[1]


def test_a_ca_certificate_is_not_recorded_as_a_signers(runtime: Runtime) -> None:
    """The CA's own certificate chains to the trusted root (it is the root): it was recorded as a leader's
    certificate (200), though no signature can be made with it; refused now, naming ``certificate``."""
    from service.errors import InvalidRequest
    from service.services.review import Review
    from signing.pki import load_ca

    ca_cert, _ = load_ca(DemoPki(runtime.settings.pki))
    _signer(runtime, "ht", None)
    admin = Principal("admin", "admin", "", "", "TCT", frozenset({"admin"}))
    review: Review = runtime.review
    with pytest.raises(InvalidRequest) as refused:
        review.record_certificate(admin, "ht", forgeries.pem(ca_cert))
    (error,) = refused.value.errors
    assert error.path == "certificate" and "CA" in error.message_en and error.message_vi
    with runtime.db.uow() as tx:
        user = tx.repo.user_by_name("ht")
        assert user is not None and "certificate" not in (user.credential or {})
    _, leaf, _ = forgeries.issued_by(DemoPki(runtime.settings.pki), "Nguyễn Văn An (DEMO)")
    recorded = review.record_certificate(admin, "ht", forgeries.pem(leaf))
    assert (recorded.subject, recorded.serial) == (leaf.subject.rfc4514_string(), str(leaf.serial_number))
    with runtime.db.uow() as tx:
        user = tx.repo.user_by_name("ht")
        assert user is not None
        ht = principal(user)
    assert review.recorded_certificate(ht) == leaf
