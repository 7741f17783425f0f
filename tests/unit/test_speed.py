"""What makes one document fast without a timing in sight: a job's end is seen as soon as it is committed (the long
poll of ``GET /jobs/{id}?wait=`` looks often at first), and a node's worker processes spread their conversions over
its LibreOffices (one per core), each process on its own one while they are all free."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from service.adapters.converter import ConverterPool
from service.adapters.job_signals import JobSignals
from service.adapters.orm import JobRow
from service.services.jobs import WAIT_STEPS, LongPolls, ended, next_look
from tests.fakes import FakeDatabase


def test_a_job_is_seen_ended_once_its_end_is_committed() -> None:
    db = FakeDatabase()
    with db.uow() as tx:
        tx.repo.add(JobRow(id="j", kind="document", status="running", total=1, attempts=1))
        tx.commit()
    assert not ended(db, "j")
    with db.uow() as tx:
        tx.repo.job("j").status = "succeeded"
        assert not ended(db, "j")  # not committed yet
        tx.commit()
    assert ended(db, "j")


def test_a_long_poll_looks_often_while_a_letter_may_end_then_less() -> None:
    looks = [next_look(t / 10) for t in range(0, 300)]
    assert looks[0] == 0.01 and looks == sorted(looks) and looks[-1] == WAIT_STEPS[-1][1]
    assert next_look(0.99) == 0.01  # the first second stays fast: one document's latency depends on it
    assert all(next_look(1 + t / 100) >= 0.1 for t in range(0, 6000))  # after it, at most one look per 100 ms
    waited, looks_in_a_minute = 0.0, 0
    while waited < 60:
        waited += next_look(waited)
        looks_in_a_minute += 1
    assert looks_in_a_minute < 500  # the review counted ~530 queries for one ?wait=60


def test_a_process_holds_at_most_its_limit_of_long_polls_then_answers_at_once() -> None:
    polls = LongPolls(2)
    with polls.slot() as first, polls.slot() as second:
        with polls.slot() as third:
            assert (first, second, third) == (True, True, False)
            assert polls.waiting == 2
        with polls.slot() as fourth:
            assert not fourth
    assert polls.waiting == 0
    with polls.slot() as again:  # places are given back when a wait ends
        assert again
    try:
        with polls.slot():
            raise RuntimeError("the wait failed")
    except RuntimeError:
        pass
    assert polls.waiting == 0
    with LongPolls(0).slot() as none:
        assert not none


def test_conversions_go_to_the_least_busy_libreoffice_each_process_to_its_own_first() -> None:
    pool = ConverterPool(Path("/nowhere/python"), 3)  # not started: only the choice is looked at
    first, second, third, fourth = (pool.shared() for _ in range(4))
    assert [p._choose() for p in (first, second, third, fourth)] == [pool.slots[i] for i in (0, 1, 2, 0)]
    pool.slots[0].in_hand.value = 1  # the first LibreOffice converts for someone
    assert first._choose() is pool.slots[1]
    pool.slots[1].in_hand.value = 1
    assert first._choose() is pool.slots[2] and second._choose() is pool.slots[2]
    pool.slots[2].in_hand.value = 2
    assert first._choose() is pool.slots[0] and second._choose() is pool.slots[1]  # all busy: the own first


class _CountingDatabase(FakeDatabase):
    """Counts the looks at the database: each one is a query through the shared thread pool."""

    looks = 0

    def uow(self) -> Any:
        self.looks += 1
        return super().uow()


class _GoneCaller:
    async def is_disconnected(self) -> bool:
        return True


def _long_poll(limit: int) -> int:
    """How many times one ``GET /jobs/j?wait=5`` of a caller already gone looks at a running job."""
    from service.api.routes.jobs import get_job
    from tests.unit.services import REQUESTER

    db = _CountingDatabase()
    with db.uow() as tx:
        tx.repo.add(JobRow(id="j", kind="document", status="running", total=1, attempts=1))
        tx.commit()
    db.looks = 0
    runtime = SimpleNamespace(db=db, long_polls=LongPolls(limit), job_signals=JobSignals())
    answer = asyncio.run(
        get_job(job_id="j", request=cast(Any, _GoneCaller()), rt=cast(Any, runtime), who=REQUESTER, wait=5)
    )
    assert answer.status == "running" and runtime.long_polls.waiting == 0
    return db.looks


def test_a_long_poll_stops_when_its_caller_is_gone_and_past_the_limit_does_not_wait() -> None:
    assert _long_poll(limit=1) == 2  # the first look, then the caller is gone: the answer is made and not waited for
    assert _long_poll(limit=0) == 1  # no place left: answered from the first look


def test_a_part_without_tabs_or_breaks_in_its_text_is_not_searched_for_them() -> None:
    """The renderer skips docxtpl's listing pass where it would change nothing, and only there."""
    from docxtpl import DocxTemplate

    from service.adapters.renderer import _Template

    run = '<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{}</w:t>'
    run += "</w:r></w:p>"
    template = _Template.__new__(_Template)  # the listing pass reads nothing of its template
    for text in ["Nguyễn Văn An", "a\tb", "dòng 1\ndòng 2", "trang\fmới", "đoạn\amới", "x &lt; y\n"]:
        xml = "<w:body>\n" + run.format(text) * 2 + "\n</w:body>"
        assert template.resolve_listing(xml) == DocxTemplate.resolve_listing(template, xml)
    assert "<w:br/>" in template.resolve_listing(run.format("a\nb"))  # the pass runs where it must
