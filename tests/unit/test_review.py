"""The review flow's states on fakes: a draft is submitted to its signers, waits for each in turn, is rejected
back to its clean draft or becomes signed; a signature recorded on a document that changed meanwhile is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.adapters.orm import DocumentRow
from service.domain.documents import DocumentStatus
from service.domain.office import Principal
from service.errors import Forbidden, InvalidRequest, WrongState
from service.services.auth import NewUser, create_user, principal
from service.services.office import Office
from service.services.production import OrganisationSignature
from service.services.requesting import RequestDocument, request_document
from signing import KeyMaterial
from signing.sign import Level, SigningContext
from tests.unit.services import REQUESTER, Service

DECISION = "quyet-dinh-mo-lop"
JOINT = "quy-che-phoi-hop"  # signed by the school's head, then the partner body's leader


def _no_key() -> KeyMaterial:
    raise AssertionError("these tests sign nothing")


def _office(service: Service) -> Office:
    templates = service.templates
    return Office(
        service.db,
        service.archive,
        lambda doc: templates.get(doc.template_id, doc.template_version),
        SigningContext(),
        Level.B_B,
        OrganisationSignature(_no_key, SigningContext(), Level.B_B, None),
        Path("-"),
        service.clock,
    )


def _people(service: Service) -> tuple[Principal, Principal, Principal]:
    """The school's head and deputy head, and the partner body's leader: all signers."""
    with service.db.uow() as tx:
        head = create_user(tx, NewUser("hieutruong", "Nguyễn Văn An", "TCT", ["signer"], "Hiệu trưởng"))
        deputy = create_user(tx, NewUser("phohieutruong", "Lê Thị Bích", "TCT", ["signer"], "Phó Hiệu trưởng"))
        partner = create_user(tx, NewUser("bithu", "Phạm Thị Lan", "TDTN", ["signer"], "Bí thư Tỉnh đoàn"))
        tx.commit()
    return principal(head), principal(deputy), principal(partner)


def _draft(service: Service, signers: list[str], template_id: str = DECISION) -> str:
    data = service.example(template_id)
    requested = request_document(
        service.db,
        service.templates,
        RequestDocument(template_id=template_id, data=data, requested_by=REQUESTER, signers=tuple(signers)),
    )
    with service.db.uow() as tx:  # what production leaves: a draft with its PDF
        doc = tx.repo.document(requested.document_id)
        doc.status, doc.pdf_sha256 = DocumentStatus.DRAFT, service.archive.put(b"%PDF draft", ".pdf")
        tx.commit()
    return requested.document_id


def _document(service: Service, document_id: str) -> DocumentRow:
    with service.db.uow() as tx:
        return tx.repo.document(document_id)


def _sign(service: Service, office: Office, who: Principal, document_id: str) -> None:
    doc = _document(service, document_id)
    signed = service.archive.put(f"{doc.pdf_sha256} signed by {who.username}".encode(), ".pdf")
    with service.db.uow() as tx:
        office.record_signature(tx, who, doc, str(doc.pdf_sha256), signed, who.full_name)
        tx.commit()


def test_a_draft_waits_for_its_signers_in_turn_then_is_signed() -> None:
    service = Service()
    office = _office(service)
    head, deputy, _ = _people(service)
    document_id = _draft(service, ["hieutruong"])
    submitted = office.submit(REQUESTER, document_id, None)
    assert submitted.status == DocumentStatus.SUBMITTED
    assert [d.id for d in office.inbox(head)] == [document_id]
    assert office.inbox(deputy) == []
    _sign(service, office, head, document_id)
    doc = _document(service, document_id)
    assert doc.status == DocumentStatus.SIGNED and [s["by"] for s in doc.signatures] == ["hieutruong"]
    assert office.inbox(head) == []


def test_only_the_next_signer_may_reject_and_a_rejected_document_goes_back_to_its_clean_draft() -> None:
    service = Service()
    office = _office(service)
    head, deputy, partner = _people(service)
    document_id = _draft(service, ["hieutruong", "bithu"], JOINT)
    draft_pdf = _document(service, document_id).pdf_sha256
    office.submit(REQUESTER, document_id, None)
    _sign(service, office, head, document_id)
    assert _document(service, document_id).status == DocumentStatus.SUBMITTED  # waiting for the partner now
    for not_their_turn in (head, deputy):
        with pytest.raises(Forbidden):
            office.reject(not_their_turn, document_id, "không phải lượt tôi")
    with pytest.raises(InvalidRequest) as no_reason:
        office.reject(partner, document_id, "  ")
    assert [e.path for e in no_reason.value.errors] == ["reason"]
    rejected = office.reject(partner, document_id, "Sửa Điều 2")
    assert rejected.status == DocumentStatus.REJECTED and rejected.rejection is not None
    assert rejected.rejection["by"] == "bithu" and rejected.rejection["draft_sha256"] == draft_pdf
    again = office.submit(REQUESTER, document_id, None)  # signed again from the draft, without the head's signature
    assert (again.status, again.pdf_sha256, again.signatures) == (DocumentStatus.SUBMITTED, draft_pdf, [])


def test_a_submission_names_the_signer_who_cannot_sign() -> None:
    service = Service()
    _people(service)
    document_id = _draft(service, ["hieutruong"])
    with pytest.raises(InvalidRequest) as refused:
        _office(service).submit(REQUESTER, document_id, ["hieutruong", "chuyenvien"])
    assert [e.path for e in refused.value.errors] == ["signers.1"]
    assert _document(service, document_id).status == DocumentStatus.DRAFT


def test_a_submitted_document_is_not_submitted_again() -> None:
    service = Service()
    _people(service)
    office = _office(service)
    document_id = _draft(service, ["hieutruong"])
    office.submit(REQUESTER, document_id, None)
    with pytest.raises(WrongState):
        office.submit(REQUESTER, document_id, None)


def test_a_signature_on_a_document_that_changed_meanwhile_is_refused() -> None:
    service = Service()
    office = _office(service)
    head, _, _ = _people(service)
    document_id = _draft(service, ["hieutruong"])
    office.submit(REQUESTER, document_id, None)
    seen = _document(service, document_id)  # what the signer's device signed
    office.reject(head, document_id, "Sửa Điều 2")  # meanwhile
    with service.db.uow() as tx, pytest.raises(WrongState):
        office.record_signature(tx, head, seen, str(seen.pdf_sha256), "f" * 64, head.full_name)
    assert _document(service, document_id).status == DocumentStatus.REJECTED
