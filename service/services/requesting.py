"""Requesting (yêu cầu) a document or a batch: the command is checked against the template's schema (naming the
field, or the class list's row and column), recorded with its job in one transaction, and its production enqueued
once that transaction has committed.

An ``Idempotency-Key`` belongs to its caller: the same key with the same body gives back the first document, with
another body it is a conflict. A batch's letters are numbered when they are recorded (``issuing``), contiguous and
in list order; a single document is numbered when it is produced.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from service.adapters.orm import BatchRow, DocumentRow, JobRow
from service.adapters.spreadsheet import MAX_ROWS, MAX_UNPACKED_BYTES, read_table
from service.domain.batch import LABELS, RowProblem, check_rows
from service.domain.clock import Clock
from service.domain.data_fields import organisation_of
from service.domain.documents import DocumentStatus, JobStatus
from service.domain.office import Principal, Role, Workflow, choose_workflow
from service.domain.placeholders import as_sent
from service.domain.registers import DEFAULT_REGISTER
from service.domain.templates import Template
from service.errors import BatchRejected, FieldError, Forbidden, IdempotencyConflict, InvalidRequest
from service.services import issuing
from service.services.admission import Admission
from service.services.auth import require
from service.services.ports import Database
from service.services.production import check_inclusions
from service.services.validation import check_text, validate, validator_for

if TYPE_CHECKING:
    from service.config import Settings
    from service.services.templates import TemplateCatalog

CHUNK_SIZE = 25  # ~35 MiB less at the peak of 10,000 letters than 50 (three chunks in hand, two converting)
PRODUCE_DOCUMENT = "vanban.produce_document"  # the tasks that produce what was requested (``service.tasks``)
PRODUCE_BATCH_CHUNK = "vanban.produce_batch_chunk"

Enqueue = Callable[[str, list[object]], None]
"""Send a task by name with its arguments (IDs only); called only after the request's transaction committed."""


@dataclass(frozen=True, kw_only=True)
class RequestDocument:
    """One document asked for.

    template_id: the template to fill, e.g. ``giay-trieu-tap``.
    data: the template's data (checked against its schema).
    requested_by: the requester; None from the local command line (which may issue directly what the office
        would review).
    idempotency_key: the caller's ``Idempotency-Key``, if any.
    workflow: ``review`` may be asked for on a direct template; None: the template's own.
    signers: usernames, in signing order (review).
    """

    template_id: str
    data: Any
    requested_by: Principal | None = None
    idempotency_key: str | None = None
    workflow: str | None = None
    signers: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RequestBatch:
    """A class list in: one document per row (call-up letters) or one with the whole list (a decision).

    template_id: a template made from a list (``x-vanban.row`` or ``rows_into``).
    class_list: the uploaded .xlsx or .csv, with a header row; ``filename`` tells which.
    data: the batch part of the data (class, session, signer...), checked by its path under ``data``.
    requested_by: the requester; None from the local command line.
    on_error: ``reject`` (a problem in any row: nothing is recorded) or ``skip`` (the valid rows go on).
    """

    template_id: str
    class_list: bytes
    filename: str
    data: Any
    requested_by: Principal | None = None
    on_error: str = "reject"


@dataclass(frozen=True, kw_only=True)
class BatchLimits:
    """chunk_size: letters per production task; max_rows, max_unpacked_bytes: the largest class list read."""

    chunk_size: int = CHUNK_SIZE
    max_rows: int = MAX_ROWS
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES

    @classmethod
    def of(cls, settings: Settings) -> BatchLimits:
        """The limits the settings give (``VANBAN_BATCH_CHUNK_SIZE``, ``VANBAN_CLASS_LIST_MAX_*``)."""
        return cls(
            chunk_size=settings.batch_chunk_size,
            max_rows=settings.class_list_max_rows,
            max_unpacked_bytes=settings.class_list_max_unpacked_bytes,
        )


