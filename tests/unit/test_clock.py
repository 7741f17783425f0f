"""The one clock: instants in UTC, a document's date in Vietnam time (UTC+7), whatever the server's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from service.config import Settings
from service.domain.clock import VIETNAM, FixedClock, SystemClock, vietnamese_date
from service.errors import ConfigurationError


def test_at_01_07_in_vietnam_the_date_is_already_the_next_day() -> None:
    clock = FixedClock(datetime(2026, 11, 24, 18, 7, tzinfo=UTC))  # 01:07 on the 25th in Vietnam
    assert clock.today() == date(2026, 11, 25)
    assert clock.now() == datetime(2026, 11, 24, 18, 7, tzinfo=UTC) and clock.now().utcoffset() == timedelta(0)


def test_the_year_turns_at_midnight_in_vietnam() -> None:
    clock = FixedClock(datetime(2026, 12, 31, 16, 59, tzinfo=UTC))
    assert clock.today() == date(2026, 12, 31)
    clock.advance(timedelta(minutes=31))  # 00:30 on 1 January in Vietnam
    assert clock.today() == date(2027, 1, 1)
    clock.set(datetime(2027, 1, 1, 0, 30, tzinfo=VIETNAM))
    assert clock.now() == datetime(2026, 12, 31, 17, 30, tzinfo=UTC) and clock.today().year == 2027


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError):
        FixedClock(datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        vietnamese_date(datetime(2026, 1, 1))


def test_a_system_clock_started_at_another_instant_runs_on_from_it() -> None:
    start = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)
    clock = SystemClock.starting_at(start)
    first = clock.now()
    assert timedelta(0) <= first - start < timedelta(minutes=1) and first.tzinfo is not None
    assert clock.today() == date(2027, 1, 1)
    assert clock.now() >= first
    assert SystemClock().now().utcoffset() == timedelta(0)


def test_production_refuses_a_clock_set_to_another_time() -> None:
    settings = Settings(production=True, pki_password="secret", broker_url="redis://x", clock_start=datetime.now(UTC))
    with pytest.raises(ConfigurationError, match="VANBAN_CLOCK_START"):
        settings.check()
