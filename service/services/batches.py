"""Class lists in, documents out: one call-up letter per student (rendered, converted, split, signed and archived
a chunk at a time), or one decision with the whole list attached."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from service.adapters.orm import BatchRow, DocumentRow, JobRow, utcnow
from service.adapters.pdf_pages import page_words, split_pages
from service.adapters.renderer import render_docx, render_many
from service.adapters.spreadsheet import MAX_ROWS, MAX_UNPACKED_BYTES, read_table
from service.domain.batch import LABELS, RowProblem, check_rows, letter_name
from service.domain.clock import Clock
from service.domain.documents import DocumentStatus, JobStatus
from service.domain.office import Principal, Role
from service.domain.registers import DEFAULT_REGISTER
from service.domain.vietnamese import nfc
from service.errors import BatchRejected, FieldError, Forbidden, InvalidRequest, NotReady, VanbanError
from service.services import issuing
from service.services.documents import Producer, render_context
from service.services.ports import Archive, Database
from service.services.templates import TemplateCatalog
from service.services.validation import check_text, validate, validator_for
from signing.marks import Mark

CHUNK_SIZE = 100
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchRequested:
    batch_id: str
    job_id: str
    documents: int
    chunks: int
    per_row: bool
    report: dict[str, Any] = field(default_factory=dict)


def batch_example(template_example: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
    """``{"batch": {...}, "rows": [...]}`` from a template's single-document example."""
    if "row" in facts:
        (row_field,) = facts["row"]
        return {
            "batch": {k: v for k, v in template_example.items() if k != row_field},
            "rows": [template_example[row_field]],
        }
    rows_field = facts["rows_into"]
    return {
        "batch": {k: v for k, v in template_example.items() if k != rows_field},
        "rows": template_example[rows_field],
    }