@dataclass(frozen=True)
class Requested:
    document_id: str
    job_id: str
    created: bool


@dataclass(frozen=True)
class BatchRequested:
    batch_id: str
    job_id: str
    documents: int
    chunks: int
    per_row: bool
    report: dict[str, Any] = field(default_factory=dict)


def _request_hash(template_id: str, data: dict[str, Any]) -> str:
    canonical = json.dumps({"template": template_id, "data": data}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_requester(who: Principal | None, data: Any, default_organisation: str) -> str:
    """The organisation ``data`` is for (``organisation.abbreviation``, else the default); a requester asks only
    for their own body's documents (an administrator for any)."""
    organisation = organisation_of(data, default_organisation)
    if who is not None and who.organisation != organisation and not who.has(Role.ADMIN):
        raise Forbidden(
            f"{who.username} requests for {who.organisation}, not {organisation}",
            f"{who.username} chỉ soạn văn bản cho {who.organisation}, không cho {organisation}",
        )
    return organisation


def request_document(
    db: Database,
    templates: TemplateCatalog,
    command: RequestDocument,
    *,
    default_organisation: str = "TCT",
    enqueue: Enqueue | None = None,
    admission: Admission | None = None,
) -> Requested:
    """Validate the command's data against its template, record a job and its document (and the audit entry) in
    one transaction, then enqueue its production (a replayed request is not enqueued again)."""
    who = command.requested_by
    if who is not None:
        require(who, Role.REQUESTER)
    template = templates.get(command.template_id)
    check_text(command.data)
    data = as_sent(template.schema, command.data)
    validate(template.schema, data)
    check_inclusions(template, data, templates)
    default = template.schema.get("x-vanban", {}).get("workflow", "direct")
    try:  # the local CLI (no requester) may issue directly what the office would review
        chosen = (
            choose_workflow(default, command.workflow) if who is not None else Workflow(command.workflow or default)
        )
    except ValueError as exc:
        raise InvalidRequest([FieldError("workflow", str(exc), "mẫu này phải qua trình ký")]) from None
    organisation = check_requester(who, data, default_organisation)
    signers = list(command.signers)
    digest = _request_hash(template.id, {"data": data, "workflow": chosen.value, "signers": signers or None})
    key = command.idempotency_key or ""
    scoped_key = _scoped_key(who, key) if key else None
    if scoped_key:
        with db.uow() as tx:
            earlier = tx.repo.document_by_idempotency_key(scoped_key)
        if earlier is not None:
            return _replay(earlier, digest, key)
    job = _queued_job("document", 1)
    doc = DocumentRow(
        **_document_columns(job.id, template, data, organisation, digest, workflow=chosen.value, signers=signers),
        idempotency_key=scoped_key,
        requested_by=who.user_id if who else None,
    )
    with db.uow() as tx:
        if admission is not None:
            admission.check(tx.repo)
        earlier = tx.repo.add_request(job, doc)
        if earlier is None:
            tx.repo.append_audit(who.username if who else "cli", "request", doc.id, {"template": template.id})
            tx.commit()
    if earlier is not None:  # a concurrent retry with the same key won the race
        return _replay(earlier, digest, key)
    if enqueue is not None:
        enqueue(PRODUCE_DOCUMENT, [doc.id])
    return Requested(doc.id, job.id, created=True)


def _scoped_key(who: Principal | None, key: str) -> str:
    """An ``Idempotency-Key`` belongs to its caller: the same key from two callers names two requests, and neither
    learns of the other's. Stored as SHA-256 of caller and key."""
    caller = who.user_id if who is not None else "cli"
    return hashlib.sha256(f"{caller}\n{key}".encode()).hexdigest()


def _replay(earlier: DocumentRow, digest: str, key: str) -> Requested:
    if earlier.request_hash != digest:
        raise IdempotencyConflict(key)
    return Requested(earlier.id, earlier.job_id, created=False)


# -- batches ------------------------------------------------------------------------------------------------------
def _list_facts(template_id: str, schema: dict[str, Any]) -> tuple[str, bool]:
    """The field a class list fills and whether it fills one document per row (``row``) or one with all rows."""
    facts = schema.get("x-vanban", {})
    if "row" in facts:
        return facts["row"][0], True
    if "rows_into" in facts:
        return facts["rows_into"], False
    raise InvalidRequest(
        [FieldError("template", f"{template_id} is not made from a list", f"mẫu {template_id} không lập từ danh sách")]
    )


def batch_example(template_example: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
    """``{"batch": {...}, "rows": [...]}`` from a template's single-document example."""
    row_field = facts["row"][0] if "row" in facts else facts["rows_into"]
    rows = template_example[row_field]
    return {
        "batch": {k: v for k, v in template_example.items() if k != row_field},
        "rows": [rows] if "row" in facts else rows,
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
    normalised: dict[str, Any] = as_sent(schema, batch_data)
    try:
        validate(batch_schema(schema), normalised)
    except InvalidRequest as exc:
        raise _under_data(exc) from None
    return normalised


def _under_data(exc: InvalidRequest) -> InvalidRequest:
    """The problems of a batch's data, by their path under ``data``."""
    return InvalidRequest([FieldError(f"data.{e.path}", e.message_en, e.message_vi) for e in exc.errors])


def _check_rows(
    command: RequestBatch, row_schema: dict[str, Any], limits: BatchLimits
) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, Any]]:
    """The class list's valid rows (with their row number in the sheet) and the row report; every problem named
    by row and column."""
    headers, raw = read_table(
        command.class_list, command.filename, max_rows=limits.max_rows, max_unpacked_bytes=limits.max_unpacked_bytes
    )
    checked = check_rows(headers, raw)
    problems = list(checked.problems)
    row_validator = validator_for(row_schema)
    valid = []
    for number, row in checked.rows:
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
        "rows": len(checked.rows) + len({p.row for p in checked.problems if p.row > 1}),
        "valid": len(valid),
        "skipped_empty": checked.skipped_empty,
        "problems": [p.to_dict() for p in sorted(problems, key=lambda p: (p.row, p.column))],
    }
    return valid, report


