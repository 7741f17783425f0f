"""Celery tasks: thin wrappers over the service layer. Messages carry document IDs only."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from celery import Celery, Task, shared_task
from celery.signals import worker_init, worker_process_init, worker_ready, worker_shutdown

from service.adapters.converter import ConverterPool
from service.adapters.process import release_memory, share_with_children
from service.config import Settings
from service.errors import RetryableError, VanbanError
from service.runtime import Runtime
from service.services.fixity import check_and_record
from service.services.recovery import sweep
from service.services.requesting import PRODUCE_BATCH_CHUNK, PRODUCE_DOCUMENT
from service.worker import settings_of
from signing import SigningError

log = logging.getLogger(__name__)
_runtime: Runtime | None = None
_node: Runtime | None = None  # the worker node's main process: owns the shared LibreOffice and the heartbeat
_offices: ConverterPool | None = None  # the node's LibreOffices, shared with its processes
_stop = threading.Event()


def runtime(settings: Settings) -> Runtime:
    """This process's Runtime, built once from the settings of the Celery app that runs its tasks."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime(settings)
    return _runtime


def _beat(rt: Runtime, offices: ConverterPool, ok: bool) -> None:
    state = offices.describe() if ok else "converter down, restarting"
    try:
        with rt.db.uow() as tx:
            tx.repo.beat(rt.worker_id, ok, state)
            tx.commit()
    except Exception:
        log.exception("heartbeat failed")


def _heartbeat(rt: Runtime, offices: ConverterPool) -> None:
    """Report this worker node alive every ``heartbeat_seconds``; watch its LibreOffices twice a second and, when
    one died, report it down at once, start it again and publish its new port to the worker processes."""
    reported: bool | None = None
    next_beat = 0.0

    def down() -> None:
        nonlocal reported, next_beat
        if reported is not False:
            _beat(rt, offices, False)
            reported, next_beat = False, time.monotonic() + rt.settings.heartbeat_seconds

    while not _stop.is_set():
        ok = offices.keep_up(down)
        if _stop.is_set():
            return
        if ok != reported or time.monotonic() >= next_beat:
            _beat(rt, offices, ok)
            reported, next_beat = ok, time.monotonic() + rt.settings.heartbeat_seconds
        if _stop.wait(0.5):
            return


@worker_init.connect
def _start_node(sender: Any = None, **_: Any) -> None:
    """The worker node's LibreOffices (``VANBAN_CONVERTERS``), started by the main process before it forks the
    worker processes."""
    global _node, _offices
    settings = settings_of(sender.app)
    _offices = ConverterPool(settings.converter_python, settings.converters, settings.converter_timeout)
    _node = Runtime(settings, converter=_offices.offices[0])
    _node.worker_id  # noqa: B018  (fixed now: the processes forked later share the node's id)
    try:
        _offices.start()
    except VanbanError:
        log.exception("converter did not start; the heartbeat will try again")
    share_with_children()


@worker_ready.connect
def _start_heartbeat(sender: Any = None, **_: Any) -> None:
    if _node is None or _offices is None:
        return
    _beat(_node, _offices, _offices.alive())  # alive before the sweep looks for live workers
    threading.Thread(target=_heartbeat, args=(_node, _offices), daemon=True, name="heartbeat").start()
    settings = _node.settings
    app: Celery = sender.app

    def send(name: str, args: list[object]) -> None:
        app.send_task(name, args=args)

    try:
        sweep(_node.db, send, _node.worker_id, settings.heartbeat_seconds, settings.task_max_retries)
    except Exception:
        log.exception("the sweep of unfinished jobs failed")


@worker_process_init.connect
def _start_process(**_: Any) -> None:
    """A worker process converts through the node's LibreOffices."""
    global _runtime
    if _node is not None and _offices is not None:
        settings = _node.settings
        shared = _offices.shared(settings.converter_timeout, settings.converter_restart_seconds)
        _runtime = Runtime(settings, converter=shared)


@worker_shutdown.connect
def _stop_node(**_: Any) -> None:
    _stop.set()
    if _node is not None and _offices is not None:
        _offices.stop()
        with _node.db.uow() as tx:
            tx.repo.forget_worker(_node.worker_id)
            tx.commit()


def backoff(retries: int) -> int:
    """Seconds before the next attempt of work that failed ``retries + 1`` times."""
    return int(min(2**retries, 30))


def attempt(
    work: Callable[[], object], fail: Callable[[VanbanError, bool], None], what: str, retries: int, max_retries: int
) -> bool:
    """Do ``work`` once (after ``retries`` failed attempts) and classify its failure: a retryable error may be tried
    again until ``max_retries`` attempts, anything else fails at once; every failure is recorded through
    ``fail(error, final)``. True when the work failed and is worth another attempt."""
    try:
        work()
    except RetryableError as exc:
        final = retries + 1 >= max_retries
        fail(exc, final)
        return not final
    except VanbanError as exc:
        fail(exc, True)
    except SigningError as exc:
        fail(VanbanError(str(exc), f"Không ký được văn bản: {exc}"), True)
    except Exception as exc:
        log.exception("%s failed", what)
        fail(VanbanError(f"internal error: {type(exc).__name__}: {exc}"), True)
    return False


def _run(task: Task, work: Callable[[], object], fail: Callable[[VanbanError, bool], None], what: str) -> None:
    """Do ``work``; a retryable failure is retried by Celery a bounded number of times (see ``attempt``)."""
    rt = runtime(settings_of(task.app))
    if attempt(work, fail, what, task.request.retries, rt.settings.task_max_retries):
        raise task.retry(countdown=backoff(task.request.retries))


@shared_task(bind=True, name=PRODUCE_DOCUMENT, max_retries=None)
def produce_document(self: Task, document_id: str) -> None:
    production = runtime(settings_of(self.app)).production
    _run(
        self,
        lambda: production.produce_document(document_id),
        lambda error, final: production.fail_document(document_id, error, final=final),
        f"document {document_id}",
    )


@shared_task(bind=True, name=PRODUCE_BATCH_CHUNK, max_retries=None)
def produce_batch_chunk(self: Task, batch_id: str, chunk: int) -> None:
    production = runtime(settings_of(self.app)).production

    def work() -> None:
        production.produce_chunk(batch_id, chunk)
        release_memory()

    _run(
        self,
        work,
        lambda error, final: production.fail_chunk(batch_id, chunk, error, final=final),
        f"batch {batch_id} chunk {chunk}",
    )


@shared_task(bind=True, name="vanban.check_archive")
def check_archive(self: Task) -> None:
    """Fixity on Celery beat's schedule (``VANBAN_ARCHIVE_CHECK_HOURS``): what ``vanban archive check`` does, its
    findings logged and in the audit trail."""
    rt = runtime(settings_of(self.app))
    report = check_and_record(rt.archive, rt.db, "archive-check")
    for p in report.problems:
        log.error(
            "archive check: %s %s %s (%s): %s", p.problem, p.stored.owner, p.stored.owner_id, p.stored.role, p.key
        )
    log.info("archive check of %s: %d files, %d problem(s)", report.location, report.checked, len(report.problems))
