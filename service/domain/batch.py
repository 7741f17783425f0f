"""Class lists (danh sách lớp) as they arrive from spreadsheets: column names, row rules, the row report."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from service.domain.vietnamese import nfc, slug

# canonical field -> how people head the column (matched ignoring case, accents and extra spaces)
COLUMNS = {
    "full_name": ("Họ và tên", "Họ tên", "Ho va ten"),
    "date_of_birth": ("Ngày sinh", "Ngày tháng năm sinh"),
    "gender": ("Giới tính",),
    "position": ("Chức vụ",),
    "unit": ("Đơn vị công tác", "Đơn vị"),
    "phone": ("Số điện thoại", "Điện thoại", "SĐT"),
    "email": ("Email", "E-mail", "Thư điện tử"),
}
REQUIRED = ("full_name", "date_of_birth", "unit")
LABELS = {k: v[0] for k, v in COLUMNS.items()}


def header_key(text: str) -> str:
    """``  Họ và  TÊN `` -> ``ho va ten``: how headers are compared."""
    return " ".join(slug(text, max_length=200).split("-"))


_HEADERS = {header_key(alias): name for name, aliases in COLUMNS.items() for alias in aliases}


def map_headers(headers: list[str]) -> dict[int, str]:
    """Column index -> field name; unknown columns keep a slug of their header as field name."""
    out: dict[int, str] = {}
    for i, h in enumerate(headers):
        if h is None or not str(h).strip():
            continue
        key = header_key(str(h))
        out[i] = _HEADERS.get(key, key.replace(" ", "_"))
    return out


@dataclass(frozen=True)
class RowProblem:
    """One bad cell: the spreadsheet row number (as the user sees it), the column heading, why."""

    row: int
    column: str
    reason_en: str
    reason_vi: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason_en, "reason_vi": self.reason_vi}


@dataclass
class ClassList:
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (spreadsheet row, fields), valid ones
    problems: list[RowProblem] = field(default_factory=list)
    skipped_empty: int = 0


def parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return nfc(value).strip()  # a spreadsheet cell: names, dates, codes
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


HEADER_ROWS = 10
"""The header row is the first of the sheet's first rows that names every required column: a title (the school's
name, the list's, merged across the top) and blank lines may come before it."""


def _header_row(
    headers: list[str], raw_rows: list[tuple[int, list[Any]]]
) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """The header row (see ``HEADER_ROWS``) and the rows under it; row 1 and every other row when none names them."""
    candidates = [headers, *([str(c) if c is not None else "" for c in cells] for _, cells in raw_rows)]
    for i, cells in enumerate(candidates[:HEADER_ROWS]):
        if set(REQUIRED) <= set(map_headers(cells).values()):
            return cells, raw_rows[i:]
    return headers, raw_rows


def check_rows(headers: list[str], raw_rows: list[tuple[int, list[Any]]]) -> ClassList:
    """Validate every row before anything is numbered: required cells, readable dates, the same person twice."""
    headers, raw_rows = _header_row(headers, raw_rows)
    columns = map_headers(headers)
    result = ClassList()
    missing = [LABELS[f] for f in REQUIRED if f not in columns.values()]
    if missing:
        result.problems.append(
            RowProblem(
                1,
                ", ".join(missing),
                f"required column(s) missing: no row among the first {HEADER_ROWS} rows names them",
                f"thiếu cột bắt buộc: không dòng nào trong {HEADER_ROWS} dòng đầu ghi tên các cột này",
            )
        )
        return result
    seen: dict[tuple[str, date], int] = {}
    for number, cells in raw_rows:
        values = {columns[i]: _clean(v) for i, v in enumerate(cells) if i in columns}
        if all(v is None or (isinstance(v, str) and not v) for v in values.values()):
            result.skipped_empty += 1
            continue
        row_problems = []
        for f in REQUIRED:
            if values.get(f) in (None, ""):
                row_problems.append(RowProblem(number, LABELS[f], "missing value", "thiếu giá trị"))
        born = parse_date(values["date_of_birth"]) if values.get("date_of_birth") not in (None, "") else None
        if values.get("date_of_birth") not in (None, "") and born is None:
            row_problems.append(
                RowProblem(
                    number,
                    LABELS["date_of_birth"],
                    f"unreadable date {values['date_of_birth']!r} (expected dd/mm/yyyy)",
                    f"ngày không đọc được {values['date_of_birth']!r} (cần dd/mm/yyyy)",
                )
            )
        if not row_problems and born is not None:
            person = (unicodedata.normalize("NFC", str(values["full_name"])).casefold(), born)
            if person in seen:
                row_problems.append(
                    RowProblem(
                        number,
                        LABELS["full_name"],
                        f"same person as row {seen[person]}",
                        f"trùng người với dòng {seen[person]}",
                    )
                )
            else:
                seen[person] = number
        if row_problems:
            result.problems.extend(row_problems)
            continue
        assert born is not None
        values["date_of_birth"] = born.isoformat()
        fields = {k: ("" if v is None else v if not isinstance(v, (int, float)) else str(v)) for k, v in values.items()}
        result.rows.append((number, fields))
    return result


def letter_name(number: int | None, name: str) -> str:
    """The file name of one issued letter in a batch: ``<number>-<slug of name>.pdf``."""
    return f"{number or 0:02d}-{slug(name)}.pdf"
