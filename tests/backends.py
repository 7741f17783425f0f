"""Real backends for the tests: throw-away PostgreSQL databases, Redis and RabbitMQ queues on 127.0.0.1, and an
S3 API served by moto's server (started by the tests, stopped by its PID).

A backend that does not answer is skipped with a loud reason (shown in pytest's summary), never faked.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("VANBAN_TEST_PG", "postgresql://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("VANBAN_TEST_REDIS", "redis://127.0.0.1:6379/0")
AMQP_URL = os.environ.get("VANBAN_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672//")
API_KEY = "vbk_test_" + uuid.uuid4().hex  # the bootstrap API key every test service starts with (all roles)

EVERY_BACKEND = ("embedded", "postgres+redis", "postgres+rabbitmq")
"""Where the backend matters: the pipeline, numbering, batches, the office workflow, the queue and the broker."""
STORAGE_BACKENDS = ("embedded", "postgres+redis")
"""Where the storage matters and the broker does not: SQLite and PostgreSQL, one broker."""
EMBEDDED = ("embedded",)
"""Backend-independent: input validation, the error contract, hostile input refused before any job is made."""


def on(backends: tuple[str, ...], fixture: str = "service") -> pytest.MarkDecorator:
    """Runs a test (or, as ``pytestmark``, a module) on ``backends`` only: the service ``fixture`` takes them as its
    params instead of its own."""
    return pytest.mark.parametrize(fixture, backends, indirect=True)


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require(name: str, host: str, port: int) -> None:
    if not reachable(host, port):
        message = f"BACKEND UNREACHABLE: {name} on {host}:{port} does not answer; its scenarios are SKIPPED"
        print(f"\n*** {message} ***", file=sys.stderr)
        pytest.skip(message)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database; yields its SQLAlchemy URL and drops it afterwards."""
    require("PostgreSQL", "127.0.0.1", 5432)
    import psycopg

    name = f"vanban_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


S3_KEY_ID, S3_SECRET = "vanban-test", "vanban-test-secret"  # moto takes any credentials; these are the tests'


