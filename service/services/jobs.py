"""Jobs (công việc) as their callers follow them: a job is seen by whoever may see its documents, and a caller may
wait for its end (a long poll) instead of asking again and again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from service.domain.documents import JobStatus
from service.domain.office import Principal
from service.services.ports import Database, JobRow
from service.services.visibility import check_can_see

ENDED = (JobStatus.SUCCEEDED, JobStatus.FAILED)
WAIT_STEPS = ((1.0, 0.01), (10.0, 0.1), (float("inf"), 0.25))
"""While waiting for a job with no word of its end: look every 10 ms in its first second (a letter takes about a
tenth of one), every 100 ms until ten seconds, then every 250 ms: a minute's wait looks about 390 times, not
thousands."""
ANNOUNCED_STEP = 0.5
"""While waiting for a job whose end is announced (``JobEnds``): look when the word comes, and every half second
anyway (a word lost, a job failed by the recovery sweep, a caller gone)."""


class LongPolls:
    """The callers of a process waiting for a job's end (long polls), at most ``limit`` at once: each look is a
    query through the shared thread pool. Past the limit a caller is answered at once, without waiting."""

    def __init__(self, limit: int) -> None:
        self.limit, self.waiting = limit, 0

    @contextmanager
    def slot(self) -> Iterator[bool]:
        """True while the caller holds one of the ``limit`` places and may wait; False: answer at once."""
        if self.waiting >= self.limit:
            yield False
            return
        self.waiting += 1
        try:
            yield True
        finally:
            self.waiting -= 1


@dataclass(frozen=True)
class JobView:
    job: JobRow
    documents: list[str]  # the first 100; a batch lists all of them at /batches/{id}


def job_of(db: Database, who: Principal, job_id: str) -> JobView:
    with db.uow() as tx:
        job = tx.repo.job(job_id)
        documents = tx.repo.document_ids_of_job(job_id, limit=100)
        if documents:  # a job is seen by whoever may see its documents
            check_can_see(who, tx.repo.document(documents[0]))
    return JobView(job, documents)


def ended(db: Database, job_id: str) -> bool:
    with db.uow() as tx:
        return tx.repo.job(job_id).status in ENDED


def next_look(waited: float, announced: bool = False) -> float:
    """Seconds to the next look at a job waited for ``waited`` seconds so far (``announced``: at the latest)."""
    return ANNOUNCED_STEP if announced else next(step for until, step in WAIT_STEPS if waited < until)
