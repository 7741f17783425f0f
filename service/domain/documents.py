"""Documents, jobs and their official numbers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from service.domain.vietnamese import two_digits


class DocumentStatus(StrEnum):
    REQUESTED = "requested"
    NUMBERED = "numbered"
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

    number: the register's running number, from 1 each 1 January.
    type_abbreviation: the document type's abbreviation (QĐ, GTT, ...); empty for a công văn.
    body_abbreviation: the issuing body's abbreviation (TCT).
    """

    number: int
    type_abbreviation: str
    body_abbreviation: str

    def __str__(self) -> str:
        symbol = "-".join(p for p in (self.type_abbreviation, self.body_abbreviation) if p)
        return f"{two_digits(self.number)}/{symbol}"
