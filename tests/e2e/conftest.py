"""The service as users start it, once per backend for the whole session: the embedded default, PostgreSQL + Redis,
and PostgreSQL + RabbitMQ (which also issues B-LT signatures)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.backends import AMQP_URL, REDIS_URL, ServiceProcesses, postgres_database, require


@pytest.fixture(scope="session", params=["embedded", "postgres+redis", "postgres+rabbitmq"])
def service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcesses]:
    data_dir = tmp_path_factory.mktemp(request.param.replace("+", "-"))
    env = {"VANBAN_DATA_DIR": str(data_dir), "VANBAN_QUEUE_NAME": f"vanban-test-{uuid.uuid4().hex[:8]}"}
    if request.param == "embedded":
        svc = ServiceProcesses(env)
        try:
            svc.wait_healthy()
            yield svc
        finally:
            svc.stop()
        return
    broker = REDIS_URL if request.param.endswith("redis") else AMQP_URL
    if broker == AMQP_URL:  # this backend also issues long-term signatures (B-LT: TSA token, CRL in the DSS)
        env["VANBAN_SIGNATURE_LEVEL"] = "B-LT"
    require("Redis" if "redis" in broker else "RabbitMQ", "127.0.0.1", 6379 if "redis" in broker else 5672)
    with postgres_database() as db_url:
        env |= {"VANBAN_DATABASE_URL": db_url, "VANBAN_BROKER_URL": broker, "VANBAN_EMBEDDED_WORKERS": "0"}
        svc = ServiceProcesses(env)
        try:
            # No worker yet: the service answers, but says it cannot work and why.
            _wait_for_status(svc, 503)
            health = httpx.get(f"{svc.url}/healthz").json()
            assert health["failing"] == ["worker", "converter"], health
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