@dataclass(frozen=True)
class S3Server:
    """moto's S3 server on 127.0.0.1: its endpoint, and the settings that point an archive at one of its buckets."""

    endpoint: str

    def client(self) -> Any:
        """A raw boto3 client: what someone with write access to the bucket could do behind the service's back."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=S3_KEY_ID,
            aws_secret_access_key=S3_SECRET,
        )

    def new_bucket(self, object_lock: bool = False) -> str:
        name = f"vanban-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name, ObjectLockEnabledForBucket=object_lock)
        return name

    def settings(self, bucket: str, prefix: str = "archive") -> dict[str, str]:
        """The VANBAN_* settings of an archive in ``bucket`` under ``prefix``."""
        return {
            "VANBAN_ARCHIVE_URL": f"s3://{bucket}/{prefix}",
            "VANBAN_ARCHIVE_ENDPOINT_URL": self.endpoint,
            "VANBAN_ARCHIVE_REGION": "us-east-1",
            "VANBAN_ARCHIVE_ACCESS_KEY_ID": S3_KEY_ID,
            "VANBAN_ARCHIVE_SECRET_ACCESS_KEY": S3_SECRET,
        }


@contextmanager
def s3_server(log_dir: Path) -> Iterator[S3Server]:
    """``moto_server`` on a free port of 127.0.0.1, killed (by its PID) afterwards."""
    port = free_port()
    with open(log_dir / "moto.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while not reachable("127.0.0.1", port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"moto's S3 server did not start:\n{(log_dir / 'moto.log').read_text()[-3000:]}")
            time.sleep(0.1)
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        proc.kill()
        proc.wait()


class ServiceProcesses:
    """``vanban serve`` (and any ``vanban worker``s) started as a user would, with VANBAN_* settings."""

    def __init__(self, env: dict[str, str], workers: int = 0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "VANBAN_BOOTSTRAP_API_KEY": API_KEY,
            "VANBAN_PUBLIC_URL": self.url,  # the QR codes lead to this service
            **env,
            "VANBAN_PORT": str(self.port),
            "PYTHONUNBUFFERED": "1",
        }
        self.data_dir = Path(env["VANBAN_DATA_DIR"])
        self.procs: list[subprocess.Popen[bytes]] = []
        self._start("serve")
        for _ in range(workers):
            self.start_worker()

    def _start(self, command: str) -> subprocess.Popen[bytes]:
        log = open(self.data_dir / f"{command}-{len(self.procs)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "service.cli", command],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def start_worker(self) -> subprocess.Popen[bytes]:
        return self._start("worker")

    def client(self, token: str = API_KEY) -> httpx.Client:
        """A client sending ``token`` (default: the bootstrap API key, every role)."""
        return httpx.Client(base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {token}"})

    def wait_healthy(self, timeout: float = 120) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            for p in self.procs:
                if p.poll() is not None:
                    raise AssertionError(f"a service process exited with {p.returncode}:\n{self.logs()}")
            try:
                r = httpx.get(f"{self.url}/healthz", timeout=5)
                last = r.json()
                if r.status_code == 200:
                    return dict(r.json())
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(0.5)
        raise AssertionError(f"service not healthy after {timeout} s: {last}\n{self.logs()}")

    def stored(self, digest: str, suffix: str) -> bytes:
        """The bytes the archive holds under ``digest``, read straight from its folder or its S3 bucket."""
        from service.adapters.archive import archive_key

        url = self.env.get("VANBAN_ARCHIVE_URL", "")
        if not url.startswith("s3://"):
            return (self.data_dir / "archive" / archive_key(digest, suffix)).read_bytes()
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        stored = (
            S3Server(self.env["VANBAN_ARCHIVE_ENDPOINT_URL"])
            .client()
            .get_object(Bucket=bucket, Key=f"{prefix}/{archive_key(digest, suffix)}")
        )
        return bytes(stored["Body"].read())

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.data_dir.glob("*.log"))

    def stop(self) -> None:
        import signal

        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def wait_serving(svc: ServiceProcesses, timeout: float = 120) -> None:
    """Until ``vanban serve`` answers /healthz at all (503 while no worker is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{svc.url}/healthz", timeout=5)
            return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise AssertionError(f"vanban serve did not answer in {timeout} s\n{svc.logs()}")


@contextmanager
def backend_settings(backend: str, data_dir: Path, extra: dict[str, str] | None = None) -> Iterator[dict[str, str]]:
    """The VANBAN_* settings of a service on ``backend``: ``embedded`` (SQLite, folder queue, workers inside
    ``vanban serve``), ``postgres+redis`` or ``postgres+rabbitmq`` (a throw-away database, workers started apart)."""
    queue = f"vanban-test-{uuid.uuid4().hex[:8]}"
    env = {"VANBAN_DATA_DIR": str(data_dir), "VANBAN_QUEUE_NAME": queue, **(extra or {})}
    if backend == "embedded":
        yield env
        return
    broker, name, port = (REDIS_URL, "Redis", 6379) if backend.endswith("redis") else (AMQP_URL, "RabbitMQ", 5672)
    require(name, "127.0.0.1", port)
    with postgres_database() as db_url:
        yield env | {"VANBAN_DATABASE_URL": db_url, "VANBAN_BROKER_URL": broker, "VANBAN_EMBEDDED_WORKERS": "0"}


def start_service(env: dict[str, str], timeout: float = 180) -> ServiceProcesses:
    """``vanban serve`` with ``env``; where workers run apart, one ``vanban worker`` once serve answers. Healthy."""
    svc = ServiceProcesses(env)
    try:
        if env.get("VANBAN_EMBEDDED_WORKERS") == "0":
            wait_serving(svc)
            svc.start_worker()
        svc.wait_healthy(timeout)
    except BaseException:
        svc.stop()
        raise
    return svc


@contextmanager
def serving(env: dict[str, str]) -> Iterator[ServiceProcesses]:
    """A healthy service with ``env`` (see :func:`start_service`), stopped afterwards."""
    svc = start_service(env)
    try:
        yield svc
    finally:
        svc.stop()


@contextmanager
def running_service(backend: str, data_dir: Path, extra: dict[str, str] | None = None) -> Iterator[ServiceProcesses]:
    """A healthy service on ``backend`` (see :func:`backend_settings`), stopped afterwards."""
    with backend_settings(backend, data_dir, extra) as env, serving(env) as svc:
        yield svc


def wait_job(client: httpx.Client, job_id: str, timeout: float = 120) -> dict[str, object]:
    """The job once it ended, waited for as callers do: the service holds each look until the job ends (``?wait=``)."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        job = client.get(f"/api/v1/jobs/{job_id}", params={"wait": min(left, 30)}, timeout=min(left, 30) + 30).json()
        if job["status"] in ("succeeded", "failed"):
            return dict(job)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s: {job}")


class Services:
    """A test session's services, one per backend (``service`` in tests/e2e/conftest.py), each started the first time
    a test asks for it and stopped when the session ends. pytest keeps one value of a parametrized fixture at a time:
    alone, the session-scoped ``service`` fixture would stop a backend's service and start another each time the tests
    switch backends, which they do at every module (each module runs its tests on each of its backends in turn)."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.tmp_path_factory = tmp_path_factory
        self.started: dict[str, ServiceProcesses] = {}
        self._running: list[AbstractContextManager[ServiceProcesses]] = []

    def of(self, request: pytest.FixtureRequest) -> ServiceProcesses:
        """The service on the backend ``request.param``, started now if it is not yet."""
        backend: str = request.param
        if backend not in self.started:
            # the RabbitMQ backend also issues long-term signatures (B-LT: TSA token, CRL in the DSS)
            extra = {"VANBAN_SIGNATURE_LEVEL": "B-LT"} if backend.endswith("rabbitmq") else {}
            if backend == "postgres+redis":  # scale-out: no folder is shared by API and workers, the archive is S3
                s3: S3Server = request.getfixturevalue("s3")
                extra = s3.settings(s3.new_bucket(object_lock=True)) | {"VANBAN_ARCHIVE_RETENTION_DAYS": "1"}
            running = _started_apart(backend, self.tmp_path_factory.mktemp(backend.replace("+", "-")), extra)
            self.started[backend] = running.__enter__()
            self._running.append(running)
        return self.started[backend]

    def stop(self) -> None:
        """Stops every service at once (each takes seconds to stop); each then drops its database."""
        with ThreadPoolExecutor() as pool:
            for done in [pool.submit(r.__exit__, None, None, None) for r in self._running]:
                done.result()


@contextmanager
def _started_apart(backend: str, data_dir: Path, extra: dict[str, str]) -> Iterator[ServiceProcesses]:
    """A healthy service on ``backend``; where workers run apart, the service is seen to answer first, saying it
    cannot work and why, before the worker is started."""
    with backend_settings(backend, data_dir, extra) as env:
        svc = ServiceProcesses(env)
        try:
            if backend != "embedded":
                # No worker yet: the service answers, but says it cannot work and why.
                _wait_for_status(svc, 503)
                assert httpx.get(f"{svc.url}/healthz").json()["failing"] == ["worker", "converter"]
                svc.start_worker()  # scale-out: workers are started on their own, any number of them
            svc.wait_healthy()
            yield svc
        finally:
            svc.stop()


def _wait_for_status(svc: ServiceProcesses, status: int) -> None:
    for _ in range(120):
        try:
            if httpx.get(f"{svc.url}/healthz", timeout=5).status_code == status:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"/healthz never answered {status}\n{svc.logs()}")
