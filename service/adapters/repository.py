"""Database access for the service layer: one Repository over a SQLAlchemy session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.adapters.orm import DocumentRow, JobRow, RegisterCounterRow, WorkerHeartbeatRow, utcnow
from service.errors import DocumentNotFound, JobNotFound


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

    def documents_of_job(self, job_id: str) -> list[DocumentRow]:
        return list(self.session.scalars(select(DocumentRow).where(DocumentRow.job_id == job_id)))

    def take_number(self, organisation: str, register: str, year: int) -> int:
        """Take the register's next number. Row-locked on PostgreSQL, write-locked on SQLite: two concurrent
        callers never get the same number. Belongs in the transaction that records the issue."""
        key = (
            (RegisterCounterRow.organisation == organisation)
            & (RegisterCounterRow.register == register)
            & (RegisterCounterRow.year == year)
        )
        bump = update(RegisterCounterRow).where(key).values(last_number=RegisterCounterRow.last_number + 1)
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
