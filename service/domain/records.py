"""Records (tài liệu lưu trữ): an issued document's archive metadata (NĐ 30/2020 Phụ lục VI) and the files
(hồ sơ) documents are kept in for their retention period (thời hạn bảo quản, Luật Lưu trữ 2024).

- :class:`ArchiveMetadata`: one document's Phụ lục VI fields, filled at issue from its template, the register and
  its signers (``service.services.issuing.archive_metadata``); ``file_code`` and ``doc_ordinal`` come when it is
  filed into a hồ sơ.
- :data:`RECORD_DEFAULTS`: what a person decides (priority, độ khẩn; retention, thời hạn bảo quản), by document
  type, until someone decides otherwise.
- :class:`RecordFile`: a hồ sơ (code, title, retention, rights, start and end dates), open or closed; its rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

LANGUAGE = "Tiếng Việt"
"""Every document of the service is in Vietnamese (Phụ lục VI's Language)."""

MAX_FILE_DOCUMENTS = 5000
"""How many documents one step may file at once (a batch's call-up letters fit)."""


class Priority(StrEnum):
    """Độ khẩn (priority): normal unless a person marks the document urgent; edXML's Priority codes 0-3."""

    NORMAL = "thường"
    URGENT = "khẩn"
    VERY_URGENT = "thượng khẩn"
    EXPRESS = "hỏa tốc"

    @property
    def code(self) -> int:
        """The priority's code in an edXML package (QCVN 102:2016: 0 normal ... 3 express)."""
        return list(Priority).index(self)


class Rights(StrEnum):
    """Chế độ sử dụng (access rights) of a hồ sơ: open to read, or restricted to its own body."""

    PUBLIC = "công khai"
    RESTRICTED = "hạn chế"


@dataclass(frozen=True)
class Retention:
    """Thời hạn bảo quản (retention): ``years`` after the hồ sơ's end date, or permanent (``years`` None)."""

    years: int | None

    @property
    def permanent(self) -> bool:
        return self.years is None

    @property
    def label(self) -> str:
        """As a list of retention periods writes it: "Vĩnh viễn" or "10 năm"."""
        return "Vĩnh viễn" if self.years is None else f"{self.years} năm"

    def ends(self, end_date: date) -> date | None:
        """The day the retention of a hồ sơ ending ``end_date`` is over; None when permanent; the calendar's last
        day when it would end past it."""
        if self.years is None:
            return None
        if end_date.year + self.years > date.max.year:
            return date.max
        try:
            return end_date.replace(year=end_date.year + self.years)
        except ValueError:  # 29 February
            return end_date.replace(year=end_date.year + self.years, day=28)

    @classmethod
    def parse(cls, value: int | str | None) -> Retention:
        """From the API's and the database's form: a number of years, or None / "permanent" for ever."""
        if value is None or value == "permanent":
            return cls(None)
        years = int(value)
        if not 1 <= years <= 100:
            raise ValueError("retention is 1 to 100 years, or permanent")
        return cls(years)

    def to_json(self) -> int | None:
        return self.years


@dataclass(frozen=True)
class RecordDefaults:
    """What a document of a type is given until a person decides otherwise."""

    priority: Priority
    retention: Retention


RECORD_DEFAULTS: dict[str, RecordDefaults] = {
    # After Thông tư 10/2022/TT-BNV's table of retention periods, as the school applies it.
    "quyet-dinh-mo-lop": RecordDefaults(Priority.NORMAL, Retention(None)),  # decisions on training: permanent
    "quy-che-phoi-hop": RecordDefaults(Priority.NORMAL, Retention(None)),  # regulations: permanent
    "ke-hoach": RecordDefaults(Priority.NORMAL, Retention(20)),
    "bao-cao-ket-qua": RecordDefaults(Priority.NORMAL, Retention(20)),
    "cong-van-chieu-sinh": RecordDefaults(Priority.NORMAL, Retention(10)),
    "giay-trieu-tap": RecordDefaults(Priority.NORMAL, Retention(10)),
}
FALLBACK_DEFAULTS = RecordDefaults(Priority.NORMAL, Retention(10))
"""A template not in :data:`RECORD_DEFAULTS` (a body's own): normal priority, 10 years."""


def defaults_for(template_id: str) -> RecordDefaults:
    return RECORD_DEFAULTS.get(template_id, FALLBACK_DEFAULTS)


@dataclass(frozen=True)
class SignerInfo:
    """Người ký: ``competence`` (thẩm quyền ký: "KT. Hiệu trưởng", "TM. Ban Giám hiệu"; empty when the head signs in
    their own name), ``position`` (chức vụ) and ``full_name``."""

    full_name: str
    position: str
    competence: str = ""

    @classmethod
    def of(cls, block: dict[str, Any]) -> SignerInfo:
        """From a template's signing block (``{"authority", "title", "name"}``)."""
        return cls(str(block.get("name", "")), str(block.get("title", "")), str(block.get("authority", "")))


@dataclass(frozen=True)
class ArchiveMetadata:
    """Thông tin đầu vào của tài liệu lưu trữ (NĐ 30/2020 Phụ lục VI) of one issued document.

    file_code: the hồ sơ's code (mã hồ sơ) once filed, else None; doc_ordinal: its place in that hồ sơ (số thứ tự).
    type_name: tên loại văn bản ("Quyết định"); code_number: số ("05"); code_notation: ký hiệu ("QĐ-TCT").
    issued_date: ngày ban hành; organ_name: tên cơ quan ban hành; subject: trích yếu nội dung.
    language: ngôn ngữ; page_amount: số trang; signers: người ký, in signing-block order.
    to: nơi nhận, as the document lists them; priority: độ khẩn; issued_amount: số lượng bản (one per recipient
    and the archive's); retention: thời hạn bảo quản; description: ghi chú; due_date: hạn giải quyết, if any.
    """

    type_name: str
    code_number: str
    code_notation: str
    issued_date: date
    organ_name: str
    subject: str
    page_amount: int
    signers: tuple[SignerInfo, ...]
    to: tuple[str, ...]
    priority: Priority
    issued_amount: int
    retention: Retention
    language: str = LANGUAGE
    description: str = ""
    due_date: date | None = None
    file_code: str | None = None
    doc_ordinal: int | None = None

    @property
    def notation(self) -> str:
        """Số và ký hiệu, as the document prints it: ``05/QĐ-TCT``."""
        return f"{self.code_number}/{self.code_notation}"

    def filed(self, file_code: str | None, ordinal: int | None) -> ArchiveMetadata:
        """The same metadata with its hồ sơ."""
        return ArchiveMetadata(**{**self.__dict__, "file_code": file_code, "doc_ordinal": ordinal})

    def to_json(self) -> dict[str, Any]:
        """As stored with the document and shown by the API (dates ISO, retention in years or null)."""
        return {
            "file_code": self.file_code,
            "doc_ordinal": self.doc_ordinal,
            "type_name": self.type_name,
            "code_number": self.code_number,
            "code_notation": self.code_notation,
            "issued_date": self.issued_date.isoformat(),
            "organ_name": self.organ_name,
            "subject": self.subject,
            "language": self.language,
            "page_amount": self.page_amount,
            "signers": [
                {"full_name": s.full_name, "position": s.position, "competence": s.competence} for s in self.signers
            ],
            "to": list(self.to),
            "priority": self.priority.value,
            "issued_amount": self.issued_amount,
            "retention_years": self.retention.to_json(),
            "description": self.description,
            "due_date": self.due_date.isoformat() if self.due_date else None,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> ArchiveMetadata:
        return cls(
            type_name=value["type_name"],
            code_number=value["code_number"],
            code_notation=value["code_notation"],
            issued_date=date.fromisoformat(value["issued_date"]),
            organ_name=value["organ_name"],
            subject=value["subject"],
            page_amount=int(value["page_amount"]),
            signers=tuple(SignerInfo(s["full_name"], s["position"], s.get("competence", "")) for s in value["signers"]),
            to=tuple(value["to"]),
            priority=Priority(value["priority"]),
            issued_amount=int(value["issued_amount"]),
            retention=Retention(value["retention_years"]),
            language=value.get("language", LANGUAGE),
            description=value.get("description", ""),
            due_date=date.fromisoformat(value["due_date"]) if value.get("due_date") else None,
            file_code=value.get("file_code"),
            doc_ordinal=value.get("doc_ordinal"),
        )


def signers_of(data: dict[str, Any]) -> tuple[SignerInfo, ...]:
    """The signing blocks a template prints (its own leader's, then a joint document's partner's)."""
    blocks = [data.get("signer"), data.get("partner_signer")]
    return tuple(SignerInfo.of(b) for b in blocks if isinstance(b, dict) and b.get("name"))


@dataclass(frozen=True)
class RecordFile:
    """Hồ sơ (a file of records): ``code`` (mã hồ sơ, unique, e.g. ``2026.ĐT.05``), ``title`` (tiêu đề),
    ``organisation`` that keeps it, ``retention``, ``rights`` (chế độ sử dụng), ``creator`` (người lập),
    ``start_date`` and ``end_date`` (thời gian bắt đầu, kết thúc), ``closed_at`` once closed (no more documents),
    ``destruction_proposed_at`` once an admin marked it for destruction after its retention ended."""

    code: str
    title: str
    organisation: str
    retention: Retention
    rights: Rights
    creator: str
    start_date: date
    end_date: date | None
    language: str = LANGUAGE
    closed_at: datetime | None = None
    destruction_proposed_at: datetime | None = None
    description: str = field(default="")

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    def retention_ends(self) -> date | None:
        """The day its retention is over (counted from its end date); None while open or when permanent."""
        if self.end_date is None or not self.closed:
            return None
        return self.retention.ends(self.end_date)


SAFE_NAME = re.compile(r"\w[\w.-]{0,59}")
"""A hồ sơ's code (the export's folder): a letter, digit or ``_`` first, then those and ``.`` ``-``; 1 to 60
characters (with no ``..`` besides, :func:`check_code`: it cannot lead out of the folder)."""


def check_code(code: str) -> str | None:
    """Why ``code`` (in NFC: the service normalises it first) cannot be a hồ sơ's code, or None."""
    if not SAFE_NAME.fullmatch(code) or ".." in code:
        return "1 to 60 letters, digits and . - _, not starting with . or -, no '..'"
    return None


@dataclass(frozen=True)
class FiledDocument:
    """A document as a hồ sơ's export lists it: its metadata (filed), the PDF's name in the ZIP and its sha256."""

    metadata: ArchiveMetadata
    file_name: str
    sha256: str
