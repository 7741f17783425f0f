"""The service as users start it, once per backend for the whole session: the embedded default, PostgreSQL + Redis
(with its archive in S3: moto's server, so what a worker archives the API reads back from the store), and
PostgreSQL + RabbitMQ (which also issues B-LT signatures)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from tests.backends import EVERY_BACKEND, S3Server, ServiceProcesses, backend_settings


# Which tests run on which backends (``tests.backends.on``; a test without a mark runs on every backend):
# - every backend: what the database, the queue or the broker change: the pipeline (health, a document numbered,
#   signed and archived, numbers in order, the two-step signature with the service's signature level), batches
#   (test_batches), the office workflow and its state in the database (test_office); the RabbitMQ backend also
#   signs B-LT, so these cover the long-term level too.
# - embedded + PostgreSQL/Redis (STORAGE_BACKENDS): what touches storage but not the broker's behaviour: idempotency
#   keys, every template through the pipeline, template versions, trust under attack (test_forgery); the modules
#   with services of their own: crashes and recovery (test_crashes), hostile inputs that make documents or batches
#   and login throttling (test_hostile_inputs), control characters in every request field (test_error_contract:
#   PostgreSQL refuses a NUL that SQLite stores, so only PostgreSQL shows that refusal).
# - embedded only (EMBEDDED): what is decided before anything is stored or queued, by code that is the same on every
#   backend: the template catalogue, invalid requests, verifying a file, the rest of test_error_contract and the
#   hostile inputs refused before any job; schemathesis (its generated requests take minutes a backend; the NUL
#   refusal PostgreSQL needs is checked field by field in test_error_contract); the hanging converter
#   (test_failures).
class Services:
    """The session's services, one per backend, each started the first time a test asks for it and stopped when the
    session ends. pytest keeps one value of a parametrized fixture at a time: alone, the ``service`` fixture would stop
    a backend's service and start another each time the tests switch backends, which they do at every module (each
    module runs its tests on each of its backends in turn)."""

    def __init__(self, stack: ExitStack, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.stack, self.tmp_path_factory = stack, tmp_path_factory
        self.started: dict[str, ServiceProcesses] = {}

    def get(self, backend: str, extra: dict[str, str]) -> ServiceProcesses:
        if backend not in self.started:
            data_dir = self.tmp_path_factory.mktemp(backend.replace("+", "-"))
            self.started[backend] = self.stack.enter_context(_started(backend, data_dir, extra))
        return self.started[backend]


@contextmanager
def _started(backend: str, data_dir: Path, extra: dict[str, str]) -> Iterator[ServiceProcesses]:
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


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    with ExitStack() as stack:
        yield Services(stack, tmp_path_factory)


@pytest.fixture(scope="session", params=EVERY_BACKEND)
def service(request: pytest.FixtureRequest, services: Services) -> ServiceProcesses:
    if request.param in services.started:
        return services.started[request.param]
    # the RabbitMQ backend also issues long-term signatures (B-LT: TSA token, CRL in the DSS)
    extra = {"VANBAN_SIGNATURE_LEVEL": "B-LT"} if request.param.endswith("rabbitmq") else {}
    if request.param == "postgres+redis":  # scale-out: no folder is shared by API and workers, the archive is S3
        s3: S3Server = request.getfixturevalue("s3")
        extra = s3.settings(s3.new_bucket(object_lock=True)) | {"VANBAN_ARCHIVE_RETENTION_DAYS": "1"}
    return services.get(request.param, extra)


def _wait_for_status(svc: ServiceProcesses, status: int) -> None:
    for _ in range(120):
        try:
            if httpx.get(f"{svc.url}/healthz", timeout=5).status_code == status:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"/healthz never answered {status}\n{svc.logs()}")
