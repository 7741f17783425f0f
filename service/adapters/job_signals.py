"""Word that a job ended, from the worker that ended it to the API processes holding a caller for it (the long poll
of ``GET /jobs/{id}?wait=``), so that the caller is answered at once and the API does not ask the database every
few milliseconds meanwhile.

- On the embedded default (the local queue: the API and its workers on one machine) the word is a datagram to each
  API process's Unix socket (abstract, so no path to clean up), which each API process lists as a file named after
  its pid in ``<queue_dir>/listeners``.
- With a Redis broker, Redis publish/subscribe on ``<queue name>.jobs-ended``.
- Otherwise no word is sent, and a long poll looks at the database as often as before.

A word may be lost (a full socket buffer, Redis restarting): the long poll still looks at the database now and
then, so a lost word costs time, never an answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
import threading
from pathlib import Path
from typing import Any

from service.config import Settings

log = logging.getLogger(__name__)


class JobSignals:
    """No word at all: ``wait`` only sleeps (the caller looks at the database after it)."""

    announces = False

    def announce(self, job_id: str) -> None:
        pass

    async def wait(self, job_id: str, timeout: float) -> None:
        """Return when word comes that ``job_id`` ended, or after ``timeout`` seconds."""
        await asyncio.sleep(timeout)


class _Listening(JobSignals):
    """Callers waiting in this process, woken by job id from whatever thread the word arrives on."""

    announces = True

    def __init__(self) -> None:
        self._waiting: dict[str, set[asyncio.Future[None]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def _listen(self, loop: asyncio.AbstractEventLoop) -> None:
        raise NotImplementedError

    async def wait(self, job_id: str, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._loop is not loop:
                self._loop = loop
                self._listen(loop)
        woken: asyncio.Future[None] = loop.create_future()
        self._waiting.setdefault(job_id, set()).add(woken)
        try:
            await asyncio.wait_for(woken, timeout)
        except TimeoutError:
            pass
        finally:
            waiting = self._waiting.get(job_id)
            if waiting is not None:
                waiting.discard(woken)
                if not waiting:
                    del self._waiting[job_id]

    def _wake(self, job_id: str) -> None:
        """On the event loop's thread."""
        for woken in self._waiting.get(job_id, ()):
            if not woken.done():
                woken.set_result(None)


class LocalSignals(_Listening):
    """Datagrams between the processes of one machine (the embedded default)."""

    def __init__(self, queue_dir: Path) -> None:
        super().__init__()
        self._folder = queue_dir / "listeners"
        self._prefix = "vanban-jobs-" + hashlib.sha256(str(queue_dir.resolve()).encode()).hexdigest()[:16]
        self._socket: socket.socket | None = None

    def _address(self, pid: int) -> str:
        return f"\0{self._prefix}-{pid}"

    def announce(self, job_id: str) -> None:
        try:
            listeners = list(self._folder.iterdir())
        except FileNotFoundError:
            return
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
            sender.setblocking(False)
            for listener in listeners:
                if not listener.name.isdigit():
                    continue
                try:
                    sender.sendto(job_id.encode(), self._address(int(listener.name)))
                except ConnectionRefusedError:  # that API process is gone
                    with contextlib.suppress(FileNotFoundError):
                        listener.unlink()
                except OSError:  # a full buffer: the long poll will look by itself
                    pass

    def _listen(self, loop: asyncio.AbstractEventLoop) -> None:
        receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        receiver.bind(self._address(os.getpid()))
        receiver.setblocking(False)
        self._folder.mkdir(parents=True, exist_ok=True)
        (self._folder / str(os.getpid())).touch()

        def readable() -> None:
            while True:
                try:
                    data = receiver.recv(256)
                except (BlockingIOError, InterruptedError):
                    return
                self._wake(data.decode(errors="replace"))

        loop.add_reader(receiver.fileno(), readable)
        self._socket = receiver


class RedisSignals(_Listening):
    """Redis publish/subscribe, for an API and workers that share a Redis broker."""

    def __init__(self, url: str, channel: str) -> None:
        super().__init__()
        self._url, self._channel = url, channel
        self._publisher: Any = None

    def announce(self, job_id: str) -> None:
        import redis

        try:
            if self._publisher is None:
                self._publisher = redis.Redis.from_url(self._url, socket_timeout=2, socket_connect_timeout=2)
            self._publisher.publish(self._channel, job_id)
        except redis.RedisError:
            log.warning("could not announce the end of job %s", job_id, exc_info=True)

    def _listen(self, loop: asyncio.AbstractEventLoop) -> None:
        import redis

        def run() -> None:
            while True:
                try:
                    client = redis.Redis.from_url(self._url, socket_connect_timeout=5, health_check_interval=30)
                    subscription = client.pubsub(ignore_subscribe_messages=True)
                    subscription.subscribe(self._channel)
                    for message in subscription.listen():
                        job_id = message["data"].decode(errors="replace")
                        loop.call_soon_threadsafe(self._wake, job_id)
                except redis.RedisError:
                    log.warning("job signals from Redis interrupted; listening again", exc_info=True)
                    threading.Event().wait(1.0)

        threading.Thread(target=run, daemon=True, name="job-signals").start()


def job_signals(settings: Settings) -> JobSignals:
    """The signals the queue's setup allows (see the module's text)."""
    if settings.local_queue:
        return LocalSignals(settings.queue_dir)
    if settings.broker_url.startswith(("redis://", "rediss://")):
        return RedisSignals(settings.broker_url, f"{settings.queue_name}.jobs-ended")
    return JobSignals()
