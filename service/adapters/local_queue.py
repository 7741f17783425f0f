"""The embedded default's queue: kombu's filesystem transport, with each message written whole before it appears.

kombu's own transport creates a message's file under its final name and then writes it: a worker that looks in
between (it looks every few milliseconds) takes an empty file, fails to decode it, and stops (``Unrecoverable error:
JSONDecodeError``) with the message lost. Here a message is written under a name the worker does not read, then
renamed (atomic in one folder)."""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.json import dumps


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


class Transport(filesystem.Transport):
    Channel = Channel
