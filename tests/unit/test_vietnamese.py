from __future__ import annotations

import unicodedata
from datetime import date

from service.domain.documents import Notation
from service.domain.vietnamese import date_dmy, date_in_words, nfc, place_date, time_and_date, two_digits


def test_leading_zeros_follow_the_decree() -> None:
    assert date_in_words(date(2026, 2, 4)) == "ngày 04 tháng 02 năm 2026"
    assert date_in_words(date(2026, 1, 31)) == "ngày 31 tháng 01 năm 2026"
    assert date_in_words(date(2026, 3, 9)) == "ngày 09 tháng 3 năm 2026"  # months from March on: no zero
    assert date_in_words("2026-12-25") == "ngày 25 tháng 12 năm 2026"
    assert place_date("Phú Thọ", date(2026, 2, 4)) == "Phú Thọ, ngày 04 tháng 02 năm 2026"
    assert two_digits(5) == "05" and two_digits(123) == "123"
    assert date_dmy("1988-03-12") == "12/03/1988"
    assert time_and_date("2026-12-07T07:30:00+07:00") == "07 giờ 30 phút, ngày 07 tháng 12 năm 2026"


def test_notation() -> None:
    assert str(Notation(5, "QĐ", "TCT")) == "05/QĐ-TCT"
    assert str(Notation(123, "GTT", "TCT")) == "123/GTT-TCT"
    assert str(Notation(7, "", "TCT")) == "07/TCT"  # công văn: no type abbreviation
    assert str(Notation(0, "GTT", "TCT")) == ".../GTT-TCT"  # a draft, not yet numbered


def test_nfc_normalises_nested_input() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hồng Nhung")
    assert decomposed != "Nguyễn Thị Hồng Nhung"
    out = nfc({"student": {"full_name": f"  {decomposed}\n"}, "tags": [decomposed], "n": 3})
    # NFC only: the spaces and the line end stay as sent (issue 16)
    assert out == {"student": {"full_name": "  Nguyễn Thị Hồng Nhung\n"}, "tags": ["Nguyễn Thị Hồng Nhung"], "n": 3}
