"""Database access for the service layer: one Repository over a SQLAlchemy session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.adapters.orm import BatchRow, DocumentRow, JobRow, RegisterCounterRow, WorkerHeartbeatRow, utcnow
from service.errors import DocumentNotFound, JobNotFound, NotFound


class Repository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)

    def document(self, document_id: str) -> DocumentRow:
        row = self.session.get(DocumentRow, document_id)
        if row is None:
            raise DocumentNotFound(document_id)
        return row

    def job(self, job_id: str) -> JobRow:
        row = self.session.get(JobRow, job_id)
        if row is None:
            raise JobNotFound(job_id)
        return row

    def document_by_idempotency_key(self, key: str) -> DocumentRow | None:
        return self.session.scalars(select(DocumentRow).where(DocumentRow.idempotency_key == key)).first()

    def batch(self, batch_id: str) -> BatchRow:
        row = self.session.get(BatchRow, batch_id)
        if row is None:
            raise NotFound(f"no batch '{batch_id}'", f"Không có lô văn bản '{batch_id}'")
        return row

    def documents_of_batch(self, batch_id: str, first: int = 0, end: int | None = None) -> list[DocumentRow]:
        query = select(DocumentRow).where(DocumentRow.batch_id == batch_id, DocumentRow.batch_index >= first)
        if end is not None:
            query = query.where(DocumentRow.batch_index < end)
        return list(self.session.scalars(query.order_by(DocumentRow.batch_index)))

    def add_progress(self, job_id: str, done: int) -> JobRow:
        """Count ``done`` more documents of the job, atomically (several workers report at once)."""
        self.session.execute(update(JobRow).where(JobRow.id == job_id).values(done=JobRow.done + done))
        return self.job(job_id)

    def document_ids_of_job(self, job_id: str, limit: int) -> list[str]:
        """The first ``limit`` document ids of a job (ids only: a batch's job has thousands)."""
        query = select(DocumentRow.id).where(DocumentRow.job_id == job_id).order_by(DocumentRow.batch_index)
        return list(self.session.scalars(query.limit(limit)))

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
        result = self.session.execute(bump.returning(RegisterCounterRow.last_number)).scalar_one_or_none()
        if result is not None:
            return int(result)
        try:
            with self.session.begin_nested():
                self.session.execute(
                    insert(RegisterCounterRow).values(
                        organisation=organisation, register=register, year=year, last_number=0
                    )
                )
        except IntegrityError:
            pass  # another transaction created the counter first
        return int(self.session.execute(bump.returning(RegisterCounterRow.last_number)).scalar_one())

    def beat(self, worker_id: str, converter_ok: bool, detail: str | None) -> None:
        row = self.session.get(WorkerHeartbeatRow, worker_id)
        if row is None:
            self.session.add(
                WorkerHeartbeatRow(id=worker_id, seen_at=utcnow(), converter_ok=converter_ok, detail=detail)
            )
        else:
            row.seen_at, row.converter_ok, row.detail = utcnow(), converter_ok, detail

    def heartbeats_since(self, since: datetime) -> list[WorkerHeartbeatRow]:
        return list(self.session.scalars(select(WorkerHeartbeatRow).where(WorkerHeartbeatRow.seen_at >= since)))

    def forget_worker(self, worker_id: str) -> None:
        row = self.session.get(WorkerHeartbeatRow, worker_id)
        if row is not None:
            self.session.delete(row)

    def ping(self) -> None:
        self.session.execute(text("SELECT 1"))
