"""The embedded default's queue: kombu's filesystem transport, with each message written whole before it appears.

kombu's own transport creates a message's file under its final name and then writes it: a worker that looks in
between (it looks every few milliseconds) takes an empty file, fails to decode it, and stops (``Unrecoverable error:
JSONDecodeError``) with the message lost. Here a message is written under a name the worker does not read, then
renamed (atomic in one folder).

kombu's transport also looks in the folder every ``polling_interval``. Here a message put, acknowledged or given
back in this process (``vanban serve``: its API and its workers) wakes the worker at once; the interval is only how
long one put by another process (the CLI, the scheduler) may wait."""

from __future__ import annotations

import os
import threading
import uuid
from queue import Empty
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.json import dumps

_changed = threading.Event()  # a message put, or a delivery ended (the worker may take one more), in this process


def _forked() -> None:  # a fork taken while a thread held the event's lock: the child's would stay held
    global _changed
    _changed = threading.Event()


os.register_at_fork(after_in_child=_forked)


class Channel(filesystem.Channel):
    # the signature of kombu's filesystem channel, which mypy finds differs from its base's
    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".{name}.partial")  # not ``<...>.<queue>.msg``: not read
        try:
            with open(partial, "wb") as f:
                f.write(dumps(payload).encode())  # type: ignore[no-untyped-call]
            os.rename(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc
        _changed.set()

    def basic_ack(self, delivery_tag: Any, multiple: bool = False) -> None:
        super().basic_ack(delivery_tag, multiple)  # type: ignore[no-untyped-call]
        _changed.set()

    def basic_reject(self, delivery_tag: Any, requeue: bool = False) -> None:
        super().basic_reject(delivery_tag, requeue)  # type: ignore[no-untyped-call]
        _changed.set()


class Transport(filesystem.Transport):
    Channel = Channel

    def drain_events(self, connection: Any, timeout: float | None = None, **kwargs: Any) -> None:
        """kombu's loop, its sleep between looks cut short by a change made in this process."""
        assert self.cycle is not None
        start = monotonic()
        while True:
            _changed.clear()  # before looking: a change made while looking is not missed
            try:
                self.cycle.get(self._deliver, timeout=timeout)  # type: ignore[no-untyped-call]
                return
            except Empty:
                waited = monotonic() - start
                if timeout is not None and waited >= timeout:
                    raise TimeoutError() from None
                pause = self.polling_interval or 0.0
                _changed.wait(pause if timeout is None else min(pause, timeout - waited))
