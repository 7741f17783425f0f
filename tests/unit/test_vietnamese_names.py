from __future__ import annotations

import unicodedata

from service.domain.vietnamese import (
    money_in_words,
    name_sort_key,
    number_in_words,
    slug,
    thousands,
    title_case_name,
)


def test_numbers_and_money_in_words() -> None:
    assert number_in_words(21) == "hai mươi mốt"
    assert number_in_words(105) == "một trăm lẻ năm"
    assert money_in_words(1_250_000) == "Một triệu hai trăm năm mươi nghìn đồng"
    assert thousands(1_250_000) == "1.250.000"


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
