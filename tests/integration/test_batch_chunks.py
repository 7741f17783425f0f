"""Chunks of a batch are idempotent: a redelivered chunk issues nothing twice; a rejected list takes no number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.adapters.converter import Converter
from service.errors import BatchRejected, VanbanError
from service.runtime import Runtime
from service.services.requesting import RequestBatch, request_batch
from signing.pki import DemoPki
from tests.integration.runtimes import SEVEN_STUDENTS, chunked_runtime, request_seven_call_ups


@pytest.fixture
def runtime(tmp_path: Path, pki: DemoPki) -> Runtime:
    return chunked_runtime(tmp_path, pki)


def test_redelivered_chunk_issues_nothing_twice(runtime: Runtime, converter: Converter) -> None:
    runtime = Runtime(runtime.settings, converter=converter)  # the session's warm LibreOffice
    requested = request_seven_call_ups(runtime)
    assert requested.documents == 7 and requested.chunks == 3
    assert runtime.production.produce_chunk(requested.batch_id, 1) == 3
    with runtime.db.uow() as tx:
        before = {d.id: (d.number, d.pdf_sha256) for d in tx.repo.documents_of_batch(requested.batch_id)}
    files = sorted(runtime.settings.archive.rglob("*.pdf"))
    assert runtime.production.produce_chunk(requested.batch_id, 1) == 0  # the same message delivered again
    assert sorted(runtime.settings.archive.rglob("*.pdf")) == files
    with runtime.db.uow() as tx:
        after = {d.id: (d.number, d.pdf_sha256) for d in tx.repo.documents_of_batch(requested.batch_id)}
        job = tx.repo.job(requested.job_id)
    assert after == before and job.done == 3
    for chunk in (0, 2):
        runtime.production.produce_chunk(requested.batch_id, chunk)
    with runtime.db.uow() as tx:
        docs = tx.repo.documents_of_batch(requested.batch_id)
        job = tx.repo.job(requested.job_id)
    assert [d.number for d in docs] == list(range(1, 8)) and job.status == "succeeded" and job.done == 7
    assert json.loads(json.dumps(requested.report))["valid"] == 7


def test_a_rejected_list_takes_no_number(runtime: Runtime) -> None:
    batch = {k: v for k, v in runtime.templates.get("giay-trieu-tap").example.items() if k != "student"}
    bad = SEVEN_STUDENTS + "Người Lỗi,31/02/1990,Xã X\n"
    with pytest.raises(BatchRejected) as caught:
        request_batch(
            runtime.db,
            runtime.templates,
            RequestBatch(template_id="giay-trieu-tap", class_list=bad.encode(), filename="l.csv", data=batch),
            clock=runtime.clock,
        )
    assert caught.value.report["problems"][0]["row"] == 9
    with runtime.db.uow() as tx:
        assert tx.repo.take_number("TCT", "default", 2026) == 1  # the register did not move
    with pytest.raises(VanbanError):  # the batch part is checked too, by path
        request_batch(
            runtime.db,
            runtime.templates,
            RequestBatch(template_id="giay-trieu-tap", class_list=SEVEN_STUDENTS.encode(), filename="l.csv", data={}),
            clock=runtime.clock,
        )
