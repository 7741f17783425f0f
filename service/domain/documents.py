"""Documents, jobs and their official numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from service.domain.vietnamese import two_digits


class DocumentStatus(StrEnum):
    """requested -> (direct) numbered -> issued; requested -> (review) draft -> submitted -> signed -> issued, or
    submitted -> rejected -> submitted ...; failed when its job failed for good."""

    REQUESTED = "requested"
    NUMBERED = "numbered"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REJECTED = "rejected"
    SIGNED = "signed"
    ISSUED = "issued"
    FAILED = "failed"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


BODY_ABBREVIATION = "[A-ZĐ0-9]{1,12}"
"""A body's abbreviation (chữ viết tắt tên cơ quan), e.g. TCT, ĐTN: it names the body's register and is printed in
every number it issues (``05/GTT-TCT``)."""


@dataclass(frozen=True)
class Notation:
    """Số và ký hiệu (number and notation), e.g. ``05/QĐ-TCT``.

    number: the register's running number, from 1 each 1 January; 0 for a draft (shown as ``.../QĐ-TCT``).
    type_abbreviation: the document type's abbreviation (QĐ, GTT, ...); empty for a công văn.
    body_abbreviation: the issuing body's abbreviation (TCT).
    """

    number: int
    type_abbreviation: str
    body_abbreviation: str

    @property
    def symbol(self) -> str:
        """Ký hiệu: the type and body abbreviations, ``QĐ-TCT``."""
        return "-".join(p for p in (self.type_abbreviation, self.body_abbreviation) if p)

    def __str__(self) -> str:
        return f"{two_digits(self.number)}/{self.symbol}" if self.number else f".../{self.symbol}"


@dataclass(frozen=True)
class DocumentFilter:
    """What a list of documents is narrowed to; None or empty: no narrowing.

    status: a :class:`DocumentStatus` value.
    template: a template id.
    notation: part of the số và ký hiệu, e.g. ``QĐ`` or ``05/``.
    created_from, created_before: the instants (aware) the request was made between.
    filed: True, only documents filed in a hồ sơ; False, only those not filed yet.
    organisation: only the documents of that body (its abbreviation).
    by_issue: the list in the order documents were issued (by day, then as they were requested), those not issued
        last; not newest first (to file them in a hồ sơ in the order they were issued).
    """

    status: str | None = None
    template: str | None = None
    notation: str | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None
    filed: bool | None = None
    organisation: str | None = None
    by_issue: bool = False


@dataclass(frozen=True)
class IssuedWindow:
    """Which issued documents a search reads: those of ``template`` issued from ``issued_from`` to ``issued_to``
    (both included, the ngày ban hành); None: no narrowing."""

    template: str | None = None
    issued_from: date | None = None
    issued_to: date | None = None
