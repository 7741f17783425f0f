"""The service as users start it, once per backend for the whole session: the embedded default, PostgreSQL + Redis
(with its archive in S3: moto's server, so what a worker archives the API reads back from the store), and
PostgreSQL + RabbitMQ (which also issues B-LT signatures)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.backends import EVERY_BACKEND, ServiceProcesses, Services


# Which tests run on which backends (``tests.backends.on``; a test without a mark runs on every backend):
# - every backend: what the database, the queue or the broker change: the pipeline (health, a document numbered,
#   signed and archived, numbers in order, the two-step signature with the service's signature level), batches
#   (test_batches), the office workflow and its state in the database (test_office); the RabbitMQ backend also
#   signs B-LT, so these cover the long-term level too.
# - embedded + PostgreSQL/Redis (STORAGE_BACKENDS): what touches storage but not the broker's behaviour: idempotency
#   keys, every template through the pipeline, template versions, trust under attack (test_forgery), control
#   characters in every request field (test_error_contract: PostgreSQL refuses a NUL that SQLite stores, so only
#   PostgreSQL shows that refusal); the modules with services of their own: crashes and recovery (test_crashes),
#   hostile inputs that make documents or batches and login throttling (test_hostile_inputs).
# - embedded only (EMBEDDED): what is decided before anything is stored or queued, by code that is the same on every
#   backend: the template catalogue, invalid requests, verifying a file, the rest of test_error_contract and the
#   hostile inputs refused before any job; schemathesis (its generated requests take minutes a backend; the NUL
#   refusal PostgreSQL needs is checked field by field in test_error_contract); the hanging converter
#   (test_failures).
# The services are started once per backend in a test process (tests.backends.Services), whatever the order of the
# tests.
@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    services = Services(tmp_path_factory)
    try:
        yield services
    finally:
        services.stop()


@pytest.fixture(scope="session", params=EVERY_BACKEND)
def service(request: pytest.FixtureRequest, services: Services) -> ServiceProcesses:
    return services.of(request)
