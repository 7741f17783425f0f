"""Reads class lists from XLSX (openpyxl) and CSV (UTF-8 with or without BOM, comma or semicolon); writes
registers as XLSX."""

from __future__ import annotations

import csv
import io
from typing import Any

from service.errors import FieldError, InvalidRequest


def read_table(data: bytes, filename: str = "") -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """The header row and every following row with its spreadsheet row number (1-based, as Excel shows it)."""
    if data[:2] == b"PK" or filename.lower().endswith((".xlsx", ".xlsm")):
        return _xlsx(data)
    return _csv(data)


def _xlsx(data: bytes) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InvalidRequest(
            [FieldError("file", f"not a readable .xlsx file: {exc}", f"không đọc được tệp .xlsx: {exc}")]
        ) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise InvalidRequest([FieldError("file", "the sheet is empty", "bảng tính trống")])
    out = [(i, list(r)) for i, r in enumerate(rows, start=2)]
    book.close()
    return [str(h) if h is not None else "" for h in header], out


def _csv(data: bytes) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidRequest([FieldError("file", "CSV must be UTF-8", "tệp CSV phải mã hóa UTF-8")]) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise InvalidRequest([FieldError("file", "the file is empty", "tệp trống")])
    return rows[0], [(i, r) for i, r in enumerate(rows[1:], start=2)]


def write_table(title: str, header: list[str], rows: list[list[object]]) -> bytes:
    """One sheet: a bold header row, then ``rows``; columns wide enough to read."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        sheet.append(row)
    for column, width in zip("ABCDEFGH", (18, 14, 50, 24, 40, 18, 10, 16), strict=False):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
