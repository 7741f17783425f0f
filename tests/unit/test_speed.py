"""What makes one document fast without a timing in sight: a job's end is seen as soon as it is committed (the long
poll of ``GET /jobs/{id}?wait=`` looks often at first), and a node's worker processes spread their conversions over
its LibreOffices (one per core), each process on its own one while they are all free."""

from __future__ import annotations

from pathlib import Path

from service.adapters.converter import ConverterPool
from service.adapters.orm import JobRow
from service.services.jobs import WAIT_STEPS, ended, next_look
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
