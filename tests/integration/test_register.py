"""Numbers from the register (sổ đăng ký văn bản đi) under concurrency, on SQLite and on PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from service.unit_of_work import Database


def _take(db: Database, organisation: str, year: int) -> int:
    with db.uow() as tx:
        number = tx.repo.take_number(organisation, "default", year)
        tx.commit()
        return number


def test_200_concurrent_issues_get_1_to_200(any_db: Database) -> None:
    with ThreadPoolExecutor(max_workers=16) as pool:
        numbers = list(pool.map(lambda _: _take(any_db, "TCT", 2026), range(200)))
    assert sorted(numbers) == list(range(1, 201))


def test_each_body_and_year_counts_from_one(any_db: Database) -> None:
    assert [_take(any_db, "TCT", 2026) for _ in range(3)] == [1, 2, 3]
    assert _take(any_db, "TCT", 2027) == 1
    assert _take(any_db, "BTG", 2026) == 1


def test_a_rolled_back_issue_leaves_no_gap(any_db: Database) -> None:
    assert _take(any_db, "TCT", 2026) == 1
    with any_db.uow() as tx:
        assert tx.repo.take_number("TCT", "default", 2026) == 2
        # no commit: the issue failed, the number goes back
    assert _take(any_db, "TCT", 2026) == 2
