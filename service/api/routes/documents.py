from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.concurrency import run_in_threadpool

from service.adapters.preview import pdf_page_count
from service.api.deps import CeleryDep, CurrentUser, RuntimeDep, admission, admitted, authenticated
from service.api.responses import DOCX, ERRORS, PDF, QUEUE_FULL, XML, download, file_of
from service.api.schemas import (
    DecidedMetadata,
    DocumentAccepted,
    DocumentList,
    DocumentOut,
    DocumentRequest,
    ExchangeRecipients,
    HistoryEntry,
    IssueRequest,
    RejectRequest,
    SubmitRequest,
)
from service.services import files
from service.services.browsing import document_filter, documents_of, history_of
from service.services.requesting import RequestDocument, request_document
from service.services.verification import verify_report

router = APIRouter(prefix="/api/v1/documents", tags=["documents"], responses=ERRORS)


@router.post("", status_code=202, dependencies=[Depends(authenticated), Depends(admitted)], responses=QUEUE_FULL)
async def create_document(
    body: DocumentRequest,
    response: Response,
    rt: RuntimeDep,
    celery: CeleryDep,
    who: CurrentUser,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> DocumentAccepted:
    """Validate, record and queue a document (requester). A retried request with the same ``Idempotency-Key``
    returns the first document. A direct document is issued when its job ends; a review one becomes a draft."""
    command = RequestDocument(
        template_id=body.template,
        data=body.data,
        requested_by=who,
        idempotency_key=idempotency_key,
        workflow=body.workflow,
        signers=tuple(body.signers or ()),
    )
    requested = await run_in_threadpool(
        request_document,
        rt.db,
        rt.templates,
        command,
        default_organisation=rt.settings.organisation_abbreviation,
        enqueue=lambda name, args: celery.send_task(name, args=args),
        admission=admission(rt),
    )
    location = f"/api/v1/documents/{requested.document_id}"
    response.headers["Location"] = location
    return DocumentAccepted(
        id=requested.document_id, job_id=requested.job_id, status_url=f"/api/v1/jobs/{requested.job_id}"
    )


@router.get("")
def list_documents(
    rt: RuntimeDep,
    who: CurrentUser,
    status: Annotated[str | None, Query(max_length=20, description="draft, submitted, signed, issued, ...")] = None,
    template: Annotated[str | None, Query(max_length=100)] = None,
    notation: Annotated[str | None, Query(max_length=80, description="part of the number and notation")] = None,
    created_from: Annotated[date | None, Query(description="requested on or after this day (Vietnam)")] = None,
    created_to: Annotated[date | None, Query(description="requested on or before this day (Vietnam)")] = None,
    filed: Annotated[bool | None, Query(description="true: filed in a hồ sơ; false: not filed yet")] = None,
    organisation: Annotated[str | None, Query(max_length=40, description="only this body's documents")] = None,
    order: Annotated[
        Literal["newest", "issued"], Query(description="newest first (default), or in the order they were issued")
    ] = "newest",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> DocumentList:
    """The documents the caller may see (their body's, those they sign or signed; an admin: all), newest first
    (``order=issued``: in the order they were issued, those not issued last)."""
    where = document_filter(
        status, template, notation, created_from, created_to, filed, organisation, by_issue=order == "issued"
    )
    found = documents_of(rt.db, who, where, page, page_size)
    return DocumentList(
        items=[DocumentOut.model_validate(d) for d in found.documents],
        total=found.total,
        page=page,
        page_size=page_size,
    )


@router.get("/{document_id}")
def get_document(document_id: str, rt: RuntimeDep, who: CurrentUser) -> DocumentOut:
    return DocumentOut.model_validate(files.document(rt.db, who, document_id))


@router.post("/{document_id}:submit")
def submit(document_id: str, body: SubmitRequest, rt: RuntimeDep, who: CurrentUser) -> DocumentOut:
    """Send a draft (or a rejected document) to its signers, in order (requester of the document's body)."""
    return DocumentOut.model_validate(rt.review.submit(who, document_id, body.signers))


@router.post("/{document_id}:reject")
def reject(document_id: str, body: RejectRequest, rt: RuntimeDep, who: CurrentUser) -> DocumentOut:
    """Send it back to the requester with a reason (the signer it waits for)."""
    return DocumentOut.model_validate(rt.review.reject(who, document_id, body.reason))


@router.post("/{document_id}:issue")
def issue(document_id: str, body: IssueRequest, rt: RuntimeDep, who: CurrentUser) -> DocumentOut:
    """Number, date, the organisation's signature, the register (clerk of the document's body). A number given by
    hand that was already issued is refused (409), naming the document that has it."""
    return DocumentOut.model_validate(rt.issuer.issue(who, document_id, body.number, body.issued_on))


def _file(rt: RuntimeDep, who: CurrentUser, document_id: str, kind: str) -> Response:
    file = files.document_file(rt.db, rt.archive, rt.production.letter_docx, who, document_id, kind)
    return download(file.data, file.media_type, file.name)


@router.get("/{document_id}/pdf", response_class=Response, responses=file_of(PDF, "the PDF"))
def get_pdf(document_id: str, rt: RuntimeDep, who: CurrentUser) -> Response:
    """The PDF as it is now (a draft, signed by some, or issued), its sha256 checked against the record."""
    return _file(rt, who, document_id, "pdf")


@router.get("/{document_id}/preview.png", response_class=Response, responses=file_of("image/png", "one page"))
def get_preview(
    document_id: str, rt: RuntimeDep, who: CurrentUser, page: Annotated[int, Query(ge=1, le=10_000)] = 1
) -> Response:
    """A picture of one page of the document (the signed PDF, or the draft while it is not signed)."""
    png = files.page_preview(rt.db, rt.archive, rt.pages, who, document_id, page)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


@router.get("/{document_id}/pages")
def get_pages(document_id: str, rt: RuntimeDep, who: CurrentUser) -> dict[str, int]:
    """How many pages the document's PDF has now (each shown by ``preview.png?page=``); 0 before it has a PDF."""
    doc = files.document(rt.db, who, document_id)
    return {"pages": pdf_page_count(rt.archive.get(doc.pdf_sha256, ".pdf")) if doc.pdf_sha256 else 0}


@router.get("/{document_id}/signatures")
def get_signatures(document_id: str, rt: RuntimeDep, who: CurrentUser) -> dict[str, object]:
    """The verdict on every signature the document's PDF carries now, as ``/verify`` gives it; none for a draft."""
    doc = files.document(rt.db, who, document_id)
    if doc.pdf_sha256 is None or (not doc.signatures and doc.status != "issued"):
        return {"ok": False, "signatures": []}
    return verify_report(rt.archive.get(doc.pdf_sha256, ".pdf"), rt.trust).to_dict()


@router.get("/{document_id}/history")
def get_history(document_id: str, rt: RuntimeDep, who: CurrentUser) -> list[HistoryEntry]:
    """What was done to the document (requested, rendered, submitted, signed, rejected, issued, downloaded ...),
    from the audit log, oldest first."""
    return [
        HistoryEntry(seq=e.seq, at=e.at, actor=e.actor, action=e.action, detail=e.detail)
        for e in history_of(rt.db, who, document_id)
    ]


@router.get("/{document_id}/docx", response_class=Response, responses=file_of(DOCX, "the filled DOCX"))
def get_docx(document_id: str, rt: RuntimeDep, who: CurrentUser) -> Response:
    return _file(rt, who, document_id, "docx")


@router.post("/{document_id}/metadata")
def decide_metadata(document_id: str, body: DecidedMetadata, rt: RuntimeDep, who: CurrentUser) -> DocumentOut:
    """The clerk's decision on an issued document's priority (độ khẩn) and retention (thời hạn bảo quản), kept in
    its archive metadata and audited; the document's file and number never change."""
    return DocumentOut.model_validate(rt.records.set_decided(who, document_id, body.priority, body.retention_years))


@router.get("/{document_id}/edxml")
def edxml_recipients(document_id: str, rt: RuntimeDep, who: CurrentUser) -> ExchangeRecipients:
    """The bodies an issued document can be sent to as edXML (a joint document's partner, then the recipients it
    lists): ``/edxml/{n}`` is the package for the n-th (clerk of its body, admin)."""
    return ExchangeRecipients(recipients=rt.exchange.recipients(who, document_id))


@router.get("/{document_id}/edxml/{recipient}", response_class=Response, responses=file_of(XML, "edXML package"))
def edxml_package(document_id: str, recipient: int, rt: RuntimeDep, who: CurrentUser) -> Response:
    """The edXML package (QCVN 102:2016/BTTTT) of the issued document for its n-th recipient: the header (From,
    To, Code, PromulgationInfo, DocumentType, Subject, SignerInfo, OtherInfo ...) and the signed PDF in base64."""
    file = rt.exchange.package(who, document_id, recipient)
    return download(file.data, file.media_type, file.name)
