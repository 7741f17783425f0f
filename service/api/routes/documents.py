from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Header, Query, Response
from fastapi.concurrency import run_in_threadpool

from service.adapters.orm import DocumentRow
from service.adapters.preview import page_picture
from service.api.deps import CeleryDep, RuntimeDep
from service.api.schemas import DocumentAccepted, DocumentOut, DocumentRequest
from service.config import get_settings
from service.domain.vietnamese import slug
from service.errors import NotReady
from service.services.batches import letter_docx
from service.services.documents import request_document

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])


def _out(doc: DocumentRow) -> DocumentOut:
    return DocumentOut(
        id=doc.id,
        job_id=doc.job_id,
        status=doc.status,
        template=doc.template_id,
        template_version=doc.template_version,
        number=doc.number,
        notation=doc.notation,
        issued_on=doc.issued_on,
        signer=doc.signer,
        signed_at=doc.signed_at,
        pdf_sha256=doc.pdf_sha256,
        docx_sha256=doc.docx_sha256,
        created_at=doc.created_at,
        updated_at=doc.updated_at,
    )


@router.post("", status_code=202, max_body_size=get_settings().max_body_bytes)
async def create_document(
    body: DocumentRequest,
    response: Response,
    rt: RuntimeDep,
    celery: CeleryDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> DocumentAccepted:
    """Validate, record and queue a document. A retried request with the same ``Idempotency-Key`` returns the
    first document."""
    requested = await run_in_threadpool(
        request_document,
        rt.db,
        rt.templates,
        body.template,
        body.data,
        idempotency_key,
        rt.settings.organisation_abbreviation,
    )
    if requested.created:  # enqueue only after the transaction committed
        celery.send_task("vanban.produce_document", args=[requested.document_id])
    location = f"/api/v1/documents/{requested.document_id}"
    response.headers["Location"] = location
    return DocumentAccepted(
        id=requested.document_id, job_id=requested.job_id, status_url=f"/api/v1/jobs/{requested.job_id}"
    )


def _document(rt: RuntimeDep, document_id: str) -> DocumentRow:
    with rt.db.uow() as tx:
        return tx.repo.document(document_id)


@router.get("/{document_id}")
def get_document(document_id: str, rt: RuntimeDep) -> DocumentOut:
    return _out(_document(rt, document_id))


def _file(rt: RuntimeDep, document_id: str, kind: str) -> Response:
    doc = _document(rt, document_id)
    digest = doc.pdf_sha256 if kind == "pdf" else doc.docx_sha256
    if kind == "docx" and digest is None and doc.batch_id and doc.notation:
        data = letter_docx(rt.templates, doc)  # letters of a batch are made in chunks; one letter's DOCX on demand
    elif digest is None or (kind == "pdf" and doc.status != "issued"):
        raise NotReady(
            f"document {document_id} has no {kind} yet (status {doc.status})",
            f"Văn bản {document_id} chưa có tệp {kind} (trạng thái {doc.status})",
        )
    else:
        data = rt.archive.get(digest, f".{kind}")
    media = {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }[kind]
    name = (doc.notation or doc.id).replace("/", "-")
    disposition = f"attachment; filename=\"{slug(name)}.{kind}\"; filename*=UTF-8''{quote(name)}.{kind}"
    return Response(data, media_type=media, headers={"Content-Disposition": disposition})


@router.get("/{document_id}/pdf", response_class=Response)
def get_pdf(document_id: str, rt: RuntimeDep) -> Response:
    """The signed PDF, its sha256 checked against the record on every read."""
    return _file(rt, document_id, "pdf")


@router.get("/{document_id}/preview.png", response_class=Response)
def get_preview(document_id: str, rt: RuntimeDep, page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    """A picture of one page of the document (the signed PDF, or the draft while it is not signed)."""
    doc = _document(rt, document_id)
    if doc.pdf_sha256 is None:
        raise NotReady(f"document {document_id} has no PDF yet", f"Văn bản {document_id} chưa có tệp PDF")
    png = page_picture(rt.archive.get(doc.pdf_sha256, ".pdf"), page)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


@router.get("/{document_id}/docx", response_class=Response)
def get_docx(document_id: str, rt: RuntimeDep) -> Response:
    return _file(rt, document_id, "docx")
