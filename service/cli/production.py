"""A worker node inside ``vanban batch``: the workers' production, without the queue between.

As a worker node does, the command's process owns its LibreOffices (``VANBAN_CONVERTERS``, started before it forks,
watched twice a second and started again when one dies: ``ConverterPool``) and forks ``VANBAN_WORKER_CONCURRENCY``
processes that convert through them (``SharedConverter``) and run what the workers' tasks run
(``Production.produce_chunk``, ``Production.produce_document``) with the workers' retries (``tasks.attempt``): one
process renders and signs a chunk while the other's chunk is in LibreOffice.

Ctrl-C stops handing out work; the chunks in hand are finished and recorded (a second Ctrl-C stops them too).
What was not done is returned, for the caller to send to the queue, where the workers (``vanban worker``,
``vanban serve``) finish it: every number reserved ends with its signed letter.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from service.adapters.converter import ConverterPool
from service.adapters.process import die_with_parent, release_memory, share_with_children
from service.config import Settings
from service.errors import VanbanError

if TYPE_CHECKING:
    from service.runtime import Runtime

log = logging.getLogger(__name__)
Work = tuple[str, list[object]]  # (task name, arguments), as the workers take it from the queue
_runtime: Runtime | None = None  # a forked process's


def _start_process(settings: Settings, offices: ConverterPool) -> None:
    """A forked process converts through the node's LibreOffices; Ctrl-C is the command's to handle."""
    from service.runtime import Runtime

    global _runtime
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    converter = offices.shared(settings.converter_timeout, settings.converter_restart_seconds)
    _runtime = Runtime(settings, converter=converter)


def _ready() -> int:
    return 0


def _do(work: Work) -> int:
    """Do one piece of work as its task does; returns how many letters it issued."""
    from service.tasks import attempt, backoff

    rt = _runtime
    assert rt is not None
    name, args = work
    issued = 0
    fail: Callable[[VanbanError, bool], None]
    if name == "vanban.produce_batch_chunk":
        batch_id, chunk = args
        assert isinstance(batch_id, str) and isinstance(chunk, int)

        def run() -> None:
            nonlocal issued
            issued = rt.production.produce_chunk(batch_id, chunk)
            release_memory()

        def fail(error: VanbanError, final: bool) -> None:
            rt.production.fail_chunk(batch_id, chunk, error, final=final)

    elif name == "vanban.produce_document":
        (document_id,) = args
        assert isinstance(document_id, str)

        def run() -> None:
            nonlocal issued
            rt.production.produce_document(document_id)
            issued = 1

        def fail(error: VanbanError, final: bool) -> None:
            rt.production.fail_document(document_id, error, final=final)

    else:
        raise ValueError(f"unknown work {name}")
    for retries in itertools.count():
        if not attempt(run, fail, f"{name} {args}", retries, rt.settings.task_max_retries):
            break
        time.sleep(backoff(retries))
    return issued


class CtrlC:
    """Ctrl-C while a batch is made, counted instead of raised: the first stops handing out work (the work in hand
    is finished and recorded), the second stops the work in hand too."""

    def __init__(self) -> None:
        self.count = 0
        self._previous: Any = None

    def __enter__(self) -> CtrlC:
        self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *_: object) -> None:
        signal.signal(signal.SIGINT, self._previous)

    def _handle(self, signum: int, frame: object) -> None:
        self.count += 1
        if self.count > 1:
            for child in multiprocessing.active_children():
                child.terminate()


@dataclass
class Outcome:
    """What ``LocalNode.run`` left: the work not done (interrupted, or a process died under it)."""

    left: list[Work] = field(default_factory=list)
    interrupted: bool = False


class LocalNode:
    """LibreOffices owned by this process and ``settings.worker_concurrency`` forked processes using them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.processes = max(1, settings.worker_concurrency)
        self.offices = ConverterPool(settings.converter_python, settings.converters, settings.converter_timeout)
        self._stop = threading.Event()
        self._watch: threading.Thread | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._closing, self._closed = threading.Lock(), False

    def start_office(self) -> None:
        """Start the LibreOffices; from the main thread (a child started with PDEATHSIG dies with its thread)."""
        self.offices.start()

    def fork(self) -> None:
        """Fork the processes now, before any other thread runs (the progress bar's, the watch)."""
        context = multiprocessing.get_context("fork")
        share_with_children()
        self._pool = ProcessPoolExecutor(
            self.processes, mp_context=context, initializer=_start_process, initargs=(self.settings, self.offices)
        )
        for ready in [self._pool.submit(_ready) for _ in range(self.processes)]:
            ready.result()
        self._watch = threading.Thread(target=self._keep_up, daemon=True, name="converter-watch")
        self._watch.start()

    def _keep_up(self) -> None:
        while not self._stop.wait(0.5):
            self.offices.keep_up()

    def run(self, works: list[Work], done: Callable[[Work, int], None], ctrl_c: CtrlC) -> Outcome:
        """Do ``works``, at most one per process at a time, calling ``done(work, letters issued)`` as each ends;
        after a Ctrl-C no more is started."""
        assert self._pool is not None, "fork() first"
        pool, outcome = self._pool, Outcome()
        pending, running = list(works), dict[Future[int], Work]()
        while pending or running:
            while pending and not ctrl_c.count and len(running) < self.processes:
                work = pending.pop(0)
                running[pool.submit(_do, work)] = work
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                work = running.pop(future)
                try:
                    issued = future.result()
                except Exception:  # the process died under it (BrokenProcessPool): left for the workers
                    log.warning("%s was not done", work)
                    outcome.left.append(work)
                else:
                    done(work, issued)
        outcome.left.extend(pending)
        outcome.interrupted = ctrl_c.count > 0
        return outcome

    def close(self) -> None:
        """Stop the processes and LibreOffice (once; from any thread)."""
        with self._closing:
            if self._closed:
                return
            self._closed = True
        self._stop.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._watch is not None:
            self._watch.join()
        self.offices.stop(grace=0)  # their conversions are all done
