"""After a crash: send again the work of jobs that were queued or running when their node died.

A node killed outright (power cut, ``kill -9``) leaves jobs ``queued``/``running`` whose messages are gone (the
embedded filesystem queue deletes a message when a worker takes it) or held by a dead consumer (Redis gives them
back only after the visibility timeout). When a worker node starts and no other worker is alive, nobody can be
doing that work: the sweep sends it again, chunk by chunk for a batch. Tasks are idempotent (an issued letter is
skipped, a taken number is kept, a result is recorded once), so a message that comes back later as well costs
nothing. A batch sent again more than ``max_sweeps`` times with no letter issued in between (or a single document
started that many times without finishing) is given up: it fails with a reason, and its letters keep their numbers
with status ``failed`` (the register shows them, never a silent gap).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from service.adapters.orm import DocumentRow, JobRow, utcnow
from service.domain.documents import DocumentStatus, JobStatus
from service.errors import GivenUp, Interrupted
from service.services.ports import Database
from service.services.requesting import PRODUCE_BATCH_CHUNK, PRODUCE_DOCUMENT

log = logging.getLogger(__name__)
PENDING = (DocumentStatus.REQUESTED, DocumentStatus.NUMBERED)

Send = Callable[[str, list[object]], None]


@dataclass
class Swept:
    documents: list[str] = field(default_factory=list)
    chunks: list[tuple[str, int]] = field(default_factory=list)
    given_up: list[str] = field(default_factory=list)
    skipped_live_workers: list[str] = field(default_factory=list)


def worker_alive(worker_id: str) -> bool:
    """A worker that beat recently on another machine counts as alive; on this machine, its process must still
    exist and be a worker (a node killed a second ago still has a fresh heartbeat row; its pid may be reused)."""
    host, _, pid = worker_id.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        return b"worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False
    except OSError:
        return True


def sweep(db: Database, send: Send, me: str, heartbeat_seconds: float, max_sweeps: int) -> Swept:
    """Send again the unfinished work of queued/running jobs, unless another live worker may be doing it."""
    swept = Swept()
    with db.uow() as tx:
        since = utcnow() - timedelta(seconds=3 * heartbeat_seconds)
        others = [w.id for w in tx.repo.heartbeats_since(since) if w.id != me and worker_alive(w.id)]
        if others:
            swept.skipped_live_workers = others
            return swept
        for job in tx.repo.unfinished_jobs():
            docs = [d for d in tx.repo.documents_of_job(job.id) if d.status in PENDING]
            if not docs:
                continue
            per_row = job.kind == "batch" and "_row" in docs[0].data
            if per_row:  # sent again how many times in a row without a letter issued in between
                last = job.error or {}
                times = int(last.get("sweeps", 0)) + 1 if last.get("done") == job.done else 1
                job.error = {**Interrupted().to_dict(), "sweeps": times, "done": job.done, "final": False}
            else:  # a single document: started how many times without finishing
                times = job.attempts + 1
            if times > max_sweeps:
                _give_up(job, docs, times - 1 if per_row else job.attempts)
                swept.given_up.append(job.id)
                continue
            if per_row:
                batch_id, size = docs[0].batch_id, tx.repo.batch(str(docs[0].batch_id)).chunk_size
                assert batch_id is not None
                for chunk in sorted({int(d.batch_index or 0) // size for d in docs}):
                    swept.chunks.append((batch_id, chunk))
            else:
                swept.documents.extend(d.id for d in docs)
        tx.commit()
    for document_id in swept.documents:
        send(PRODUCE_DOCUMENT, [document_id])
    for batch_id, chunk in swept.chunks:
        send(PRODUCE_BATCH_CHUNK, [batch_id, chunk])
    if swept.documents or swept.chunks or swept.given_up:
        log.warning(
            "after a crash: sent again %s document(s) and %s chunk(s); gave up %s job(s)",
            len(swept.documents),
            len(swept.chunks),
            len(swept.given_up),
        )
    return swept


def _give_up(job: JobRow, docs: list[DocumentRow], times: int) -> None:
    error = GivenUp(times)
    job.status, job.finished_at, job.error = JobStatus.FAILED, utcnow(), {**error.to_dict(), "final": True}
    for d in docs:
        d.status = DocumentStatus.FAILED
