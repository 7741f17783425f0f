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


@dataclass(frozen=True)
class Admission:
    """``limit`` jobs queued or running (0: no limit) past which new work is refused with ``retry_after``: early and
    cheaply (``admit``, before a request is read), then exactly where the new job is recorded (``check``): requests
    that came at once would all pass the early count before any was recorded."""

    limit: int
    retry_after: int

    def admit(self, db: Database) -> None:
        """Refuse new work (:class:`~service.errors.QueueFull`) while the limit is reached."""
        if self.limit > 0:
            with db.uow() as tx:
                self._refuse_when_full(tx.repo)

    def check(self, repo: Any) -> None:
        """In the transaction that records the new job, before it does: admissions wait for one another until it
        ends (``serialise``), so the count holds every job admitted before."""
        if self.limit > 0:
            repo.serialise("admission")
            self._refuse_when_full(repo)

    def _refuse_when_full(self, repo: Any) -> None:
        waiting = sum(repo.jobs_by_status().values())
        if waiting >= self.limit:
            raise QueueFull(waiting, self.limit, self.retry_after)
