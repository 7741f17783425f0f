"""Database access for the service layer: one Repository over a SQLAlchemy session, implementing
``service.services.ports.Repository``. Every query of the service lives here; the session stays private."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, delete, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from service.adapters.orm import (
    AccessTokenRow,
    ApiKeyRow,
    AuditEntryRow,
    AuditHeadRow,
    BatchRow,
    DocumentRow,
    JobRow,
    LoginThrottleRow,
    OrganisationRow,
    RecordFileRow,
    RegisterCounterRow,
    RegisterEntryRow,
    SigningSessionRow,
    TemplateVersionRow,
    UserRow,
    WebhookDeliveryRow,
    WebhookEndpointRow,
    WorkerHeartbeatRow,
    utcnow,
)
from service.domain.audit import Entry, chained, entry_columns
from service.domain.documents import DocumentFilter, DocumentStatus, IssuedWindow
from service.errors import DocumentNotFound, JobNotFound, NotFound, NumberTaken
from service.services.ports import Issued, Person, SignatureStep, StoredObject


def _seen_by(organisation: str | None, username: str) -> list[ColumnElement[bool]]:
    """No condition (``organisation`` None: an admin), or documents of that body, naming ``username`` as a signer,
    or signed by that body: the JSON columns matched as text, a first cut the visibility rule narrows."""
    if organisation is None:
        return []
    return [
        or_(
            DocumentRow.organisation == organisation,
            cast(DocumentRow.signers, Text).contains(f'"{username}"', autoescape=True),
            cast(DocumentRow.signatures, Text).contains(f'"{organisation}"', autoescape=True),
        )
    ]


class Repository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, row: object) -> None:
        self._session.add(row)
        self._session.flush()  # no ORM relationships: rows go in the order their keys need

    def document(self, document_id: str) -> DocumentRow:
        row = self._session.get(DocumentRow, document_id)
        if row is None:
            raise DocumentNotFound(document_id)
        return row

    def issued_by_verify_code(self, code: str) -> DocumentRow | None:
        query = select(DocumentRow).where(DocumentRow.verify_code == code, DocumentRow.status == DocumentStatus.ISSUED)
        return self._session.scalars(query).first()

    def job(self, job_id: str) -> JobRow:
        row = self._session.get(JobRow, job_id)
        if row is None:
            raise JobNotFound(job_id)
        return row

    def document_by_idempotency_key(self, key: str) -> DocumentRow | None:
        return self._session.scalars(select(DocumentRow).where(DocumentRow.idempotency_key == key)).first()

    def batch(self, batch_id: str) -> BatchRow:
        row = self._session.get(BatchRow, batch_id)
        if row is None:
            raise NotFound(f"no batch '{batch_id}'", f"Không có lô văn bản '{batch_id}'")
        return row

    def documents_of_batch(self, batch_id: str, first: int = 0, end: int | None = None) -> list[DocumentRow]:
        query = select(DocumentRow).where(DocumentRow.batch_id == batch_id, DocumentRow.batch_index >= first)
        if end is not None:
            query = query.where(DocumentRow.batch_index < end)
        return list(self._session.scalars(query.order_by(DocumentRow.batch_index)))

    def issue(self, document_id: str, issued: Issued) -> bool:
        """Record a numbered document as issued, unless it already is (then False: nothing changes)."""
        done = (DocumentRow.status == "issued") | (DocumentRow.status == "failed")
        kept = {"docx_sha256": issued.docx_sha256, "archive_metadata": issued.metadata}
        result = self._session.execute(
            update(DocumentRow)
            .where(DocumentRow.id == document_id, ~done)
            .values(
                pdf_sha256=issued.pdf_sha256,
                signer=issued.signer,
                signed_at=issued.signed_at,
                status="issued",
                updated_at=utcnow(),
                **{name: value for name, value in kept.items() if value is not None},
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def finish(self, document_id: str, status: str, values: dict[str, object]) -> bool:
        """Move a document still requested or numbered to ``status`` with ``values``; False if another delivery
        of its job did it first (nothing changes)."""
        result = self._session.execute(
            update(DocumentRow)
            .where(DocumentRow.id == document_id, DocumentRow.status.in_(("requested", "numbered")))
            .values(status=status, updated_at=utcnow(), **values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def add_progress(self, job_id: str, done: int) -> JobRow:
        """Count ``done`` more documents of the job, atomically (several workers report at once)."""
        self._session.execute(update(JobRow).where(JobRow.id == job_id).values(done=JobRow.done + done))
        job = self.job(job_id)
        self._session.refresh(job)
        return job

    def unfinished_jobs(self) -> list[JobRow]:
        """Jobs queued or running, oldest first (after a crash: work that may have been lost)."""
        query = select(JobRow).where(JobRow.status.in_(("queued", "running"))).order_by(JobRow.created_at)
        return list(self._session.scalars(query))

    def jobs_by_status(self) -> dict[str, int]:
        query = select(JobRow.status, func.count()).where(JobRow.status.in_(("queued", "running")))
        counts = {"queued": 0, "running": 0}
        counts.update({status: int(n) for status, n in self._session.execute(query.group_by(JobRow.status))})
        return counts

    def documents_of_job(self, job_id: str) -> list[DocumentRow]:
        query = select(DocumentRow).where(DocumentRow.job_id == job_id)
        return list(self._session.scalars(query.order_by(DocumentRow.batch_index)))

    def document_ids_of_job(self, job_id: str, limit: int) -> list[str]:
        """The first ``limit`` document ids of a job (ids only: a batch's job has thousands)."""
        query = select(DocumentRow.id).where(DocumentRow.job_id == job_id).order_by(DocumentRow.batch_index)
        return list(self._session.scalars(query.limit(limit)))

    def take_numbers(self, organisation: str, register: str, year: int, count: int) -> int:
        """Take ``count`` contiguous numbers at once; returns the first."""
        last = self.take_number(organisation, register, year, count)
        return last - count + 1

    def take_number(self, organisation: str, register: str, year: int, count: int = 1) -> int:
        """Take the register's next number. Row-locked on PostgreSQL, write-locked on SQLite: two concurrent
        callers never get the same number. Belongs in the transaction that records the issue."""
        key = (
            (RegisterCounterRow.organisation == organisation)
            & (RegisterCounterRow.register == register)
            & (RegisterCounterRow.year == year)
        )
        bump = update(RegisterCounterRow).where(key).values(last_number=RegisterCounterRow.last_number + count)
        result = self._session.execute(bump.returning(RegisterCounterRow.last_number)).scalar_one_or_none()
        if result is not None:
            return int(result)
        try:
            with self._session.begin_nested():
                self._session.execute(
                    insert(RegisterCounterRow).values(
                        organisation=organisation, register=register, year=year, last_number=0
                    )
                )
        except IntegrityError:
            pass  # another transaction created the counter first
        return int(self._session.execute(bump.returning(RegisterCounterRow.last_number)).scalar_one())

    def counter(self, organisation: str, register: str, year: int) -> int:
        row = self._session.get(RegisterCounterRow, (organisation, register, year))
        return row.last_number if row is not None else 0

    def register_entry(self, organisation: str, register: str, year: int, number: int) -> RegisterEntryRow | None:
        query = select(RegisterEntryRow).where(
            RegisterEntryRow.organisation == organisation,
            RegisterEntryRow.register == register,
            RegisterEntryRow.year == year,
            RegisterEntryRow.number == number,
        )
        return self._session.scalars(query).first()

    def register_entries(self, organisation: str, register: str, year: int) -> list[RegisterEntryRow]:
        query = select(RegisterEntryRow).where(
            RegisterEntryRow.organisation == organisation,
            RegisterEntryRow.register == register,
            RegisterEntryRow.year == year,
        )
        return list(self._session.scalars(query.order_by(RegisterEntryRow.number)))

    def failed_documents(self, document_ids: list[str]) -> set[str]:
        """Which of ``document_ids`` failed for good (their numbers stay in the register, marked)."""
        query = select(DocumentRow.id).where(DocumentRow.id.in_(document_ids), DocumentRow.status == "failed")
        return set(self._session.scalars(query))

    def user_by_name(self, username: str) -> UserRow | None:
        return self._session.scalars(select(UserRow).where(UserRow.username == username)).first()

    def add_request(self, job: JobRow, document: DocumentRow) -> DocumentRow | None:
        try:
            with self._session.begin_nested():
                self._session.add(job)
                self._session.flush()
                self._session.add(document)
        except IntegrityError:
            key = document.idempotency_key
            earlier = self.document_by_idempotency_key(key) if key else None
            if earlier is None:
                raise
            return earlier
        return None

    def add_signature(self, document_id: str, step: SignatureStep) -> bool:
        at = (DocumentRow.id == document_id) & (DocumentRow.pdf_sha256 == step.base_sha256)
        changed = self._session.execute(
            update(DocumentRow)
            .where(at, DocumentRow.status == step.status)
            .values(pdf_sha256=step.pdf_sha256, signatures=step.signatures, status=step.new_status, updated_at=utcnow())
        )
        return bool(changed.rowcount == 1)  # type: ignore[attr-defined]

    def claim_for_issue(self, document_id: str) -> bool:
        claimed = self._session.execute(
            update(DocumentRow)
            .where(DocumentRow.id == document_id, DocumentRow.status == DocumentStatus.SIGNED)
            .values(status=DocumentStatus.ISSUED)
        )
        return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]

    def insert_letters(self, letters: list[dict[str, Any]]) -> None:
        self._session.execute(insert(DocumentRow), letters)

    def insert_register_lines(self, lines: list[dict[str, Any]]) -> None:
        try:
            with self._session.begin_nested():  # flushes the documents' numbers too: their unique key is checked
                self._session.execute(insert(RegisterEntryRow), lines)
        except IntegrityError:
            raise NumberTaken(", ".join(dict.fromkeys(str(line["notation"]) for line in lines))) from None

    def add_organisation(self, abbreviation: str, name: str) -> None:
        self.add(OrganisationRow(abbreviation=abbreviation, name=name))

    def add_user(self, person: Person) -> UserRow:
        user = UserRow(id=str(uuid.uuid4()), **asdict(person))
        self.add(user)
        return user

    def add_api_key(self, key_hash: str, user_id: str) -> None:
        self.add(ApiKeyRow(key_hash=key_hash, user_id=user_id))

    def add_access_token(self, token_hash: str, user_id: str, expires_at: datetime) -> None:
        self.add(AccessTokenRow(token_hash=token_hash, user_id=user_id, expires_at=expires_at))

    def user(self, user_id: str) -> UserRow | None:
        return self._session.get(UserRow, user_id)

    def active_users(self, organisation: str) -> list[UserRow]:
        query = select(UserRow).where(UserRow.organisation == organisation, UserRow.active)
        return list(self._session.scalars(query))

    def has_people(self) -> bool:
        return self._session.scalars(select(UserRow.id).where(UserRow.username != "automation")).first() is not None

    def organisation(self, abbreviation: str) -> OrganisationRow | None:
        return self._session.get(OrganisationRow, abbreviation)

    def api_key(self, key_hash: str) -> ApiKeyRow | None:
        return self._session.get(ApiKeyRow, key_hash)

    def access_token(self, token_hash: str) -> AccessTokenRow | None:
        return self._session.get(AccessTokenRow, token_hash)

    def forget_expired_tokens(self, now: datetime) -> None:
        self._session.execute(delete(AccessTokenRow).where(AccessTokenRow.expires_at < now))

    def forget_access_token(self, token_hash: str) -> None:
        self._session.execute(delete(AccessTokenRow).where(AccessTokenRow.token_hash == token_hash))

    def login_throttle(self, key: str) -> LoginThrottleRow | None:
        return self._session.get(LoginThrottleRow, key)

    def login_failures(self, key: str, now: datetime) -> LoginThrottleRow:
        row = self._session.get(LoginThrottleRow, key, populate_existing=True)
        if row is None:
            row = LoginThrottleRow(key=key, failures=0, window_start=now, lockouts=0)
            self._session.add(row)
        return row

    def forget_login_failures(self, key: str) -> None:
        self._session.execute(delete(LoginThrottleRow).where(LoginThrottleRow.key == key))

    def forget_stale_login_failures(self, stale: datetime, now: datetime) -> None:
        self._session.execute(
            delete(LoginThrottleRow).where(
                LoginThrottleRow.last_failure_at < stale,
                or_(LoginThrottleRow.locked_until.is_(None), LoginThrottleRow.locked_until < now),
            )
        )

    def open_signing_session(
        self, document_id: str, group_id: str | None, base_sha256: str, state: str, expires_at: datetime
    ) -> SigningSessionRow:
        row = SigningSessionRow.opened(document_id, group_id, base_sha256, state, expires_at)
        self.add(row)
        return row

    def signing_session(self, session_id: str) -> SigningSessionRow | None:
        return self._session.get(SigningSessionRow, session_id)

    def signing_sessions_of_group(self, group_id: str) -> list[SigningSessionRow]:
        return list(self._session.scalars(select(SigningSessionRow).where(SigningSessionRow.group_id == group_id)))

    def template_versions(self, template_id: str | None = None) -> list[TemplateVersionRow]:
        query = select(TemplateVersionRow).order_by(TemplateVersionRow.created_at)
        if template_id is not None:
            query = query.where(TemplateVersionRow.template_id == template_id)
        return list(self._session.scalars(query))

    def record_file(self, code: str) -> RecordFileRow:
        row = self._session.get(RecordFileRow, code)
        if row is None:
            raise NotFound(f"no file of records '{code}'", f"Không có hồ sơ '{code}'")
        return row

    def record_files(self, organisation: str | None) -> list[RecordFileRow]:
        query = select(RecordFileRow).order_by(RecordFileRow.code)
        if organisation is not None:
            query = query.where(RecordFileRow.organisation == organisation)
        return list(self._session.scalars(query))

    def documents_of_file(self, code: str) -> list[DocumentRow]:
        query = select(DocumentRow).where(DocumentRow.file_code == code).order_by(DocumentRow.file_ordinal)
        return list(self._session.scalars(query))

    def stored_objects(self) -> list[StoredObject]:
        documents = select(DocumentRow.id, DocumentRow.pdf_sha256, DocumentRow.docx_sha256, DocumentRow.signatures)
        found = [
            stored
            for row in self._session.execute(documents.order_by(DocumentRow.created_at, DocumentRow.id))
            for stored in StoredObject.of_document(*row)
        ]
        templates = select(TemplateVersionRow.template_id, TemplateVersionRow.version, TemplateVersionRow.docx_sha256)
        found += [StoredObject.of_template(*row) for row in self._session.execute(templates.order_by("created_at"))]
        return found

    def users(self) -> list[UserRow]:
        return list(self._session.scalars(select(UserRow)))

    def end_sessions_of(self, user_id: str) -> None:
        self._session.execute(delete(AccessTokenRow).where(AccessTokenRow.user_id == user_id))

    def documents_waiting(self, status: str) -> list[DocumentRow]:
        return list(self._session.scalars(select(DocumentRow).where(DocumentRow.status == status)))

    def append_audit(self, actor: str, action: str, object_id: str | None, detail: dict[str, object]) -> int:
        """Append one entry to the audit chain. The head row is updated first: that takes the row lock
        (PostgreSQL) or the write lock (SQLite), so concurrent appends line up one after the other."""
        bump = update(AuditHeadRow).where(AuditHeadRow.id == 1).values(seq=AuditHeadRow.seq + 1)
        seq, prev = self._session.execute(bump.returning(AuditHeadRow.seq, AuditHeadRow.hash)).one()
        entry = chained(prev, seq, utcnow(), actor, action, object_id, detail)
        self._session.add(AuditEntryRow(**entry_columns(entry)))
        self._session.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1).values(hash=entry.hash))
        return int(seq)

    def documents_page(
        self, organisation: str | None, username: str, where: DocumentFilter, offset: int, limit: int
    ) -> tuple[list[DocumentRow], int]:
        """Documents matching ``where``, newest first, ``limit`` from ``offset``, and how many match in all. With an
        ``organisation``: only those of that body, or naming ``username`` as a signer, or signed by that body (a
        first cut the caller narrows with the visibility rule; the JSON columns are matched as text)."""
        conditions = _seen_by(organisation, username)
        if where.status:
            conditions.append(DocumentRow.status == where.status)
        if where.template:
            conditions.append(DocumentRow.template_id == where.template)
        if where.notation:
            conditions.append(DocumentRow.notation.contains(where.notation, autoescape=True))
        if where.created_from:
            conditions.append(DocumentRow.created_at >= where.created_from)
        if where.created_before:
            conditions.append(DocumentRow.created_at < where.created_before)
        total = self._session.scalar(select(func.count()).select_from(DocumentRow).where(*conditions)) or 0
        query = (
            select(DocumentRow)
            .where(*conditions)
            .order_by(DocumentRow.created_at.desc(), DocumentRow.id)
            .offset(offset)
            .limit(limit)
        )
        return list(self._session.scalars(query)), int(total)

    def issued_between(
        self, organisation: str | None, username: str, window: IssuedWindow, limit: int
    ) -> list[DocumentRow]:
        """Issued documents in ``window``, latest first, at most ``limit``; with an ``organisation``, the same first
        cut as :meth:`documents_page`."""
        conditions = [*_seen_by(organisation, username), DocumentRow.status == DocumentStatus.ISSUED]
        if window.template:
            conditions.append(DocumentRow.template_id == window.template)
        if window.issued_from:
            conditions.append(DocumentRow.issued_on >= window.issued_from)
        if window.issued_to:
            conditions.append(DocumentRow.issued_on <= window.issued_to)
        query = (
            select(DocumentRow)
            .where(*conditions)
            .order_by(DocumentRow.issued_on.desc(), DocumentRow.number.desc(), DocumentRow.id)
            .limit(limit)
        )
        return list(self._session.scalars(query))

    def audit_of(self, object_id: str) -> list[Entry]:
        """The audit entries about one object, oldest first."""
        rows = self._session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.object_id == object_id).order_by(AuditEntryRow.seq)
        )
        return [Entry(r.seq, r.at, r.actor, r.action, r.object_id, r.detail, r.prev_hash, r.hash) for r in rows]

    def active_users_with_role(self, role: str) -> list[UserRow]:
        rows = self._session.scalars(select(UserRow).where(UserRow.active).order_by(UserRow.organisation))
        return [u for u in rows if role in u.roles]

    def audit_chain(self) -> tuple[list[Entry], int, str]:
        rows = self._session.scalars(select(AuditEntryRow).order_by(AuditEntryRow.seq))
        entries = [Entry(r.seq, r.at, r.actor, r.action, r.object_id, r.detail, r.prev_hash, r.hash) for r in rows]
        head = self._session.get(AuditHeadRow, 1)
        assert head is not None
        return entries, head.seq, head.hash

    def beat(self, worker_id: str, converter_ok: bool, detail: str | None) -> None:
        row = self._session.get(WorkerHeartbeatRow, worker_id)
        if row is None:
            self._session.add(
                WorkerHeartbeatRow(id=worker_id, seen_at=utcnow(), converter_ok=converter_ok, detail=detail)
            )
        else:
            row.seen_at, row.converter_ok, row.detail = utcnow(), converter_ok, detail

    def heartbeats_since(self, since: datetime) -> list[WorkerHeartbeatRow]:
        return list(self._session.scalars(select(WorkerHeartbeatRow).where(WorkerHeartbeatRow.seen_at >= since)))

    def forget_worker(self, worker_id: str) -> None:
        row = self._session.get(WorkerHeartbeatRow, worker_id)
        if row is not None:
            self._session.delete(row)

    def ping(self) -> None:
        self._session.execute(text("SELECT 1"))

    # -- webhooks -----------------------------------------------------------------------------------------------
    def webhook_endpoint(self, endpoint_id: str) -> WebhookEndpointRow | None:
        return self._session.get(WebhookEndpointRow, endpoint_id)

    def webhook_endpoints(self, owner_id: str | None = None) -> list[WebhookEndpointRow]:
        query = select(WebhookEndpointRow).where(WebhookEndpointRow.active.is_(True))
        if owner_id is not None:
            query = query.where(WebhookEndpointRow.owner_id == owner_id)
        return list(self._session.scalars(query.order_by(WebhookEndpointRow.created_at)))

    def webhook_subscribers(self, organisation: str, event: str) -> list[WebhookEndpointRow]:
        query = select(WebhookEndpointRow).where(
            WebhookEndpointRow.active.is_(True), WebhookEndpointRow.organisation == organisation
        )
        return [e for e in self._session.scalars(query) if event in e.events]

    def webhook_delivery(self, delivery_id: str) -> WebhookDeliveryRow | None:
        return self._session.get(WebhookDeliveryRow, delivery_id)

    def webhook_deliveries(self, endpoint_id: str, limit: int) -> list[WebhookDeliveryRow]:
        query = select(WebhookDeliveryRow).where(WebhookDeliveryRow.endpoint_id == endpoint_id)
        return list(self._session.scalars(query.order_by(WebhookDeliveryRow.created_at.desc()).limit(limit)))
