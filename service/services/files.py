"""What readers take away: a document's PDF or DOCX (a batch letter's DOCX made again from its data), a picture of
a page, a batch's report, its letters merged for printing or zipped with the report. Only who may see a document
or a batch gets it; every download of a document's file is written to the audit chain."""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.domain.batch import letter_name
from service.domain.data_fields import field_name, organisation_of
from service.domain.documents import DocumentStatus
from service.domain.office import Principal, Role
from service.errors import Forbidden, NotReady
from service.services.ports import Archive, Database, DocumentRow, PdfPages
from service.services.visibility import check_can_see

MEDIA = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@dataclass(frozen=True)
class File:
    """A file to hand out: its bytes, media type and the name it is saved under."""

    data: bytes
    media_type: str
    name: str


def document(db: Database, who: Principal, document_id: str) -> DocumentRow:
    """The document, if ``who`` may see it."""
    with db.uow() as tx:
        doc = tx.repo.document(document_id)
    check_can_see(who, doc)
    return doc


def document_file(
    db: Database,
    archive: Archive,
    letter_docx: Callable[[DocumentRow], bytes],
    who: Principal,
    document_id: str,
    kind: str,
) -> File:
    """The document's ``pdf`` (as it is now: a draft, signed by some, or issued) or ``docx``, its download
    audited. A batch letter's DOCX is made again on demand by ``letter_docx`` (letters are made a chunk at a
    time)."""
    doc = document(db, who, document_id)
    digest = doc.pdf_sha256 if kind == "pdf" else doc.docx_sha256
    if kind == "docx" and digest is None and doc.batch_id and doc.notation:
        data = letter_docx(doc)
    elif digest is None:
        raise NotReady(
            f"document {document_id} has no {kind} yet (status {doc.status})",
            f"Văn bản {document_id} chưa có tệp {kind} (trạng thái {doc.status})",
        )
    else:
        data = archive.get(digest, f".{kind}")
    with db.uow() as tx:
        tx.repo.append_audit(who.username, "download", doc.id, {"kind": kind, "sha256": digest})
        tx.commit()
    name = (doc.notation or doc.id).replace("/", "-")
    return File(data, MEDIA[kind], f"{name}.{kind}")


def page_preview(db: Database, archive: Archive, pages: PdfPages, who: Principal, document_id: str, page: int) -> bytes:
    """A PNG of one page of the document's PDF (the signed one, or the draft while it is not signed)."""
    doc = document(db, who, document_id)
    if doc.pdf_sha256 is None:
        raise NotReady(f"document {document_id} has no PDF yet", f"Văn bản {document_id} chưa có tệp PDF")
    return pages.picture(archive.get(doc.pdf_sha256, ".pdf"), page)


def check_batch_access(who: Principal | None, data: dict[str, Any], default_organisation: str) -> None:
    """A batch is seen by its body's people (and administrators). ``who`` None: the local operator (the CLI)."""
    if who is None:
        return
    organisation = organisation_of(data, default_organisation)
    if who.organisation != organisation and not who.has(Role.ADMIN):
        raise Forbidden(f"this batch belongs to {organisation}", f"Lô văn bản này thuộc {organisation}")


def batch_report(db: Database, who: Principal | None, batch_id: str, default_organisation: str) -> dict[str, Any]:
    """The batch, its progress, the row report and its documents with their numbers (the API's
    ``GET /batches/{id}``, the ``report.json`` of its archive and of ``vanban batch``)."""
    with db.uow() as tx:
        batch = tx.repo.batch(batch_id)
        check_batch_access(who, batch.data, default_organisation)
        job = tx.repo.job(batch.job_id)
        docs = tx.repo.documents_of_batch(batch_id)
    return {
        "id": batch.id,
        "template": batch.template_id,
        "template_version": batch.template_version,
        "job_id": job.id,
        "status": job.status,
        "progress": {"done": job.done, "total": job.total},
        "error": job.error,
        "report": batch.report,
        "documents": [
            {
                "id": d.id,
                "index": d.batch_index,
                "row": d.data.get("_row"),
                "number": d.number,
                "notation": d.notation,
                "status": d.status,
                "name": field_name(d.data, "student", "full_name") or None,
                "pdf_sha256": d.pdf_sha256,
            }
            for d in docs
        ],
    }


def issued_letters(
    db: Database,
    archive: Archive,
    who: Principal | None,
    batch_id: str,
    default_organisation: str,
    indexes: range | None = None,
) -> list[tuple[str, bytes]]:
    """Every issued document of the batch (of its ``indexes`` in the list, a chunk's say) in list order, as (file
    name ``<number>-<slug of name>.pdf``, signed PDF); ``NotReady`` while none is issued."""
    first, end = (indexes.start, indexes.stop) if indexes is not None else (0, None)
    with db.uow() as tx:
        check_batch_access(who, tx.repo.batch(batch_id).data, default_organisation)
        in_list = tx.repo.documents_of_batch(batch_id, first, end)
        docs = [d for d in in_list if d.status == DocumentStatus.ISSUED and d.pdf_sha256]
    if not docs:
        raise NotReady(f"batch {batch_id} has no issued document yet", f"Lô {batch_id} chưa có văn bản nào ban hành")
    return [
        (
            letter_name(d.number, field_name(d.data, "student", "full_name") or d.template_id),
            archive.get(str(d.pdf_sha256), ".pdf"),
        )
        for d in docs
    ]


def merged_batch(
    db: Database, archive: Archive, pages: PdfPages, who: Principal, batch_id: str, default_organisation: str
) -> bytes:
    """Every issued document of the batch in one PDF, in list order, for printing."""
    return pages.merge([data for _, data in issued_letters(db, archive, who, batch_id, default_organisation)])


def batch_zip(db: Database, archive: Archive, who: Principal, batch_id: str, default_organisation: str) -> Path:
    """A zip file (spooled to disk; the caller deletes it) of the signed documents named
    ``<number>-<slug of name>.pdf``, and ``report.json``."""
    report = batch_report(db, who, batch_id, default_organisation)
    spool = tempfile.NamedTemporaryFile(prefix="vanban-batch-", suffix=".zip", delete=False)  # noqa: SIM115
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_STORED) as z:
        for name, data in issued_letters(db, archive, who, batch_id, default_organisation):
            z.writestr(name, data)
        z.writestr("report.json", json.dumps(report, ensure_ascii=False, indent=2, default=str))
    spool.close()
    return Path(spool.name)
