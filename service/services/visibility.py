"""Who may see a document (the rule is the domain's ``can_see``), and the review flow's documents as a caller
loads them: visible to them, in the review flow, in the state a step needs."""

from __future__ import annotations

from service.domain import office
from service.domain.documents import DocumentStatus
from service.domain.office import Principal, Workflow
from service.errors import Forbidden, RecordKept, WrongState
from service.services.ports import DocumentRow, UnitOfWork


def can_see(who: Principal, doc: DocumentRow) -> bool:
    """Whether ``who`` may see ``doc`` (the domain's rule: ``service.domain.office.can_see``)."""
    signed_by = {str(s.get("organisation")) for s in doc.signatures or []}
    return office.can_see(who, doc.organisation, doc.signers or [], signed_by)


def check_can_see(who: Principal, doc: DocumentRow) -> None:
    """Forbidden unless ``who`` may see ``doc``."""
    if not can_see(who, doc):
        raise Forbidden(
            f"document {doc.id} belongs to {doc.organisation}", f"Văn bản {doc.id} thuộc {doc.organisation}"
        )


def check_state(doc: DocumentRow, *allowed: DocumentStatus) -> None:
    """WrongState unless ``doc`` is in one of the ``allowed`` states; RecordKept for an issued document (a record:
    never changed, replaced or deleted)."""
    check_not_issued(doc)
    if doc.status not in allowed:
        wanted = ", ".join(allowed)
        raise WrongState(
            f"document {doc.id} is {doc.status}; this needs {wanted}",
            f"Văn bản {doc.id} đang ở trạng thái {doc.status}; việc này cần {wanted}",
        )


def check_not_issued(doc: DocumentRow) -> None:
    """RecordKept if ``doc`` is issued: every action that would change, replace, re-sign or delete its file or row
    stops here."""
    if doc.status == DocumentStatus.ISSUED:
        raise RecordKept(doc.id)


def reviewed_document(tx: UnitOfWork, who: Principal, document_id: str) -> DocumentRow:
    """A document of the review flow that ``who`` may see, to act on (NotFound, Forbidden, RecordKept once it is
    issued, or WrongState for a document issued directly)."""
    doc = tx.repo.document(document_id)
    check_can_see(who, doc)
    check_not_issued(doc)
    if doc.workflow != Workflow.REVIEW:
        raise WrongState(
            f"document {doc.id} was issued directly, without review",
            f"Văn bản {doc.id} được ban hành trực tiếp, không qua trình ký",
        )
    return doc