@dataclass(frozen=True)
class CheckedBatch:
    """A class list read and checked against its template, nothing recorded: the batch part of the data, the valid
    rows (row number in the sheet, fields) and the row report (each bad row by row number, column and reason)."""

    template: Template
    batch_data: dict[str, Any]
    field_name: str
    per_row: bool
    valid: list[tuple[int, dict[str, Any]]]
    report: dict[str, Any]


def check_batch(
    templates: TemplateCatalog,
    command: RequestBatch,
    *,
    default_organisation: str = "TCT",
    limits: BatchLimits = BatchLimits(),
) -> CheckedBatch:
    """Every check of a batch request, before anything is numbered: who asks (a requester, for their own body),
    the batch part of the data, every row. What ``request_batch`` checks, and what a dry run reports."""
    who = command.requested_by
    if who is not None:
        require(who, Role.REQUESTER)
        check_requester(who, command.data, default_organisation)
    if command.on_error not in ("reject", "skip"):
        raise InvalidRequest([FieldError("on_error", "must be reject or skip", "phải là reject hoặc skip")])
    template = templates.get(command.template_id)
    field_name, per_row = _list_facts(template.id, template.schema)
    batch_data = check_batch_data(template.schema, command.data)
    try:
        check_inclusions(template, batch_data, templates)
    except InvalidRequest as exc:
        raise _under_data(exc) from None
    row_schema = template.schema["properties"][field_name]
    valid, report = _check_rows(command, row_schema if per_row else row_schema.get("items", {}), limits)
    return CheckedBatch(template, batch_data, field_name, per_row, valid, report)


