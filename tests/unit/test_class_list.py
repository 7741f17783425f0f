from __future__ import annotations

import unicodedata

from service.adapters.spreadsheet import read_table
from service.domain.batch import check_rows, header_key, map_headers, parse_date


def test_headers_match_ignoring_case_accents_and_spaces() -> None:
    assert header_key("  HỌ và   tên ") == header_key("Ho va ten") == "ho va ten"
    columns = map_headers(["STT", " họ và TÊN", "Ngày sinh", "Đơn vị công tác", "Ghi chú", ""])
    assert columns == {0: "stt", 1: "full_name", 2: "date_of_birth", 3: "unit", 4: "ghi_chu"}


def test_dates_as_cells_or_text() -> None:
    from datetime import date, datetime

    assert parse_date(datetime(1988, 3, 12)) == date(1988, 3, 12)
    assert parse_date(" 12/03/1988 ") == date(1988, 3, 12)
    assert parse_date("12-03-1988") == date(1988, 3, 12)
    assert parse_date("31/02/1988") is None and parse_date("tháng ba") is None


def test_csv_with_bom_and_semicolons_every_problem_by_row_and_column() -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hồng Nhung")
    text = (
        "\ufeffSTT;Họ và tên;Ngày sinh;Đơn vị công tác;Sở thích\n"
        f"1; {nfd} ;12/03/1988;Xã Thanh Ba;cờ tướng\n"
        ";;;;\n"
        "2;Trần Văn An;31/02/1990;Xã Hạ Hòa;\n"
        f"3;{nfd};12/03/1988;Xã Khác;\n"
        "4;Lê Văn Bình;01/01/1980;;\n"
    )
    headers, rows = read_table(text.encode("utf-8"), "lop.csv")
    checked = check_rows(headers, rows)
    assert checked.skipped_empty == 1
    (only,) = checked.rows
    number, fields = only
    assert number == 2 and fields["full_name"] == "Nguyễn Thị Hồng Nhung"  # NFC, trimmed
    assert fields["date_of_birth"] == "1988-03-12" and fields["so_thich"] == "cờ tướng"  # unknown column kept
    problems = {(p.row, p.column): p for p in checked.problems}
    assert set(problems) == {(4, "Ngày sinh"), (5, "Họ và tên"), (6, "Đơn vị công tác")}
    assert problems[(5, "Họ và tên")].reason_vi == "trùng người với dòng 2"
    assert problems[(6, "Đơn vị công tác")].reason_en == "missing value"


def test_a_list_without_a_required_column_is_refused_at_the_header() -> None:
    headers, rows = read_table("Họ và tên,Ngày sinh\nAn,01/01/1990\n".encode(), "x.csv")
    checked = check_rows(headers, rows)
    assert not checked.rows and checked.problems[0].row == 1 and "Đơn vị công tác" in checked.problems[0].column
