"""The outgoing-document register (sổ đăng ký văn bản đi) as an office keeps it on paper: its columns, in order."""

from __future__ import annotations

from typing import Any, Protocol

COLUMNS = [
    "Số, ký hiệu văn bản",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung văn bản",
    "Người ký",
    "Nơi nhận văn bản",
    "Đơn vị, người nhận bản lưu",
    "Số lượng bản",
    "Ghi chú",
]


class Entry(Protocol):
    notation: str
    issued_on: Any
    subject: str
    signer: str
    recipients: list[str]
    archive_unit: str
    manual: bool
    number: int


FAILED_NOTE = "không ban hành được (lỗi khi tạo văn bản)"


def entry_row(e: Entry, failed: bool = False) -> list[object]:
    """One register line in COLUMNS order; copies: one per recipient plus the archive copy. ``failed``: the number
    was given to a document whose production failed for good: the line stays, noted, never a silent gap."""
    return [
        e.notation,
        e.issued_on.strftime("%d/%m/%Y"),
        e.subject,
        e.signer,
        "; ".join(e.recipients),
        f"VT, {e.archive_unit}" if e.archive_unit else "VT",
        len(e.recipients) + 1,
        "; ".join(n for n in ("số nhập tay" if e.manual else "", FAILED_NOTE if failed else "") if n),
    ]


DEFAULT_REGISTER = "default"
"""The register every document is numbered in unless it names another (one per body and year)."""
