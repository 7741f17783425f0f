"""Documents, jobs and their official numbers."""

from __future__ import annotations

from dataclasses import dataclass
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
