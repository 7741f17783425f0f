"""Vietnamese text and date formats the decree (Nghị định 30/2020) asks for."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import TypeVar

T = TypeVar("T")


def nfc(value: T) -> T:
    """Normalise every string inside ``value`` (dicts, lists, strings) to NFC; keyboards and spreadsheets
    often send NFD, which looks the same but compares and sorts differently."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()  # type: ignore[return-value]
    if isinstance(value, dict):
        return {nfc(k): nfc(v) for k, v in value.items()}  # type: ignore[return-value]
    if isinstance(value, list):
        return [nfc(v) for v in value]  # type: ignore[return-value]
    return value


def two_digits(n: int) -> str:
    """Numbers below 10 take a leading zero (số 05, ngày 04, tháng 02)."""
    return f"{n:02d}"


def as_date(value: date | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


def date_dmy(value: date | str) -> str:
    """``12/03/1985``: the short form used in tables and body text."""
    d = as_date(value)
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def date_in_words(value: date | str) -> str:
    """``ngày 04 tháng 02 năm 2026``: days below 10 and months 1 and 2 take a leading zero."""
    d = as_date(value)
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def place_date(place: str, value: date | str) -> str:
    """The italic place-and-date line: ``Phú Thọ, ngày 04 tháng 02 năm 2026``."""
    return f"{place}, {date_in_words(value)}"


def time_and_date(value: datetime | str) -> str:
    """``07 giờ 30 phút, ngày 02 tháng 3 năm 2026`` for a meeting time."""
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return f"{dt.hour:02d} giờ {dt.minute:02d} phút, {date_in_words(dt.date())}"
