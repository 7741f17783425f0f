"""What an issued PDF says of itself: its metadata as a record (PDF/A-2b Info dictionary and XMP) and the address
its QR code leads to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

LANGUAGE = "vi-VN"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"  # the embedded default's own address


def verify_url(public_url: str, code: str) -> str:
    """The public verification page of the document whose code is ``code`` (what its QR code holds)."""
    return f"{public_url.rstrip('/')}/v/{code}"


@dataclass(frozen=True)
class PdfRecord:
    """The metadata an issued PDF carries, set after conversion and before any signature.

    title: the trích yếu (subject line), e.g. "Quyết định Lớp Trung cấp lý luận chính trị K12".
    author: the issuing body's name (cơ quan ban hành).
    subject: the document type and its number (số và ký hiệu) when it has one, e.g. "Quyết định số 05/QĐ-TCT".
    keywords: type, number, body, class...; written joined by "; ".
    created: when the PDF was made (XMP CreateDate and ModifyDate, Info CreationDate and ModDate).
    verify_url: the public verification page (``VANBAN_PUBLIC_URL/v/<code>``) its QR code holds; None: no QR code.
    language: the document's language, the catalog's /Lang and XMP ``dc:language``.
    """

    title: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    created: datetime
    verify_url: str | None
    language: str = LANGUAGE