def batch_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The part of a list template's schema a batch's ``data`` fills: all of it, the row (or rows) field not
    required (the class list fills it)."""
    facts = schema.get("x-vanban", {})
    row_field = facts["row"][0] if "row" in facts else facts["rows_into"]
    return {
        **schema,
        "required": [k for k in schema.get("required", []) if k != row_field],
    }


def check_batch_data(schema: dict[str, Any], batch_data: Any) -> dict[str, Any]:
    """The batch part of the data, checked (by path under ``data``) and normalised, before any row is read."""
    if not isinstance(batch_data, dict):
        raise InvalidRequest([FieldError("data", "must be a JSON object", "phải là đối tượng JSON")])
    check_text(batch_data, "data")
    normalised: dict[str, Any] = nfc(batch_data)
    try:
        validate(batch_schema(schema), normalised)
    except InvalidRequest as exc:
        raise InvalidRequest([FieldError(f"data.{e.path}", e.message_en, e.message_vi) for e in exc.errors]) from None
    return normalised


def request_batch(
    db: Database,
    templates: TemplateCatalog,
    template_id: str,
    upload: bytes,
    filename: str,
    batch_data: Any,
    on_error: str = "reject",
    default_organisation: str = "TCT",
    chunk_size: int = CHUNK_SIZE,
    *,
    max_rows: int = MAX_ROWS,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
    clock: Clock,
) -> BatchRequested:
    """Check every row, then record the job, the batch and its documents and reserve their numbers, contiguous and
    in list order, in one transaction. The caller enqueues the chunks after this returns."""
    if on_error not in ("reject", "skip"):
        raise InvalidRequest([FieldError("on_error", "must be reject or skip", "phải là reject hoặc skip")])
    template = templates.get(template_id)
    facts = template.schema.get("x-vanban", {})
    if "row" not in facts and "rows_into" not in facts:
        raise InvalidRequest(
            [
                FieldError(
                    "template", f"{template_id} is not made from a list", f"mẫu {template_id} không lập từ danh sách"
                )
            ]
        )
    batch_data = check_batch_data(template.schema, batch_data)
    headers, raw = read_table(upload, filename, max_rows=max_rows, max_unpacked_bytes=max_unpacked_bytes)
    checked = check_rows(headers, raw)
    problems = list(checked.problems)
    rows = checked.rows
    per_row = "row" in facts
    field_name = facts["row"][0] if per_row else facts["rows_into"]

    def payload(student_rows: list[dict[str, Any]]) -> dict[str, Any]:
        return {**batch_data, field_name: student_rows[0] if per_row else student_rows}

    # each row against the row's own part of the schema (the batch part was checked above)
    row_schema = template.schema["properties"][field_name]
    row_validator = validator_for(row_schema if per_row else row_schema.get("items", {}))
    valid = []
    for number, row in rows:
        try:
            check_text(row)  # a control character would damage the letter: the row's problem, by column
            validate(row_validator, row)
        except InvalidRequest as exc:
            for e in exc.errors:
                column = e.path.split("[")[0].split(".")[0]
                problems.append(RowProblem(number, LABELS.get(column, column), e.message_en, e.message_vi))
            continue
        valid.append((number, row))
    report = {
        "rows": len(rows) + len({p.row for p in checked.problems if p.row > 1}),
        "valid": len(valid),
        "skipped_empty": checked.skipped_empty,
        "problems": [p.to_dict() for p in sorted(problems, key=lambda p: (p.row, p.column))],
    }
    if (problems and on_error == "reject") or not valid:
        raise BatchRejected(report)

    organisation = (batch_data.get("organisation") or {}).get("abbreviation") or default_organisation
    total = len(valid) if per_row else 1
    job = JobRow(id=str(uuid.uuid4()), kind="batch", status=JobStatus.QUEUED, done=0, total=total, attempts=0)
    batch = BatchRow(
        id=str(uuid.uuid4()),
        job_id=job.id,
        template_id=template.id,
        template_version=template.version,
        data=batch_data,
        on_error=on_error,
        report=report,
        chunk_size=chunk_size,
    )
    with db.uow() as tx:
        tx.repo.add(job)
        tx.repo.add(batch)
        if per_row:
            now = utcnow()  # the rows' own bookkeeping, like every row's created_at
            common = {
                "job_id": job.id,
                "template_id": batch.template_id,
                "template_version": batch.template_version,
                "request_hash": "batch",
                "batch_id": batch.id,
                "created_at": now,
                "updated_at": now,
            }
            letters = [
                common | {"id": str(uuid.uuid4()), "data": {**payload([row]), "_row": source_row}, "batch_index": i}
                for i, (source_row, row) in enumerate(valid)
            ]
            issuing.number_letters(tx, template, organisation, clock.today(), letters)
        else:
            tx.repo.add(
                DocumentRow(
                    id=str(uuid.uuid4()),
                    job_id=job.id,
                    template_id=batch.template_id,
                    template_version=batch.template_version,
                    data=payload([r for _, r in valid]),
                    status=DocumentStatus.REQUESTED,
                    organisation=organisation,
                    register=DEFAULT_REGISTER,
                    request_hash="batch",
                    workflow=facts.get("workflow", "direct"),  # a decision with the whole list is reviewed
                    signers=[],
                    signatures=[],
                    batch_id=batch.id,
                    batch_index=0,
                )
            )
        tx.commit()
    chunks = -(-total // chunk_size) if per_row else 1
    return BatchRequested(batch.id, job.id, total, chunks, per_row, report)


def batch_work(db: Database, requested: BatchRequested) -> list[tuple[str, list[object]]]:
    """The work that makes a batch, as the workers take it: (task name, arguments), a chunk of letters at a time,
    or the one document with the whole list. The API sends it to the queue; ``vanban batch`` does it itself."""
    if requested.per_row:
        return [("vanban.produce_batch_chunk", [requested.batch_id, chunk]) for chunk in range(requested.chunks)]
    with db.uow() as tx:
        (doc,) = tx.repo.documents_of_batch(requested.batch_id)
    return [("vanban.produce_document", [doc.id])]


@dataclass
class BatchProducer:
    """Makes one chunk of a batch's letters: one render, one LibreOffice conversion, split, sign, archive."""

    producer: Producer

    def produce_chunk(self, batch_id: str, chunk: int) -> int:
        """Idempotent: letters already issued are skipped. Returns how many letters this call issued."""
        p = self.producer
        with p.db.uow() as tx:
            batch = tx.repo.batch(batch_id)
            first = chunk * batch.chunk_size
            docs = [
                d
                for d in tx.repo.documents_of_batch(batch_id, first, first + batch.chunk_size)
                if d.status not in (DocumentStatus.ISSUED, DocumentStatus.FAILED)
            ]
            job = tx.repo.job(batch.job_id)
            if job.status == JobStatus.QUEUED:
                job.status, job.started_at = JobStatus.RUNNING, utcnow()
            tx.commit()
        if not docs:
            return 0
        clock = [("start", time.perf_counter())]
        template = p.templates.get(batch.template_id, batch.template_version)
        contexts = []
        for d in docs:
            assert d.notation is not None and d.issued_on is not None
            contexts.append(render_context(template, _letter_data(d.data), d.notation, d.issued_on))
        docx = render_many(template.docx, contexts)
        clock.append(("render", time.perf_counter()))
        pdf = p.converter.to_pdf(docx)
        clock.append(("convert", time.perf_counter()))
        ranges, marks = _letters(pdf, [str(d.notation) for d in docs])
        letters = split_pages(pdf, ranges)
        clock.append(("split", time.perf_counter()))
        signed = []
        signer = ""
        for d, letter, mark in zip(docs, letters, marks, strict=True):
            pdf_signed, signer = p.organisation.sign(letter, f"Ban hành {d.notation}", d.data.get("place"), mark)
            signed.append(pdf_signed)
        clock.append(("sign", time.perf_counter()))
        digests = p.archive.put_many(signed, ".pdf")
        clock.append(("archive", time.perf_counter()))
        now = p.clock.now()
        with p.db.uow() as tx:
            # Writes first, each only if the letter is not issued yet: a chunk delivered twice at once (a message
            # redelivered after a crash while the sweep had sent it again) records each letter once.
            recorded = sum(tx.repo.issue(d.id, digest, signer, now) for d, digest in zip(docs, digests, strict=True))
            job = tx.repo.add_progress(batch.job_id, recorded)
            if job.done >= job.total and job.status != JobStatus.FAILED:
                job.status, job.finished_at = JobStatus.SUCCEEDED, utcnow()
            tx.commit()
        clock.append(("record", time.perf_counter()))
        stages = ", ".join(f"{name} {1000 * (t - clock[i][1]):.0f} ms" for i, (name, t) in enumerate(clock[1:]))
        log.info("batch %s chunk %s: %s letters (%s)", batch_id, chunk, recorded, stages)
        return recorded

    def fail_chunk(self, batch_id: str, chunk: int, error: VanbanError, final: bool) -> None:
        p = self.producer
        with p.db.uow() as tx:
            batch = tx.repo.batch(batch_id)
            job = tx.repo.job(batch.job_id)
            job.error = {**error.to_dict(), "chunk": chunk, "final": final}
            if final:
                job.status, job.finished_at = JobStatus.FAILED, utcnow()
                first = chunk * batch.chunk_size
                for d in tx.repo.documents_of_batch(batch_id, first, first + batch.chunk_size):
                    if d.status != DocumentStatus.ISSUED:
                        d.status = DocumentStatus.FAILED
            tx.commit()


