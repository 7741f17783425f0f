"""Celery tasks: thin wrappers over the service layer. Messages carry document IDs only."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from celery import Celery, Task, current_app, shared_task
from celery.signals import (
    task_postrun,
    task_prerun,
    worker_init,
    worker_process_init,
    worker_ready,
    worker_shutdown,
)

from service.adapters.converter import ConverterPool, load_uno
from service.adapters.metrics import METRICS
from service.adapters.process import Turn, release_memory, share_with_children
from service.config import Settings
from service.errors import RetryableError, VanbanError, WebhookNotDelivered
from service.logs import bound
from service.runtime import Runtime
from service.services.fixity import check_and_record
from service.services.recovery import sweep
from service.services.requesting import PRODUCE_BATCH_CHUNK, PRODUCE_DOCUMENT
from service.services.webhooks import DELIVER_WEBHOOK
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
    if _runtime.enqueue is None:  # webhook deliveries are sent through the app that runs this process's tasks
        _runtime.enqueue = lambda name, args: current_app.send_task(name, args=args)
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
    one died, report it down at once, start it again and publish its new office server to the worker processes."""
    reported: bool | None = None
    next_beat = 0.0

    def down() -> None:
        nonlocal reported, next_beat
        METRICS.converter_restarted()
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
    worker processes; on the ``threads`` pool (``vanban serve``), its tasks convert through them from its threads."""
    global _node, _offices, _runtime
    settings = settings_of(sender.app)
    threads = sender.app.conf.worker_pool == "threads"  # no process forked: its office servers on threads too
    _offices = ConverterPool(
        settings.converter_python,
        settings.converters,
        settings.converter_timeout,
        in_process=threads and load_uno(settings.converter_python),
    )
    if threads:
        _node = _runtime = Runtime(settings, converter=_offices.shared(*_waits(settings)))
    else:
        _node = Runtime(settings, converter=_offices.offices[0])
    _node.worker_id  # noqa: B018  (fixed now: the processes forked later share the node's id)
    try:
        _offices.start()
    except VanbanError:
        log.exception("converter did not start; the heartbeat will try again")
    share_with_children()  # on threads too: the full collections after each chunk skip what is frozen


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
        _runtime = Runtime(_node.settings, converter=_offices.shared(*_waits(_node.settings)))


def _waits(settings: Settings) -> tuple[float, float]:
    """How long a conversion may take, and how long it waits for a LibreOffice that died to come back."""
    return settings.converter_timeout, settings.converter_restart_seconds


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
        said = f"{type(exc).__name__}: {exc}"
        fail(VanbanError(f"internal error: {said}", f"Lỗi nội bộ của hệ thống: {said}"), True)
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
        release_memory(generation=1)

    _run(
        self,
        work,
        lambda error, final: production.fail_chunk(batch_id, chunk, error, final=final),
        f"batch {batch_id} chunk {chunk}",
    )


_delivering = Turn()
"""Webhook deliveries are made one at a time on a worker node (made at import, before Celery forks its processes):
each may wait ``VANBAN_WEBHOOK_TIMEOUT`` for its endpoint, and the node's production must not wait behind endpoints
that answer slowly (a requester's six hanging endpoints held every production thread)."""
TURN_WAIT = (1.0, 5.0)  # seconds (at random between) a delivery that found another under way waits in the queue


@shared_task(bind=True, name=DELIVER_WEBHOOK, max_retries=None)
def deliver_webhook(self: Task, delivery_id: str) -> None:
    """One attempt of a webhook delivery, in the node's turn (``_delivering``; without it, back to the queue for
    ``TURN_WAIT``); not delivered: again after ``VANBAN_WEBHOOK_BACKOFF_SECONDS``, doubled each time (at most an
    hour), until the delivery's attempts reach ``VANBAN_WEBHOOK_MAX_ATTEMPTS``."""
    rt = runtime(settings_of(self.app))
    if not _delivering.take(longest=2 * rt.settings.webhook_timeout + 5):
        self.apply_async([delivery_id], countdown=random.uniform(*TURN_WAIT), retries=self.request.retries)
        return
    try:
        METRICS.webhook_delivery(rt.webhooks.deliver(delivery_id))
    except WebhookNotDelivered:
        METRICS.webhook_delivery("retried")
        wait = min(rt.settings.webhook_backoff_seconds * 2**self.request.retries, 3600.0)
        raise self.retry(countdown=wait) from None
    finally:
        _delivering.give_back()


# What each task's arguments name, bound to its log lines (with the request id its message carries).
_LOGGED_ARGUMENTS = {
    PRODUCE_DOCUMENT: ("document_id",),
    PRODUCE_BATCH_CHUNK: ("batch_id", "chunk"),
    DELIVER_WEBHOOK: ("webhook_delivery_id",),
}
_bindings: dict[str, Any] = {}


@task_prerun.connect
def _bind_task(task_id: str = "", task: Task | None = None, args: tuple[Any, ...] = (), **_: Any) -> None:
    if task is None:
        return
    names = _LOGGED_ARGUMENTS.get(task.name, ())
    fields = {name: str(value) for name, value in zip(names, args, strict=False)}
    context = bound(request_id=task.request.get("vanban_request_id"), task=task.name, task_id=task_id, **fields)
    context.__enter__()
    _bindings[task_id] = context


@task_postrun.connect
def _unbind_task(task_id: str = "", **_: Any) -> None:
    context = _bindings.pop(task_id, None)
    if context is not None:
        context.__exit__(None, None, None)


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
