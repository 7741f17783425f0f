"""Word of a job's end reaches the long polls waiting for it: between the processes of one machine (the embedded
default) and through a real Redis; a word for another job wakes nobody; a gone listener is forgotten."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

from service.adapters.job_signals import JobSignals, LocalSignals, RedisSignals, job_signals
from service.config import Settings
from tests.backends import REDIS_URL, require

LIVENESS = 60.0  # seconds: not a speed, only how long a test waits before calling a word lost


async def _woken(signals: JobSignals, job_id: str, announce: object) -> bool:
    """True when ``wait`` returned before its (hour-long) timeout ran out, after ``announce()`` was called."""
    waiting = asyncio.create_task(signals.wait(job_id, 3600))
    await asyncio.sleep(0.2)  # the listener is up once the first wait started
    await asyncio.to_thread(announce)  # type: ignore[arg-type]
    try:
        await asyncio.wait_for(asyncio.shield(waiting), LIVENESS)
        return True
    except TimeoutError:
        waiting.cancel()
        return False


def test_a_worker_process_wakes_the_api_process_waiting_for_its_job(tmp_path: Path) -> None:
    signals = LocalSignals(tmp_path)
    job_id = str(uuid.uuid4())
    code = (
        "import sys; from pathlib import Path; from service.adapters.job_signals import LocalSignals;"
        "LocalSignals(Path(sys.argv[1])).announce(sys.argv[2])"
    )

    def announce_from_another_process() -> None:
        subprocess.run([sys.executable, "-c", code, str(tmp_path), job_id], check=True, timeout=60)

    assert asyncio.run(_woken(signals, job_id, announce_from_another_process))
    assert (tmp_path / "listeners" / str(os.getpid())).exists()


def test_a_word_for_another_job_wakes_nobody(tmp_path: Path) -> None:
    signals = LocalSignals(tmp_path)

    async def scenario() -> bool:
        waiting = asyncio.create_task(signals.wait("job-a", 3600))
        await asyncio.sleep(0.2)
        signals.announce("job-b")
        await asyncio.sleep(0.5)
        woken = waiting.done()
        waiting.cancel()
        return woken

    assert asyncio.run(scenario()) is False


def test_a_listener_that_is_gone_is_forgotten(tmp_path: Path) -> None:
    gone = tmp_path / "listeners" / "999999999"  # no process listens at that pid's address
    gone.parent.mkdir()
    gone.touch()
    LocalSignals(tmp_path).announce("job")
    assert not gone.exists()


def test_a_word_through_redis_wakes_the_waiting_api() -> None:
    require("Redis", "127.0.0.1", 6379)
    url = REDIS_URL
    channel = f"test-{uuid.uuid4()}.jobs-ended"
    listener, worker = RedisSignals(url, channel), RedisSignals(url, channel)
    job_id = str(uuid.uuid4())

    async def scenario() -> bool:
        await listener.wait("warm-up", 0.5)  # subscribes
        await asyncio.sleep(0.5)
        return await _woken(listener, job_id, lambda: worker.announce(job_id))

    assert asyncio.run(scenario())


def test_the_queue_chooses_the_signals(tmp_path: Path) -> None:
    assert isinstance(job_signals(Settings(data_dir=tmp_path)), LocalSignals)
    redis = Settings(data_dir=tmp_path, broker_url="redis://127.0.0.1:6379/0")
    assert isinstance(job_signals(redis), RedisSignals)
    rabbit = Settings(data_dir=tmp_path, broker_url="amqp://guest:guest@127.0.0.1:5672//")
    assert not job_signals(rabbit).announces
