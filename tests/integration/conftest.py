"""Fixtures of the integration tests: a migrated database of each kind the service runs on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.adapters.migrate import upgrade
from service.unit_of_work import Database
from tests.backends import postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'any.sqlite'}"
        upgrade(url)
        database = Database(url)
        yield database
        database.dispose()
        return
    with postgres_database() as url:
        upgrade(url)
        database = Database(url)
        try:
            yield database
        finally:
            database.dispose()