def request_batch(
    db: Database,
    templates: TemplateCatalog,
    command: RequestBatch,
    *,
    clock: Clock,
    default_organisation: str = "TCT",
    limits: BatchLimits = BatchLimits(),
    enqueue: Enqueue | None = None,
    admission: Admission | None = None,
) -> BatchRequested:
    """Check the batch's data and every row, then record the job, the batch and its documents, with the letters'
    numbers taken contiguous and in list order, in one transaction; then enqueue the production: a task per chunk
    of letters, or one for the document with the whole list."""
    checked = check_batch(templates, command, default_organisation=default_organisation, limits=limits)
    template, batch_data, field_name, per_row = (
        checked.template,
        checked.batch_data,
        checked.field_name,
        checked.per_row,
    )
    valid, report = checked.valid, checked.report
    if (report["problems"] and command.on_error == "reject") or not valid:
        raise BatchRejected(report)

    organisation = organisation_of(batch_data, default_organisation)
    total = len(valid) if per_row else 1
    job = _queued_job("batch", total)
    batch = BatchRow(
        id=str(uuid.uuid4()),
        job_id=job.id,
        template_id=template.id,
        template_version=template.version,
        data=batch_data,
        on_error=command.on_error,
        report=report,
        chunk_size=limits.chunk_size,
    )
    with db.uow() as tx:
        if admission is not None:
            admission.check(tx.repo)
        tx.repo.add(job)
        tx.repo.add(batch)
        if per_row:
            now = clock.now()  # the rows' own bookkeeping, like every row's created_at
            letters = (  # made as they are written, a slice at a time
                _document_columns(
                    job.id,
                    template,
                    {**batch_data, field_name: row, "_row": source_row},
                    organisation,
                    "batch",
                    batch_id=batch.id,
                    batch_index=i,
                    created_at=now,
                    updated_at=now,
                )
                for i, (source_row, row) in enumerate(valid)
            )
            issuing.number_letters(tx, template, organisation, clock.today(), letters, len(valid))
        else:
            workflow = template.schema.get("x-vanban", {}).get("workflow", "direct")  # a decision is reviewed
            whole_list = DocumentRow(
                **_document_columns(
                    job.id,
                    template,
                    {**batch_data, field_name: [r for _, r in valid]},
                    organisation,
                    "batch",
                    workflow=workflow,
                    batch_id=batch.id,
                    batch_index=0,
                )
            )
            tx.repo.add(whole_list)
        tx.commit()
    chunks = -(-total // limits.chunk_size) if per_row else 1
    if enqueue is not None:
        if per_row:
            for chunk in range(chunks):
                enqueue(PRODUCE_BATCH_CHUNK, [batch.id, chunk])
        else:
            enqueue(PRODUCE_DOCUMENT, [whole_list.id])
    return BatchRequested(batch.id, job.id, total, chunks, per_row, report)


def _queued_job(kind: str, total: int) -> JobRow:
    return JobRow(id=str(uuid.uuid4()), kind=kind, status=JobStatus.QUEUED, done=0, total=total, attempts=0)


VERIFY_CODE_BYTES = 18  # 144 random bits: a document's public verification code cannot be guessed


def _document_columns(
    job_id: str, template: Template, data: Any, organisation: str, request_hash: str, **more: Any
) -> dict[str, Any]:
    """A requested document's columns (``more``: the rest, or other values): the same for a single document, a
    batch's letter (numbered by ``issuing`` as it is recorded) and the document a whole class list fills."""
    columns = {"id": str(uuid.uuid4()), "job_id": job_id, "template_id": template.id, "data": data}
    columns["verify_code"] = secrets.token_urlsafe(VERIFY_CODE_BYTES)  # the public verification page's key
    columns |= {"template_version": template.version, "status": DocumentStatus.REQUESTED, "workflow": "direct"}
    columns |= {"organisation": organisation, "register": DEFAULT_REGISTER, "request_hash": request_hash}
    return columns | {"signers": [], "signatures": []} | more
