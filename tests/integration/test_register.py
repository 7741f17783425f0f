"""Numbers from the register (sổ đăng ký văn bản đi) under concurrency, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from service.adapters.migrate import upgrade
from service.unit_of_work import Database
from tests.backends import postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'register.sqlite'}"
        upgrade(url)
        db = Database(url)
        yield db
        db.dispose()
        return
    with postgres_database() as url:
        upgrade(url)
        db = Database(url)
        yield db
        db.dispose()


def _take(db: Database, organisation: str, year: int) -> int:
    with db.uow() as tx:
        number = tx.repo.take_number(organisation, "default", year)
        tx.commit()
        return number


def test_200_concurrent_issues_get_1_to_200(database: Database) -> None:
    with ThreadPoolExecutor(max_workers=16) as pool:
        numbers = list(pool.map(lambda _: _take(database, "TCT", 2026), range(200)))
    assert sorted(numbers) == list(range(1, 201))


def test_each_body_and_year_counts_from_one(database: Database) -> None:
    assert [_take(database, "TCT", 2026) for _ in range(3)] == [1, 2, 3]
    assert _take(database, "TCT", 2027) == 1
    assert _take(database, "BTG", 2026) == 1


def test_a_rolled_back_issue_leaves_no_gap(database: Database) -> None:
    assert _take(database, "TCT", 2026) == 1
    with database.uow() as tx:
        assert tx.repo.take_number("TCT", "default", 2026) == 2
        # no commit: the issue failed, the number goes back
    assert _take(database, "TCT", 2026) == 2
