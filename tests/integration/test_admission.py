"""Back-pressure that holds when the requests come at once: past ``VANBAN_MAX_QUEUED_JOBS`` jobs waiting, new work
is refused, on SQLite and on PostgreSQL (the count and the new job are one step: before, forty requests at once
against a limit of five could all pass the count before any was recorded)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from service.adapters.converter import Converter
from service.errors import QueueFull
from service.runtime import Runtime
from service.services.admission import Admission, queue_depth
from service.services.requesting import RequestBatch, RequestDocument, request_batch, request_document
from signing.pki import DemoPki
from tests.integration.runtimes import SEVEN_STUDENTS, runtime_on

LIMIT = 5


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request: pytest.FixtureRequest, tmp_path: Path, pki: DemoPki, converter: Converter) -> Iterator[Runtime]:
    with runtime_on(request.param, tmp_path, pki.directory, converter) as rt:
        yield rt


def test_requests_at_once_are_admitted_up_to_the_limit_and_no_further(runtime: Runtime) -> None:
    template = runtime.templates.get("giay-trieu-tap")
    admission = Admission(LIMIT, retry_after=7)
    batch_data = {k: v for k, v in template.example.items() if k != "student"}

    def ask(i: int) -> int:
        try:
            if i % 4:
                command = RequestDocument(template_id=template.id, data=template.example)
                request_document(runtime.db, runtime.templates, command, admission=admission)
            else:
                batch = RequestBatch(
                    template_id=template.id, class_list=SEVEN_STUDENTS.encode(), filename="lop.csv", data=batch_data
                )
                request_batch(runtime.db, runtime.templates, batch, clock=runtime.clock, admission=admission)
        except QueueFull as refused:
            assert refused.retry_after == 7 and refused.message_vi
            return 429
        return 202

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(ask, range(40)))
    assert answers.count(202) == LIMIT
    assert sum(queue_depth(runtime.db).values()) == LIMIT
