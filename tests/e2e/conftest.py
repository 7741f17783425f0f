"""The service as users start it, once per backend for the whole session: the embedded default, PostgreSQL + Redis
(with its archive in S3: moto's server, so what a worker archives the API reads back from the store), and
PostgreSQL + RabbitMQ (which also issues B-LT signatures)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.backends import S3Server, ServiceProcesses, backend_settings


@pytest.fixture(scope="session", params=["embedded", "postgres+redis", "postgres+rabbitmq"])
def service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcesses]:
    data_dir = tmp_path_factory.mktemp(request.param.replace("+", "-"))
    # the RabbitMQ backend also issues long-term signatures (B-LT: TSA token, CRL in the DSS)
    extra = {"VANBAN_SIGNATURE_LEVEL": "B-LT"} if request.param.endswith("rabbitmq") else {}
    if request.param == "postgres+redis":  # scale-out: no folder is shared by API and workers, the archive is S3
        s3: S3Server = request.getfixturevalue("s3")
        extra = s3.settings(s3.new_bucket(object_lock=True)) | {"VANBAN_ARCHIVE_RETENTION_DAYS": "1"}
    with backend_settings(request.param, data_dir, extra) as env:
        svc = ServiceProcesses(env)
        try:
            if request.param != "embedded":
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
