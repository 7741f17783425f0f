"""The error contract, checked by a tool we did not write: schemathesis generates requests from ``/openapi.json``
(valid ones and ones that break the schema) for every operation of a real ``vanban serve``, on the embedded default
(minutes a backend: once), with the bootstrap API key, and checks each answer:

- ``not_a_server_error``: no 5xx for any input;
- ``status_code_conformance``: every status answered is documented for that operation;
- ``content_type_conformance``: the answer's media type is the documented one;
- ``response_schema_conformance``: the body matches the documented schema (errors: the one ``Error`` model).

Examples are bounded per operation (``MAX_EXAMPLES``) so the run takes a minute or two, not hours. No operation is
excluded. Operations that start real work (documents, batches) do produce documents on this throw-away service.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the dev extras: pip install -e .[dev]")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402  (after the import check above)
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import APIOperation, BaseSchema, Case, GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.core.result import Err  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.config import PROJECT_ROOT  # noqa: E402
from tests.backends import API_KEY, EMBEDDED, ServiceProcesses, running_service, wait_job  # noqa: E402

pytestmark = pytest.mark.slow
MAX_EXAMPLES = 25
AUTH = {"Authorization": f"Bearer {API_KEY}"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# what schemathesis generates for an operation of get_all_operations(), whose type parameters it leaves open
GeneratedCase = Case[APIOperation[Any, Any, Any, Any]]


@pytest.fixture(scope="module", params=EMBEDDED)  # minutes a backend: once (tests/e2e/conftest.py)
def contract_service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcesses]:
    """Its own service: the generated logins lock the client address out, which must touch no other test. The NUL
    that PostgreSQL refuses and SQLite takes is checked on PostgreSQL field by field in test_error_contract."""
    with running_service(request.param, tmp_path_factory.mktemp("st-" + request.param.replace("+", "-"))) as svc:
        yield svc


def known_identifiers(svc: ServiceProcesses) -> dict[str, str]:
    """Things that exist, so generated requests reach past the 404: an issued letter (and its job), a draft under
    review, a batch of one letter, a shipped template, the default body."""
    example = json.loads((PROJECT_ROOT / "templates_docx/giay-trieu-tap/example.json").read_text(encoding="utf-8"))
    batch_data = json.dumps({k: v for k, v in example.items() if k != "student"})
    class_list = "Họ và tên,Ngày sinh,Đơn vị công tác\nNguyễn Văn An,01/02/1980,UBND xã\n".encode()
    with svc.client() as c:
        issued = c.post("/api/v1/documents", json={"template": "giay-trieu-tap", "data": example}).json()
        draft = c.post(
            "/api/v1/documents", json={"template": "giay-trieu-tap", "data": example, "workflow": "review"}
        ).json()
        batch = c.post(
            "/api/v1/batches",
            data={"template": "giay-trieu-tap", "data": batch_data},
            files={"file": ("lop.csv", class_list)},
        ).json()
        for job in (issued["job_id"], draft["job_id"], batch["job_id"]):
            assert wait_job(c, job, timeout=300)["status"] == "succeeded"
    return {
        "template_id": "giay-trieu-tap",
        "document_id": issued["id"],
        "job_id": issued["job_id"],
        "batch_id": batch["id"],
        "organisation": "TCT",
        "draft": draft["id"],
    }


def _drive(
    api: BaseSchema, svc: ServiceProcesses, modes: list[GenerationMode], identifiers: dict[str, str] | None = None
) -> tuple[int, list[str], Counter[int]]:
    """Each operation, in each mode, as its own Hypothesis test; every failure is collected with the request that
    caused it (schemathesis' own pytest plugin needs pytest internals that pytest 9 no longer has)."""
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    ran = 0
    for result in api.get_all_operations():
        if isinstance(result, Err):  # an operation schemathesis cannot read from the schema
            raise result.err()
        operation = result.ok()
        names = [p.name for p in operation.path_parameters]
        fixed = None
        if identifiers is not None:
            if not names or not set(names) <= set(identifiers):
                continue
            fixed = {n: identifiers[n] for n in names}
            if "{document_id}:" in operation.path or "signatures:" in operation.path:
                fixed = {"document_id": identifiers["draft"]}  # the workflow steps act on a draft
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode, headers=AUTH, path_parameters=fixed))
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
            )
            def run(case: GeneratedCase) -> None:
                response = case.call_and_validate(base_url=svc.url, headers=AUTH, checks=CHECKS, timeout=120)
                statuses[response.status_code] += 1

            try:
                run()
            except Unsatisfiable:  # nothing to break: no parameter, or only free-form strings (negative mode)
                continue
            except (Exception, BaseExceptionGroup) as exc:  # collected: one operation's failure must not hide another's
                failures.append(f"{operation.label} ({mode.value}, {fixed or 'generated'}): {exc}"[:4000])
            ran += 1
    return ran, failures, statuses


def test_every_operation_keeps_the_error_contract(contract_service: ServiceProcesses) -> None:
    config = schemathesis.Config.from_dict(
        {
            "base-url": contract_service.url,
            "headers": AUTH,
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        }
    )
    api = schemathesis.openapi.from_url(f"{contract_service.url}/openapi.json", config=config)
    ran, failures, statuses = _drive(api, contract_service, [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    assert ran >= 30, f"only {ran} operation/mode runs: the schema lost operations?"
    # the same operations again on things that exist: past the 404, into the service layer
    identifiers = known_identifiers(contract_service)
    ran_known, failures_known, statuses_known = _drive(api, contract_service, [GenerationMode.POSITIVE], identifiers)
    assert ran_known >= 15, ran_known
    assert not failures + failures_known, "\n\n".join(failures + failures_known)
    statuses += statuses_known
    print(f"schemathesis: {ran + ran_known} operation/mode runs, statuses {dict(sorted(statuses.items()))}")
    assert statuses[200] and statuses[422] and statuses[404] and statuses[409], statuses
