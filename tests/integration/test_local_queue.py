"""The embedded default's queue (kombu's filesystem transport, ``service.adapters.local_queue``): a worker that looks
all the time never takes a message its producer is still writing (kombu's own transport let it take the empty file,
fail to decode it and stop, the message lost: the worker node died under a stream of single documents)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from kombu.connection import Connection as _Connection

from service.adapters.local_queue import Transport

MESSAGES = 3000
Connection: Any = _Connection  # kombu is not typed


def test_a_worker_looking_all_the_time_takes_every_message_whole(tmp_path: Path) -> None:
    (tmp_path / "control").mkdir()
    options = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
        "control_folder": str(tmp_path / "control"),
        "polling_interval": 0.0005,  # a worker that looks all the time
    }
    received: list[object] = []
    failures: list[BaseException] = []

    def consume() -> None:
        try:
            with Connection(transport=Transport, transport_options=options) as conn:
                queue = conn.SimpleQueue("vanban")
                while len(received) < MESSAGES:
                    message = queue.get(block=True, timeout=60)
                    received.append(message.payload)
                    message.ack()
        except BaseException as exc:  # reported below
            failures.append(exc)

    with Connection(transport=Transport, transport_options=options) as conn:
        queue = conn.SimpleQueue("vanban")
        consumer = threading.Thread(target=consume)
        consumer.start()
        for i in range(MESSAGES):
            queue.put({"document_id": f"d{i}", "padding": "x" * 2000})
        consumer.join(120)
    assert not failures, failures[0]
    assert sorted(p["document_id"] for p in received) == sorted(f"d{i}" for i in range(MESSAGES))  # type: ignore[index]


def test_a_message_put_in_this_process_wakes_its_worker_without_waiting_for_a_look(tmp_path: Path) -> None:
    """``vanban serve``'s API and workers share the process: a document asked for is taken at once, not at the
    worker's next look in the folder (here an hour away)."""
    QUEUE = "wake"  # kombu remembers the exchanges a process declared, whatever their folder: one of its own
    (tmp_path / "control").mkdir()
    options = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
        "control_folder": str(tmp_path / "control"),
        "polling_interval": 3600,
    }
    received: list[object] = []

    def consume() -> None:
        with Connection(transport=Transport, transport_options=options) as conn:
            message = conn.SimpleQueue(QUEUE).get(block=True)  # no timeout: kombu would sleep the whole hour
            received.append(message.payload)
            message.ack()

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    consumer.join(0.5)  # the worker has looked once and waits
    with Connection(transport=Transport, transport_options=options) as conn:
        conn.SimpleQueue(QUEUE).put({"document_id": "d1"})
    consumer.join(60)
    assert received == [{"document_id": "d1"}]


def test_a_forked_child_gets_a_wake_up_of_its_own() -> None:
    """A fork taken while another thread held the wake-up's lock (a worker acknowledging a task) would leave the
    child's copy held for ever: the child makes a new one."""
    from service.adapters import local_queue

    parent = local_queue._changed
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: says whether its wake-up is a new one, and leaves at once
        os.write(write, b"new" if local_queue._changed is not parent else b"old")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 3) == b"new"
