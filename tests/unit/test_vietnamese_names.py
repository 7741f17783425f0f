from __future__ import annotations

import unicodedata

import pytest

from service.adapters.renderer import render_docx
from service.domain.vietnamese import (
    BLANK,
    date_dmy,
    money_in_words,
    name_sort_key,
    number_in_words,
    slug,
    thousands,
    title_case_name,
)
from service.errors import RenderError
from tests.template_corpus import docx_with


def test_numbers_and_money_in_words() -> None:
    assert number_in_words(21) == "hai mươi mốt"
    assert number_in_words(105) == "một trăm lẻ năm"
    assert money_in_words(1_250_000) == "Một triệu hai trăm năm mươi nghìn đồng"
    assert thousands(1_250_000) == "1.250.000"
    assert money_in_words(1_250_000.0) == money_in_words(1_250_000)  # a whole number sent as JSON's 1250000.0
    assert number_in_words(999_999_999_999_999).startswith("chín trăm chín mươi chín nghìn tỷ")


@pytest.mark.parametrize("n", [-5, -1_250_000, 1.5, 10**15, 1e300, float("inf"), float("nan"), True, "abc"])
def test_a_number_that_cannot_be_written_right_in_words_is_refused(n: object) -> None:
    """num2words' Vietnamese wrote -5 as "mười lăm" (fifteen), 1.5 as "một phẩy năm mươi", 10^15 as "một trăm
    nghìn tỷ" and 1e300 as None: an amount in words must be right or not written."""
    with pytest.raises(ValueError, match="cannot be written in words"):
        number_in_words(n)


def test_a_date_not_given_leaves_room_to_write_it() -> None:
    assert date_dmy(None) == f"{BLANK}/{BLANK}/{BLANK}"
    assert date_dmy("2026-02-04") == "04/02/2026"


def test_people_sort_by_given_name_then_middle_then_family() -> None:
    names = [
        "Trần Văn Bình",
        "Nguyễn Thị An",
        "Lê Văn Ân",
        "Phạm Đức Anh",
        "Đỗ Thị Ánh",
        "Vũ Minh Đức",
        "Hoàng Văn Dũng",
        "Bùi Thị Ơn",
        "Ngô Văn Ôn",
        "Lý Thị Út",
        "Mai Văn Ưng",
        "Nguyễn Văn An",
    ]
    ordered = sorted(names, key=name_sort_key)
    assert ordered == [
        "Nguyễn Thị An",  # An < Anh < Ánh < Ân (ă/â after a; tones break ties only)
        "Nguyễn Văn An",  # same given name: middle name decides (Thị < Văn)
        "Phạm Đức Anh",
        "Đỗ Thị Ánh",
        "Lê Văn Ân",
        "Trần Văn Bình",
        "Hoàng Văn Dũng",
        "Vũ Minh Đức",  # Đ after D
        "Ngô Văn Ôn",  # Ô before Ơ
        "Bùi Thị Ơn",
        "Lý Thị Út",  # U before Ư
        "Mai Văn Ưng",
    ]
    decomposed = unicodedata.normalize("NFD", "Vũ Minh Đức")
    assert name_sort_key(decomposed) == name_sort_key("Vũ Minh Đức")  # NFD from spreadsheets sorts the same


def test_title_case_and_slug() -> None:
    assert title_case_name("  nguyễn thị HỒNG   nhung ") == "Nguyễn Thị Hồng Nhung"
    assert slug("Nguyễn Thị Đào") == "nguyen-thi-dao"
    assert slug("Quyết định số 05/QĐ-TCT") == "quyet-dinh-so-05-qd-tct"
    assert slug("!!!") == "van-ban"


def test_a_number_that_cannot_be_written_in_words_is_a_render_error_said_in_both_languages() -> None:
    """``{{ fee|money_in_words }}`` with 10^16: the error says what is wrong, in Vietnamese too, and never that a
    placeholder was called like a function (it said "placeholder(s) called: ?")."""
    with pytest.raises(RenderError) as caught:
        render_docx(docx_with("Lệ phí: {{ fee|money_in_words }}"), {"fee": 10**16})
    assert "in words" in caught.value.message_en and "called" not in caught.value.message_en
    assert "bằng chữ" in caught.value.message_vi and "cannot" not in caught.value.message_vi
    assert "như hàm" not in caught.value.message_vi