def letter_docx(templates: TemplateCatalog, doc: DocumentRow) -> bytes:
    """The filled DOCX of one letter of a batch, made again from its data and template version (the same bytes
    of text as its chunk had)."""
    assert doc.notation is not None and doc.issued_on is not None
    template = templates.get(doc.template_id, doc.template_version)
    return render_docx(template.docx, render_context(template, _letter_data(doc.data), doc.notation, doc.issued_on))


def _letter_data(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "_row"}


def _letters(pdf: bytes, notations: list[str]) -> tuple[list[tuple[int, int]], list[Mark | None]]:
    """Page range and signature mark of each letter in a chunk's PDF (one pdftotext call)."""
    pages = page_words(pdf)
    starts: list[int] = []
    page = 0
    for notation in notations:
        needle = f"Số: {notation}"
        while page < len(pages) and needle not in pages[page].text:
            page += 1
        if page == len(pages):
            raise VanbanError(
                f"letter {notation} not found in the converted chunk",
                f"Không tìm thấy văn bản {notation} trong tệp đã chuyển đổi",
            )
        starts.append(page)
        page += 1
    ranges = [(s, (starts[i + 1] if i + 1 < len(starts) else len(pages)) - 1) for i, s in enumerate(starts)]
    marks: list[Mark | None] = []
    for first, last in ranges:
        found = None
        for index in range(first, last + 1):
            for word, x, y in pages[index].words:
                if "[[sig:leader]]" in word:
                    found = Mark(index - first, x, y)
        marks.append(found)
    return ranges, marks


def check_batch_organisation(who: Principal | None, data: dict[str, Any], default: str) -> None:
    """A batch belongs to the body its data names (the default organisation if none): only that body's people
    and administrators may ask for it or see it. ``who`` None: the local operator (the CLI)."""
    if who is None:
        return
    named = data.get("organisation")  # checked against the schema later; here only who may ask
    organisation = (named.get("abbreviation") if isinstance(named, dict) else None) or default
    if not isinstance(organisation, str):
        organisation = default
    if who.organisation != organisation and not who.has(Role.ADMIN):
        raise Forbidden(f"this batch belongs to {organisation}", f"Lô văn bản này thuộc {organisation}")


def batch_report(db: Database, batch_id: str, who: Principal | None, default_organisation: str) -> dict[str, Any]:
    """The batch, its progress, the row report and its documents with their numbers (the API's
    ``GET /batches/{id}``, the ``report.json`` of its archive and of ``vanban batch``)."""
    with db.uow() as tx:
        batch = tx.repo.batch(batch_id)
        check_batch_organisation(who, batch.data, default_organisation)
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
                "name": (d.data.get("student") or {}).get("full_name"),
                "pdf_sha256": d.pdf_sha256,
            }
            for d in docs
        ],
    }


def issued_letters(
    db: Database,
    archive: Archive,
    batch_id: str,
    who: Principal | None,
    default_organisation: str,
    indexes: range | None = None,
) -> list[tuple[str, bytes]]:
    """Every issued document of the batch (of its ``indexes`` in the list, a chunk's say) in list order, as (file
    name ``<number>-<slug of name>.pdf``, signed PDF); ``NotReady`` while none is issued."""
    first, end = (indexes.start, indexes.stop) if indexes is not None else (0, None)
    with db.uow() as tx:
        check_batch_organisation(who, tx.repo.batch(batch_id).data, default_organisation)
        in_list = tx.repo.documents_of_batch(batch_id, first, end)
        docs = [d for d in in_list if d.status == DocumentStatus.ISSUED and d.pdf_sha256]
    if not docs:
        raise NotReady(f"batch {batch_id} has no issued document yet", f"Lô {batch_id} chưa có văn bản nào ban hành")
    return [
        (
            letter_name(d.number, (d.data.get("student") or {}).get("full_name") or d.template_id),
            archive.get(str(d.pdf_sha256), ".pdf"),
        )
        for d in docs
    ]
