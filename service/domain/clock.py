"""One clock for the whole service: instants in UTC, a document's date in Vietnam time.

A document's date (ngày ban hành) is the Vietnamese calendar date, whatever the server's time zone: a draft and
the document issued from it on the same Vietnamese day carry the same date, and the register's year turns at
midnight in Vietnam. Instants stay aware UTC datetimes: the services take a document's facts (its date, when it
was signed, when a signature or rejection was made) from the clock; rows' bookkeeping (created, updated, a job's
start and end) stays with the database layer's UTC time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol

VIETNAM = timezone(timedelta(hours=7), "ICT")
"""Vietnam time, UTC+7 all year (no daylight saving)."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, an aware UTC datetime."""
        ...

    def today(self) -> date:
        """The current date in Vietnam: the date a document made now carries."""
        ...


def vietnamese_date(instant: datetime) -> date:
    """The Vietnamese calendar date of an aware instant."""
    if instant.tzinfo is None:
        raise ValueError("a naive datetime has no date in Vietnam")
    return instant.astimezone(VIETNAM).date()


@dataclass
class SystemClock:
    """The machine's clock; ``offset`` shifts it (a clock started at another instant, see ``starting_at``)."""

    offset: timedelta = timedelta(0)

    @classmethod
    def starting_at(cls, start: datetime) -> SystemClock:
        """A clock that reads ``start`` now and runs on from there (tests and demos of another day)."""
        return cls(_aware(start) - datetime.now(UTC))

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def today(self) -> date:
        return vietnamese_date(self.now())


@dataclass
class FixedClock:
    """A clock that stands still until it is set or advanced (tests)."""

    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        self.at = _aware(self.at)

    def set(self, at: datetime) -> None:
        self.at = _aware(at)

    def advance(self, by: timedelta) -> None:
        self.at += by

    def now(self) -> datetime:
        return self.at

    def today(self) -> date:
        return vietnamese_date(self.at)


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("give the clock an aware datetime (with its time zone)")
    return at.astimezone(UTC)
