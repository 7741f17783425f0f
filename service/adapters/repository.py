"""Database access for the service layer: one Repository over a SQLAlchemy session, implementing
``service.services.ports.Repository``. Every query of the service lives here; the session stays private."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Text, and_, bindparam, case, cast, delete, false, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnElement

from service.adapters import orm
from service.domain.audit import Entry, chained, entry_columns
from service.domain.documents import DocumentFilter, DocumentStatus, IssuedWindow
from service.domain.office import WEBHOOK_ROLES
from service.errors import BatchNotFound, DocumentNotFound, JobNotFound, NotFound, NumberTaken, RecordFileNotFound
from service.services.ports import BatchToFile, Issued, SignatureStep, StoredObject

_Row = TypeVar("_Row")


def _seen_by(organisation: str | None, username: str) -> list[ColumnElement[bool]]:
    """No condition (``organisation`` None: an admin), or documents of that body, naming ``username`` as a signer,
    or signed by that body: the JSON columns matched as text, a first cut the visibility rule narrows."""
    if organisation is None:
        return []
    return [
        or_(
            orm.DocumentRow.organisation == organisation,
            cast(orm.DocumentRow.signers, Text).contains(f'"{username}"', autoescape=True),
            cast(orm.DocumentRow.signatures, Text).contains(f'"{organisation}"', autoescape=True),
        )
    ]


_ISSUED_FIELDS = ("pdf_sha256", "signer", "signed_at")
_ISSUED_COLUMNS = {"docx_sha256": "docx_sha256", "metadata": "archive_metadata"}


class Repository(orm.NewRows):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, row: object) -> None:
        self._session.add(row)
        self._session.flush()  # no ORM relationships: rows go in the order their keys need

    @staticmethod
    def _found(row: _Row | None, missing: Callable[[], NotFound]) -> _Row:
        """The row, or ``missing()`` raised."""
        if row is None:
            raise missing()
        return row

    def document(self, document_id: str) -> orm.DocumentRow:
        return self._found(self._session.get(orm.DocumentRow, document_id), lambda: DocumentNotFound(document_id))

    def issued_by_verify_code(self, code: str) -> orm.DocumentRow | None:
        query = select(orm.DocumentRow).where(
            orm.DocumentRow.verify_code == code, orm.DocumentRow.status == DocumentStatus.ISSUED
        )
        return self._session.scalars(query).first()

    def job(self, job_id: str) -> orm.JobRow:
        return self._found(self._session.get(orm.JobRow, job_id), lambda: JobNotFound(job_id))

    def document_by_idempotency_key(self, key: str) -> orm.DocumentRow | None:
        return self._session.scalars(select(orm.DocumentRow).where(orm.DocumentRow.idempotency_key == key)).first()

    def batch(self, batch_id: str) -> orm.BatchRow:
        return self._found(
            self._session.get(orm.BatchRow, batch_id),
            lambda: BatchNotFound(batch_id),
        )

    def documents_of_batch(self, batch_id: str, first: int = 0, end: int | None = None) -> list[orm.DocumentRow]:
        query = select(orm.DocumentRow).where(
            orm.DocumentRow.batch_id == batch_id, orm.DocumentRow.batch_index >= first
        )
        if end is not None:
            query = query.where(orm.DocumentRow.batch_index < end)
        return list(self._session.scalars(query.order_by(orm.DocumentRow.batch_index)))

    def issue(self, issued: dict[str, Issued]) -> set[str]:
        """Record numbered documents as issued, each unless it already is (or failed); the ids this call recorded.
        One statement for a chunk's letters, executed for each. When it changed some rows but not all (another
        delivery issued the others), the rows that hold this call's PDF are the ones it recorded: no two PDFs written
        are the same bytes (each has a random file identifier: ``pdf_pages``, or pyHanko's in its update)."""
        row = orm.DocumentRow
        done = (row.status == "issued") | (row.status == "failed")  # no IN: its list is not allowed in a batch
        recorded: set[str] = set()
        groups: dict[tuple[str, ...], list[tuple[str, Issued]]] = {}
        for document_id, one in issued.items():
            kept = tuple(name for name in ("docx_sha256", "metadata") if getattr(one, name) is not None)
            groups.setdefault(kept, []).append((document_id, one))
        for kept, group in groups.items():
            statement = (
                update(row)
                .where(row.id == bindparam("document_id"), ~done)
                .values(
                    status="issued",
                    updated_at=orm.utcnow(),
                    **{_ISSUED_COLUMNS.get(name, name): bindparam(f"new_{name}") for name in _ISSUED_FIELDS + kept},
                )
            )
            params = [
                {"document_id": i, **{f"new_{n}": getattr(one, n) for n in _ISSUED_FIELDS + kept}} for i, one in group
            ]
            changed = self._session.connection().execute(statement, params).rowcount
            if changed in (0, len(params)):
                recorded.update(i for i, _ in group if changed)
                continue
            ours = {i: one.pdf_sha256 for i, one in group}
            held = self._session.execute(select(row.id, row.pdf_sha256).where(row.id.in_(ours)))
            recorded.update(i for i, digest in held if ours[i] == digest)
        return recorded

    def finish(self, document_id: str, status: str, values: dict[str, object]) -> bool:
        """Move a document still requested or numbered to ``status`` with ``values``; False if another delivery
        of its job did it first (nothing changes)."""
        result = self._session.execute(
            update(orm.DocumentRow)
            .where(orm.DocumentRow.id == document_id, orm.DocumentRow.status.in_(("requested", "numbered")))
            .values(status=status, updated_at=orm.utcnow(), **values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def add_progress(self, job_id: str, done: int) -> orm.JobRow:
        """Count ``done`` more documents of the job, atomically (several workers report at once)."""
        self._session.execute(update(orm.JobRow).where(orm.JobRow.id == job_id).values(done=orm.JobRow.done + done))
        job = self.job(job_id)
        self._session.refresh(job)
        return job

    def unfinished_jobs(self) -> list[orm.JobRow]:
        """Jobs queued or running, oldest first (after a crash: work that may have been lost)."""
        query = select(orm.JobRow).where(orm.JobRow.status.in_(("queued", "running"))).order_by(orm.JobRow.created_at)
        return list(self._session.scalars(query))

    def serialise(self, what: str) -> None:
        """Transactions that serialise ``what`` wait for one another until this one ends (a count, then a row
        that the count limits): a transaction-scoped advisory lock on PostgreSQL; on SQLite, its write lock, taken
        by a write that changes nothing."""
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(select(func.pg_advisory_xact_lock(func.hashtext(what))))
        else:
            self._session.execute(update(orm.JobRow).where(false()).values(status=orm.JobRow.status))

    def jobs_by_status(self) -> dict[str, int]:
        query = select(orm.JobRow.status, func.count()).where(orm.JobRow.status.in_(("queued", "running")))
        counts = {"queued": 0, "running": 0}
        counts.update({status: int(n) for status, n in self._session.execute(query.group_by(orm.JobRow.status))})
        return counts

    def documents_of_job(self, job_id: str) -> list[orm.DocumentRow]:
        query = select(orm.DocumentRow).where(orm.DocumentRow.job_id == job_id)
        return list(self._session.scalars(query.order_by(orm.DocumentRow.batch_index)))

    def document_ids_of_job(self, job_id: str, limit: int) -> list[str]:
        """The first ``limit`` document ids of a job (ids only: a batch's job has thousands)."""
        query = select(orm.DocumentRow.id).where(orm.DocumentRow.job_id == job_id).order_by(orm.DocumentRow.batch_index)
        return list(self._session.scalars(query.limit(limit)))

    def take_numbers(self, organisation: str, register: str, year: int, count: int) -> int:
        """Take ``count`` contiguous numbers at once; returns the first."""
        last = self.take_number(organisation, register, year, count)
        return last - count + 1

    def take_number(self, organisation: str, register: str, year: int, count: int = 1) -> int:
        """Take the register's next number. Row-locked on PostgreSQL, write-locked on SQLite: two concurrent
        callers never get the same number. Belongs in the transaction that records the issue."""
        key = (
            (orm.RegisterCounterRow.organisation == organisation)
            & (orm.RegisterCounterRow.register == register)
            & (orm.RegisterCounterRow.year == year)
        )
        bump = update(orm.RegisterCounterRow).where(key).values(last_number=orm.RegisterCounterRow.last_number + count)
        result = self._session.execute(bump.returning(orm.RegisterCounterRow.last_number)).scalar_one_or_none()
        if result is not None:
            return int(result)
        try:
            with self._session.begin_nested():
                self._session.execute(
                    insert(orm.RegisterCounterRow).values(
                        organisation=organisation, register=register, year=year, last_number=0
                    )
                )
        except IntegrityError:
            pass  # another transaction created the counter first
        return int(self._session.execute(bump.returning(orm.RegisterCounterRow.last_number)).scalar_one())

    def counter(self, organisation: str, register: str, year: int) -> int:
        row = self._session.get(orm.RegisterCounterRow, (organisation, register, year))
        return row.last_number if row is not None else 0

    def register_entry(self, organisation: str, register: str, year: int, number: int) -> orm.RegisterEntryRow | None:
        query = select(orm.RegisterEntryRow).where(
            orm.RegisterEntryRow.organisation == organisation,
            orm.RegisterEntryRow.register == register,
            orm.RegisterEntryRow.year == year,
            orm.RegisterEntryRow.number == number,
        )
        return self._session.scalars(query).first()

    def register_entries(self, organisation: str, register: str, year: int) -> list[orm.RegisterEntryRow]:
        query = select(orm.RegisterEntryRow).where(
            orm.RegisterEntryRow.organisation == organisation,
            orm.RegisterEntryRow.register == register,
            orm.RegisterEntryRow.year == year,
        )
        return list(self._session.scalars(query.order_by(orm.RegisterEntryRow.number)))

    def failed_documents(self, document_ids: list[str]) -> set[str]:
        """Which of ``document_ids`` failed for good (their numbers stay in the register, marked)."""
        query = select(orm.DocumentRow.id).where(
            orm.DocumentRow.id.in_(document_ids), orm.DocumentRow.status == "failed"
        )
        return set(self._session.scalars(query))

    def user_by_name(self, username: str) -> orm.UserRow | None:
        return self._session.scalars(select(orm.UserRow).where(orm.UserRow.username == username)).first()

    def add_request(self, job: orm.JobRow, document: orm.DocumentRow) -> orm.DocumentRow | None:
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
        at = (orm.DocumentRow.id == document_id) & (orm.DocumentRow.pdf_sha256 == step.base_sha256)
        changed = self._session.execute(
            update(orm.DocumentRow)
            .where(at, orm.DocumentRow.status == step.status)
            .values(
                pdf_sha256=step.pdf_sha256, signatures=step.signatures, status=step.new_status, updated_at=orm.utcnow()
            )
        )
        return bool(changed.rowcount == 1)  # type: ignore[attr-defined]

    def claim_for_issue(self, document_id: str) -> bool:
        claimed = self._session.execute(
            update(orm.DocumentRow)
            .where(orm.DocumentRow.id == document_id, orm.DocumentRow.status == DocumentStatus.SIGNED)
            .values(status=DocumentStatus.ISSUED)
        )
        return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]

    def insert_letters(self, letters: list[dict[str, Any]]) -> None:
        self._session.execute(insert(orm.DocumentRow), letters)

    def insert_register_lines(self, lines: list[dict[str, Any]]) -> None:
        try:
            with self._session.begin_nested():  # flushes the documents' numbers too: their unique key is checked
                self._session.execute(insert(orm.RegisterEntryRow), lines)
        except IntegrityError:
            raise NumberTaken(", ".join(dict.fromkeys(str(line["notation"]) for line in lines))) from None

    def user(self, user_id: str) -> orm.UserRow | None:
        return self._session.get(orm.UserRow, user_id)

    def active_users(self, organisation: str) -> list[orm.UserRow]:
        query = select(orm.UserRow).where(orm.UserRow.organisation == organisation, orm.UserRow.active)
        return list(self._session.scalars(query))

    def has_people(self) -> bool:
        return (
            self._session.scalars(select(orm.UserRow.id).where(orm.UserRow.username != "automation")).first()
            is not None
        )

    def organisation(self, abbreviation: str) -> orm.OrganisationRow | None:
        return self._session.get(orm.OrganisationRow, abbreviation)

    def api_key(self, key_hash: str) -> orm.ApiKeyRow | None:
        return self._session.get(orm.ApiKeyRow, key_hash)

    def access_token(self, token_hash: str) -> orm.AccessTokenRow | None:
        return self._session.get(orm.AccessTokenRow, token_hash)

    def forget_expired_tokens(self, now: datetime) -> None:
        self._session.execute(delete(orm.AccessTokenRow).where(orm.AccessTokenRow.expires_at < now))

    def forget_access_token(self, token_hash: str) -> None:
        self._session.execute(delete(orm.AccessTokenRow).where(orm.AccessTokenRow.token_hash == token_hash))

    def login_throttle(self, key: str) -> orm.LoginThrottleRow | None:
        return self._session.get(orm.LoginThrottleRow, key)

    def login_failures(self, key: str, now: datetime) -> orm.LoginThrottleRow:
        row = self._session.get(orm.LoginThrottleRow, key, populate_existing=True)
        if row is None:
            row = orm.LoginThrottleRow(key=key, failures=0, window_start=now, lockouts=0)
            self._session.add(row)
        return row

    def forget_login_failures(self, key: str) -> None:
        self._session.execute(delete(orm.LoginThrottleRow).where(orm.LoginThrottleRow.key == key))

    def forget_stale_login_failures(self, stale: datetime, now: datetime) -> None:
        self._session.execute(
            delete(orm.LoginThrottleRow).where(
                orm.LoginThrottleRow.last_failure_at < stale,
                or_(orm.LoginThrottleRow.locked_until.is_(None), orm.LoginThrottleRow.locked_until < now),
            )
        )

    def signing_session(self, session_id: str) -> orm.SigningSessionRow | None:
        return self._session.get(orm.SigningSessionRow, session_id)

    def signing_sessions_of_group(self, group_id: str) -> list[orm.SigningSessionRow]:
        return list(
            self._session.scalars(select(orm.SigningSessionRow).where(orm.SigningSessionRow.group_id == group_id))
        )

    def template_versions(self, template_id: str | None = None) -> list[orm.TemplateVersionRow]:
        query = select(orm.TemplateVersionRow).order_by(orm.TemplateVersionRow.created_at)
        if template_id is not None:
            query = query.where(orm.TemplateVersionRow.template_id == template_id)
        return list(self._session.scalars(query))

    def record_file(self, code: str, lock: bool = False) -> orm.RecordFileRow:
        if lock:  # a no-op write: the row's lock on PostgreSQL, the database's write lock on SQLite, until commit
            self._session.execute(
                update(orm.RecordFileRow).where(orm.RecordFileRow.code == code).values(code=orm.RecordFileRow.code),
                execution_options={"synchronize_session": False},
            )
        found = self._session.get(orm.RecordFileRow, code, populate_existing=lock)
        return self._found(found, lambda: RecordFileNotFound(code))

    def file_documents(self, code: str, ordinals: dict[str, int]) -> list[str]:
        filing = (
            update(orm.DocumentRow)
            .where(orm.DocumentRow.id.in_(ordinals), orm.DocumentRow.file_code.is_(None))
            .values(file_code=code, file_ordinal=case(ordinals, value=orm.DocumentRow.id))
        )
        filed = self._session.execute(filing, execution_options={"synchronize_session": False})
        if filed.rowcount != len(ordinals):  # type: ignore[attr-defined]
            taken = select(orm.DocumentRow.id).where(
                orm.DocumentRow.id.in_(ordinals), orm.DocumentRow.file_code.is_not(None)
            )
            return sorted(set(self._session.scalars(taken)))
        for document_id, ordinal in ordinals.items():
            loaded = self._session.get(orm.DocumentRow, document_id)  # from the identity map
            if loaded is not None:
                set_committed_value(loaded, "file_code", code)
                set_committed_value(loaded, "file_ordinal", ordinal)
        return []

    def record_files(self, organisation: str | None) -> list[orm.RecordFileRow]:
        query = select(orm.RecordFileRow).order_by(orm.RecordFileRow.code)
        if organisation is not None:
            query = query.where(orm.RecordFileRow.organisation == organisation)
        return list(self._session.scalars(query))

    def documents_of_file(self, code: str) -> list[orm.DocumentRow]:
        query = select(orm.DocumentRow).where(orm.DocumentRow.file_code == code).order_by(orm.DocumentRow.file_ordinal)
        return list(self._session.scalars(query))

    def batches_to_file(self, organisation: str) -> list[BatchToFile]:
        d = orm.DocumentRow
        fileable = and_(d.status == DocumentStatus.ISSUED.value, d.file_code.is_(None))
        count = func.sum(case((fileable, 1), else_=0))
        numbers = (func.min(case((fileable, d.number))), func.max(case((fileable, d.number))))
        query = (
            select(d.batch_id, func.count(), count, *numbers)
            .where(d.organisation == organisation, d.batch_id.is_not(None))
            .group_by(d.batch_id)
            .having(count > 0)
        )
        found = {row[0]: row[1:] for row in self._session.execute(query)}
        batches = list(self._session.scalars(select(orm.BatchRow).where(orm.BatchRow.id.in_(list(found)))))
        return [
            BatchToFile(b, int(found[b.id][0]), int(found[b.id][1]), found[b.id][2], found[b.id][3])
            for b in sorted(batches, key=lambda b: (b.created_at, b.id), reverse=True)
        ]

    def stored_objects(self) -> list[StoredObject]:
        documents = select(
            orm.DocumentRow.id, orm.DocumentRow.pdf_sha256, orm.DocumentRow.docx_sha256, orm.DocumentRow.signatures
        )
        found = [
            stored
            for row in self._session.execute(documents.order_by(orm.DocumentRow.created_at, orm.DocumentRow.id))
            for stored in StoredObject.of_document(*row)
        ]
        templates = select(
            orm.TemplateVersionRow.template_id, orm.TemplateVersionRow.version, orm.TemplateVersionRow.docx_sha256
        )
        found += [StoredObject.of_template(*row) for row in self._session.execute(templates.order_by("created_at"))]
        return found

    def users(self) -> list[orm.UserRow]:
        return list(self._session.scalars(select(orm.UserRow)))

    def end_sessions_of(self, user_id: str) -> None:
        self._session.execute(delete(orm.AccessTokenRow).where(orm.AccessTokenRow.user_id == user_id))

    def documents_waiting(self, status: str) -> list[orm.DocumentRow]:
        return list(self._session.scalars(select(orm.DocumentRow).where(orm.DocumentRow.status == status)))

    def append_audit(self, actor: str, action: str, object_id: str | None, detail: dict[str, object]) -> int:
        """Append one entry to the audit chain. The head row is updated first: that takes the row lock
        (PostgreSQL) or the write lock (SQLite), so concurrent appends line up one after the other."""
        bump = update(orm.AuditHeadRow).where(orm.AuditHeadRow.id == 1).values(seq=orm.AuditHeadRow.seq + 1)
        seq, prev = self._session.execute(bump.returning(orm.AuditHeadRow.seq, orm.AuditHeadRow.hash)).one()
        entry = chained(prev, seq, orm.utcnow(), actor, action, object_id, detail)
        self._session.add(orm.AuditEntryRow(**entry_columns(entry)))
        self._session.execute(update(orm.AuditHeadRow).where(orm.AuditHeadRow.id == 1).values(hash=entry.hash))
        return int(seq)

    def documents_page(
        self, organisation: str | None, username: str, where: DocumentFilter, offset: int, limit: int
    ) -> tuple[list[orm.DocumentRow], int]:
        """Documents matching ``where``, newest first (a batch's letters, which share their time: the last number
        first), or by issue (``where.by_issue``), ``limit`` from ``offset``,
        and how many match in all. With an ``organisation``: only those of that body, or naming ``username`` as a
        signer, or signed by that body (a first cut the caller narrows with the visibility rule; the JSON columns are
        matched as text)."""
        conditions = _seen_by(organisation, username)
        if where.status:
            conditions.append(orm.DocumentRow.status == where.status)
        if where.template:
            conditions.append(orm.DocumentRow.template_id == where.template)
        if where.notation:
            conditions.append(orm.DocumentRow.notation.contains(where.notation, autoescape=True))
        if where.created_from:
            conditions.append(orm.DocumentRow.created_at >= where.created_from)
        if where.created_before:
            conditions.append(orm.DocumentRow.created_at < where.created_before)
        if where.filed is not None:
            filed = orm.DocumentRow.file_code
            conditions.append(filed.is_not(None) if where.filed else filed.is_(None))
        if where.organisation:
            conditions.append(orm.DocumentRow.organisation == where.organisation)
        total = self._session.scalar(select(func.count()).select_from(orm.DocumentRow).where(*conditions)) or 0
        query = (
            select(orm.DocumentRow)
            .where(*conditions)
            .order_by(
                *(
                    (  # a batch's letters share both: their numbers say their order
                        orm.DocumentRow.issued_on.asc().nulls_last(),
                        orm.DocumentRow.created_at.asc(),
                        orm.DocumentRow.number.asc().nulls_last(),
                    )
                    if where.by_issue
                    else (orm.DocumentRow.created_at.desc(), orm.DocumentRow.number.desc().nulls_last())
                ),
                orm.DocumentRow.id,
            )
            .offset(offset)
            .limit(limit)
        )
        return list(self._session.scalars(query)), int(total)

    def issued_between(
        self, organisation: str | None, username: str, window: IssuedWindow, limit: int
    ) -> list[orm.DocumentRow]:
        """Issued documents in ``window``, latest first, at most ``limit``; with an ``organisation``, the same first
        cut as :meth:`documents_page`."""
        conditions = [*_seen_by(organisation, username), orm.DocumentRow.status == DocumentStatus.ISSUED]
        if window.template:
            conditions.append(orm.DocumentRow.template_id == window.template)
        if window.issued_from:
            conditions.append(orm.DocumentRow.issued_on >= window.issued_from)
        if window.issued_to:
            conditions.append(orm.DocumentRow.issued_on <= window.issued_to)
        query = (
            select(orm.DocumentRow)
            .where(*conditions)
            .order_by(orm.DocumentRow.issued_on.desc(), orm.DocumentRow.number.desc(), orm.DocumentRow.id)
            .limit(limit)
        )
        return list(self._session.scalars(query))

    def audit_of(self, object_id: str) -> list[Entry]:
        """The audit entries about one object, oldest first."""
        rows = self._session.scalars(
            select(orm.AuditEntryRow).where(orm.AuditEntryRow.object_id == object_id).order_by(orm.AuditEntryRow.seq)
        )
        return [Entry(r.seq, r.at, r.actor, r.action, r.object_id, r.detail, r.prev_hash, r.hash) for r in rows]

    def active_users_with_role(self, role: str) -> list[orm.UserRow]:
        rows = self._session.scalars(select(orm.UserRow).where(orm.UserRow.active).order_by(orm.UserRow.organisation))
        return [u for u in rows if role in u.roles]

    def audit_chain(self) -> tuple[list[Entry], int, str]:
        rows = self._session.scalars(select(orm.AuditEntryRow).order_by(orm.AuditEntryRow.seq))
        entries = [Entry(r.seq, r.at, r.actor, r.action, r.object_id, r.detail, r.prev_hash, r.hash) for r in rows]
        head = self._session.get(orm.AuditHeadRow, 1)
        assert head is not None
        return entries, head.seq, head.hash

    def beat(self, worker_id: str, converter_ok: bool, detail: str | None) -> None:
        row = self._session.get(orm.WorkerHeartbeatRow, worker_id)
        if row is None:
            self._session.add(
                orm.WorkerHeartbeatRow(id=worker_id, seen_at=orm.utcnow(), converter_ok=converter_ok, detail=detail)
            )
        else:
            row.seen_at, row.converter_ok, row.detail = orm.utcnow(), converter_ok, detail

    def heartbeats_since(self, since: datetime) -> list[orm.WorkerHeartbeatRow]:
        return list(
            self._session.scalars(select(orm.WorkerHeartbeatRow).where(orm.WorkerHeartbeatRow.seen_at >= since))
        )

    def forget_worker(self, worker_id: str) -> None:
        row = self._session.get(orm.WorkerHeartbeatRow, worker_id)
        if row is not None:
            self._session.delete(row)

    def ping(self) -> None:
        self._session.execute(text("SELECT 1"))

    # -- webhooks -----------------------------------------------------------------------------------------------
    def webhook_endpoint(self, endpoint_id: str) -> orm.WebhookEndpointRow | None:
        return self._session.get(orm.WebhookEndpointRow, endpoint_id)

    def webhook_endpoints(self, owner_id: str | None = None) -> list[orm.WebhookEndpointRow]:
        query = select(orm.WebhookEndpointRow).where(orm.WebhookEndpointRow.active.is_(True))
        if owner_id is not None:
            query = query.where(orm.WebhookEndpointRow.owner_id == owner_id)
        return list(self._session.scalars(query.order_by(orm.WebhookEndpointRow.created_at)))

    def webhook_subscribers(self, organisation: str, event: str) -> list[orm.WebhookEndpointRow]:
        query = (
            select(orm.WebhookEndpointRow, orm.UserRow.roles)
            .join(orm.UserRow, orm.UserRow.id == orm.WebhookEndpointRow.owner_id)
            .where(
                orm.WebhookEndpointRow.active.is_(True),
                orm.WebhookEndpointRow.organisation == organisation,
                orm.UserRow.active.is_(True),
                orm.UserRow.organisation == organisation,
            )
        )
        return [
            e
            for e, roles in self._session.execute(query)
            if event in e.events and any(r in roles for r in WEBHOOK_ROLES)
        ]

    def webhook_delivery(self, delivery_id: str) -> orm.WebhookDeliveryRow | None:
        return self._session.get(orm.WebhookDeliveryRow, delivery_id)

    def webhook_deliveries(self, endpoint_id: str, limit: int) -> list[orm.WebhookDeliveryRow]:
        query = select(orm.WebhookDeliveryRow).where(orm.WebhookDeliveryRow.endpoint_id == endpoint_id)
        return list(self._session.scalars(query.order_by(orm.WebhookDeliveryRow.created_at.desc()).limit(limit)))
