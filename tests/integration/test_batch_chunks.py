"""Chunks of a batch are idempotent: a redelivered chunk issues nothing twice; a rejected list takes no number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.adapters.converter import Converter
from service.errors import BatchRejected, VanbanError
from service.runtime import Runtime
from service.services.ports import Issued
from service.services.requesting import RequestBatch, request_batch
from signing.pki import DemoPki
from tests.integration.runtimes import SEVEN_STUDENTS, chunked_runtime, request_seven_call_ups, runtime_on


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


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_letters_another_delivery_issued_are_not_recorded_again(
    database: str, tmp_path: Path, pki: DemoPki, converter: Converter
) -> None:
    """A chunk's letters are recorded by one statement; where another delivery issued some of them already, this
    one records (and counts) only the others, and the first PDF stays."""
    with runtime_on(database, tmp_path, pki.directory, converter) as runtime:
        requested = request_batch(
            runtime.db,
            runtime.templates,
            RequestBatch(
                template_id="giay-trieu-tap",
                class_list=SEVEN_STUDENTS.encode(),
                filename="l.csv",
                data={k: v for k, v in runtime.templates.get("giay-trieu-tap").example.items() if k != "student"},
            ),
            clock=runtime.clock,
        )
        now = runtime.clock.now()
        with runtime.db.uow() as tx:
            first, *others = [d.id for d in tx.repo.documents_of_batch(requested.batch_id)][:3]
            assert tx.repo.issue({first: Issued("a" * 64, "Người khác", now)}) == {first}
            tx.commit()
        with runtime.db.uow() as tx:
            made = {
                i: Issued(f"{n}" * 64, "Trường", now, metadata={"so_trang": 1}) for n, i in enumerate([first, *others])
            }
            assert tx.repo.issue(made) == set(others)
            assert tx.repo.issue(made) == set()  # the same delivery again: nothing
            tx.commit()
        with runtime.db.uow() as tx:
            rows = {d.id: d for d in tx.repo.documents_of_batch(requested.batch_id)}
        assert rows[first].pdf_sha256 == "a" * 64 and rows[first].archive_metadata is None
        assert [rows[i].pdf_sha256 for i in others] == ["1" * 64, "2" * 64]
        assert all(rows[i].status == "issued" and rows[i].archive_metadata == {"so_trang": 1} for i in others)
