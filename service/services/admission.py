"""Admission (tiếp nhận): back-pressure on new work. Past ``VANBAN_MAX_QUEUED_JOBS`` jobs queued or running, a new
document or batch is refused with 429 and ``Retry-After`` until the workers catch up; what was accepted is made,
and the rest of the service (reading, signing, health) goes on answering."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.errors import QueueFull
from service.services.ports import Database


def queue_depth(db: Database) -> dict[str, int]:
    """Jobs queued and running now, by status."""
    with db.uow() as tx:
        return tx.repo.jobs_by_status()


def admit(db: Database, limit: int, retry_after: int) -> None:
    """Refuse new work (:class:`~service.errors.QueueFull`) while ``limit`` jobs or more wait; 0: no limit."""
    if limit <= 0:
        return
    waiting = sum(queue_depth(db).values())
    if waiting >= limit:
        raise QueueFull(waiting, limit, retry_after)


@dataclass(frozen=True)
class Admission:
    """The limit checked again where new work is recorded (``request_document``, ``request_batch``): ``admit``
    refuses early and cheaply, but requests that came at once would all pass it before any was recorded."""

    limit: int
    retry_after: int

    def check(self, repo: Any) -> None:
        """In the transaction that records the new job, before it does: admissions wait for one another until it
        ends (``serialise``), so the count holds every job admitted before."""
        if self.limit <= 0:
            return
        repo.serialise("admission")
        waiting = sum(repo.jobs_by_status().values())
        if waiting >= self.limit:
            raise QueueFull(waiting, self.limit, self.retry_after)
