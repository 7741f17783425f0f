"""Vietnamese text and date formats the decree (Nghị định 30/2020) asks for."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import TypeVar

T = TypeVar("T")


def nfc(value: T) -> T:
    """Normalise every string inside ``value`` (dicts, lists, strings) to NFC; keyboards and spreadsheets
    often send NFD, which looks the same but compares and sorts differently. Nothing else changes: spaces, tabs
    and line ends stay as sent (a schema asks for trimming where it wants it, see ``placeholders.as_sent``)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)  # type: ignore[return-value]
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


def date_dmy(value: date | str | None) -> str:
    """``12/03/1985``: the short form used in tables and body text; no date (an optional one not given): room to
    write it by hand."""
    if value is None or value == "":
        return f"{BLANK}/{BLANK}/{BLANK}"
    d = as_date(value)
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


BLANK = " " * 7  # room left in a draft for a number or day the clerk fills in at issuance


def day_month_year(d: date) -> tuple[str, str, str]:
    """Days below 10 and months 1 and 2 take a leading zero."""
    return f"{d.day:02d}", f"{d.month:02d}" if d.month < 3 else str(d.month), str(d.year)


def date_in_words(value: date | str | None) -> str:
    """``ngày 04 tháng 02 năm 2026``; for a draft (no date yet) the blanks the clerk's date goes into."""
    if value is None or value == "":
        return f"ngày{BLANK}tháng{BLANK}năm{BLANK}{BLANK}"
    day, month, year = day_month_year(as_date(value))
    return f"ngày {day} tháng {month} năm {year}"


def place_date(place: str, value: date | str | None) -> str:
    """The italic place-and-date line: ``Phú Thọ, ngày 04 tháng 02 năm 2026``."""
    return f"{place}, {date_in_words(value)}"


def time_and_date(value: datetime | str) -> str:
    """``07 giờ 30 phút, ngày 02 tháng 3 năm 2026`` for a meeting time."""
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return f"{dt.hour:02d} giờ {dt.minute:02d} phút, {date_in_words(dt.date())}"


# -- numbers in words ------------------------------------------------------------------------------------------
WORDS_LIMIT = 10**15


class NotInWords(ValueError):
    """A number ``number_in_words`` does not write; says so in Vietnamese too (``message_vi``)."""

    def __init__(self, n: object) -> None:
        most = f"{WORDS_LIMIT - 1:,}"
        super().__init__(f"{n!r} cannot be written in words: a whole number from 0 to {most} can")
        self.message_vi = f"{n!r} không viết được bằng chữ: chỉ viết số nguyên từ 0 đến {most.replace(',', '.')}"


def number_in_words(n: object) -> str:
    """``1250000`` -> ``một triệu hai trăm năm mươi nghìn`` (num2words, Vietnamese), for a whole number from 0 to
    ``WORDS_LIMIT`` - 1 (a number of digits). Any other raises ValueError: num2words reads them wrong in Vietnamese
    (-5 as "mười lăm", 1.5 as "một phẩy năm mươi", 10^15 as "một trăm nghìn tỷ", 1e300 as None), and an amount in
    words must be right or not written."""
    from num2words import num2words

    whole = n
    if (isinstance(n, float) and n.is_integer()) or (isinstance(n, str) and n.strip().isdecimal()):
        whole = int(n)
    if isinstance(whole, bool) or not isinstance(whole, int) or not 0 <= whole < WORDS_LIMIT:
        raise NotInWords(n)
    return str(num2words(whole, lang="vi"))


def money_in_words(amount: object) -> str:
    """``1250000`` -> ``Một triệu hai trăm năm mươi nghìn đồng``: the written amount of a payment line."""
    words = number_in_words(amount)
    return f"{words[:1].upper()}{words[1:]} đồng"


def thousands(n: int) -> str:
    """``1250000`` -> ``1.250.000``: Vietnamese digit grouping."""
    return f"{n:,}".replace(",", ".")


# -- names -----------------------------------------------------------------------------------------------------
# Vietnamese alphabet order: the letters with marks come after their base letter (a ă â, d đ, e ê, o ô ơ, u ư);
# tone marks only break ties, in the order: none, huyền, hỏi, ngã, sắc, nặng.
_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_LETTER_RANK = {c: i for i, c in enumerate(_ALPHABET)}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền hỏi ngã sắc nặng
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve (ă), circumflex (â ê ô), horn (ơ ư)


def _letters_and_tones(word: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    letters: list[int] = []
    tones: list[int] = []
    for ch in unicodedata.normalize("NFC", word.lower()):
        if ch == "đ":
            base, tone = "đ", 0
        else:
            decomposed = unicodedata.normalize("NFD", ch)
            tone = next((_TONES[m] for m in decomposed[1:] if m in _TONES), 0)
            base = unicodedata.normalize(
                "NFC", decomposed[0] + "".join(m for m in decomposed[1:] if m in _LETTER_MARKS)
            )
        letters.append(_LETTER_RANK.get(base, 100 + ord(base)))
        tones.append(tone)
    return tuple(letters), tuple(tones)


def collation_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Sort key for Vietnamese words: letters in the Vietnamese alphabet order, then tones."""
    return _letters_and_tones(text)


def name_sort_key(full_name: str) -> tuple[object, ...]:
    """Sort people the Vietnamese way: by given name (the last word), then middle names, then family name."""
    words = nfc(full_name).split()
    if not words:
        return ()
    given, family, middle = words[-1], words[0] if len(words) > 1 else "", words[1:-1]
    return (collation_key(given), tuple(collation_key(w) for w in middle), collation_key(family))


def title_case_name(name: str) -> str:
    """``nguyễn thị HỒNG nhung`` -> ``Nguyễn Thị Hồng Nhung``."""
    return " ".join(w[:1].upper() + w[1:].lower() for w in nfc(name).split())


def folded(text: str) -> str:
    """``  Nguyễn Thị ĐÀO, 05/QĐ`` -> ``nguyen thi dao 05 qd``: lower case, no accents (đ becomes d, which NFD alone
    does not do), words of letters and digits only; how a search compares what people type without accents."""
    lowered = nfc(text).lower().replace("đ", "d")
    ascii_only = unicodedata.normalize("NFD", lowered).encode("ascii", "ignore").decode()
    return " ".join("".join(c if c.isalnum() else " " for c in ascii_only).split())


def slug(text: str, max_length: int = 80) -> str:
    """``Nguyễn Thị Đào`` -> ``nguyen-thi-dao`` for file names."""
    return folded(text).replace(" ", "-")[:max_length].strip("-") or "van-ban"
