from __future__ import annotations

import io
import unicodedata

from openpyxl import Workbook

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


def test_a_list_under_a_title_finds_its_header_row_and_keeps_the_sheets_row_numbers() -> None:
    """The way a class list is laid out in an office: the school's name and the list's title merged across the top,
    a blank line, then the headings. They were refused as "required columns missing from the header row"."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH SÁCH HỌC VIÊN LỚP TRUNG CẤP LÝ LUẬN CHÍNH TRỊ K12"])
    sheet.merge_cells("A1:D1")
    sheet.append([])
    sheet.append(["STT", "Họ và tên", "Ngày sinh", "Đơn vị công tác"])
    sheet.append([1, "Nguyễn Văn An", "05/03/1990", "Xã Thanh Ba"])
    sheet.append([2, "Trần Thị Bình", "31/02/1990", "Xã Hạ Hòa"])
    out = io.BytesIO()
    book.save(out)
    checked = check_rows(*read_table(out.getvalue(), "lop.xlsx"))
    assert [(n, f["full_name"]) for n, f in checked.rows] == [(4, "Nguyễn Văn An")]
    assert [(p.row, p.column) for p in checked.problems] == [(5, "Ngày sinh")]
    missing = check_rows(*read_table("Danh sách lớp\n\nHọ và tên,Ngày sinh\nAn,01/01/1990\n".encode(), "x.csv"))
    assert not missing.rows and "first 10 rows" in missing.problems[0].reason_en
    assert "10 dòng đầu" in missing.problems[0].reason_vi
