"""Reads class lists from XLSX (openpyxl) and CSV (UTF-8 with or without BOM, comma or semicolon); writes
registers as XLSX."""

from __future__ import annotations

import csv
import io
import struct
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

from service.errors import FieldError, InvalidRequest, TooLarge

MAX_ROWS = 10_000  # a class (lớp) has tens to hundreds of students; see VANBAN_CLASS_LIST_MAX_ROWS
MAX_UNPACKED_BYTES = 10 * 1_048_576  # see VANBAN_CLASS_LIST_MAX_UNPACKED_BYTES
MAX_ZIP_DIRECTORY_BYTES = 256 * 1024  # a workbook's zip directory lists tens of parts (a few KB), not thousands


def read_table(
    data: bytes, filename: str = "", *, max_rows: int = MAX_ROWS, max_unpacked_bytes: int = MAX_UNPACKED_BYTES
) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """The header row and every following row with its spreadsheet row number (1-based, as Excel shows it).

    Bounded before parsing: a file, or an XLSX whose zip directory declares, more than ``max_unpacked_bytes`` is
    refused with :class:`TooLarge` (413); a zip directory longer than a workbook's, or a CSV line the reader cannot
    take (a cell past 131 072 characters), is an :class:`InvalidRequest` (422); reading stops with one at the first
    row past ``max_rows``, whatever the file declares about itself."""
    if len(data) > max_unpacked_bytes:  # a workbook packs smaller than it unpacks; a CSV is what it unpacks to
        raise _too_large(len(data), max_unpacked_bytes, "weighs", "nặng")
    if data[:2] == b"PK" or filename.lower().endswith((".xlsx", ".xlsm")):
        return _xlsx(data, max_rows, max_unpacked_bytes)
    return _csv(data, max_rows)


def _too_large(size: int, limit: int, verb: str = "unpacks to", verb_vi: str = "giải nén ra") -> TooLarge:
    mb, limit_mb = f"{size / 1_048_576:.1f} MB", f"{limit / 1_048_576:.1f} MB"
    return TooLarge(
        f"the class list {verb} {mb}, more than the {limit_mb} allowed (VANBAN_CLASS_LIST_MAX_UNPACKED_BYTES)",
        f"Danh sách lớp {verb_vi} {mb}, vượt quá giới hạn {limit_mb}",
    )


def _too_many_rows(limit: int) -> InvalidRequest:
    return InvalidRequest(
        [
            FieldError(
                "file",
                f"more than {limit} rows; a class list holds at most {limit} (VANBAN_CLASS_LIST_MAX_ROWS)",
                f"danh sách có hơn {limit} dòng; tối đa {limit} dòng",
            )
        ]
    )


def _numbered(rows: Iterator[Sequence[Any]], max_rows: int) -> list[tuple[int, list[Any]]]:
    """The rows under the header, each with its line number (the header is line 1); more than ``max_rows`` is
    refused."""
    out: list[tuple[int, list[Any]]] = []
    for number, row in enumerate(rows, start=2):
        if len(out) == max_rows:
            raise _too_many_rows(max_rows)
        out.append((number, list(row)))
    return out


def _unreadable(exc: Exception) -> InvalidRequest:
    return InvalidRequest([FieldError("file", f"not a readable .xlsx file: {exc}", f"không đọc được tệp .xlsx: {exc}")])


def _check_zip_directory(data: bytes) -> None:
    """Refuse a zip directory too long for a workbook before ``zipfile`` parses it: empty members unpack to nothing,
    yet half a million of them cost seconds and most of a GB to list. Read from the end-of-directory record (the
    directory size ``zipfile`` itself reads); a class list never needs ZIP64."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or len(data) < end + 22:
        return  # no directory: zipfile says the file is not a zip
    (directory_bytes,) = struct.unpack_from("<I", data, end + 12)
    zip64 = end >= 20 and data[end - 20 : end - 16] == b"PK\x06\x07"
    if zip64 or directory_bytes > MAX_ZIP_DIRECTORY_BYTES:
        raise InvalidRequest(
            [
                FieldError(
                    "file",
                    "not a class list: its zip directory lists far more parts than a workbook has",
                    "không phải danh sách lớp: tệp nén liệt kê quá nhiều phần so với một bảng tính",
                )
            ]
        )


def _xlsx(data: bytes, max_rows: int, max_unpacked_bytes: int) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook

    _check_zip_directory(data)
    try:  # the zip directory first: what every member declares it unpacks to (zipfile reads no more than that)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _unreadable(exc) from None
    if unpacked > max_unpacked_bytes:
        raise _too_large(unpacked, max_unpacked_bytes)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _unreadable(exc) from None
    try:
        sheet = book.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # read-only mode trusts <dimension>, which may say A1:C2 over 500 rows
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise InvalidRequest([FieldError("file", "the sheet is empty", "bảng tính trống")])
        out = _numbered(rows, max_rows)
    except InvalidRequest:
        raise
    except Exception as exc:  # a member that does not unpack to what it declares (bad CRC), broken XML ...
        raise _unreadable(exc) from None
    finally:
        book.close()
    return [str(h) if h is not None else "" for h in header], out


def _csv(data: bytes, max_rows: int) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidRequest([FieldError("file", "CSV must be UTF-8", "tệp CSV phải mã hóa UTF-8")]) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise InvalidRequest([FieldError("file", "the file is empty", "tệp trống")])
        out = _numbered(reader, max_rows)
    except csv.Error as exc:  # a cell longer than the reader's limit (131 072 characters), one line with no end ...
        line = reader.line_num
        raise InvalidRequest(
            [FieldError("file", f"line {line}: not readable as CSV: {exc}", f"dòng {line}: không đọc được CSV: {exc}")]
        ) from None
    return header, out


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
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):  # user text stays text: "=HYPERLINK(...)" is not a formula here
                cell.data_type = "s"
                cell.quotePrefix = True  # and stays text when someone edits the cell in Excel or Calc
    for column, width in zip("ABCDEFGH", (18, 14, 50, 24, 40, 18, 10, 16), strict=False):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
