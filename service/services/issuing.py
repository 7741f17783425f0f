"""Issuing (ban hành): the only module that takes numbers from a register, fills a document's number and date and
writes the register's lines (sổ đăng ký văn bản đi).

Three ways in, one set of rules: a single direct document (``number_document``), a batch's letters, contiguous and
in list order (``number_letters``), and a reviewed document the clerk issues (``take_number``, with a manual number's
duplicate and gap rules, then ``record``, which writes the partner bodies' lines too). Every function works inside
the caller's transaction: a number is taken only if that transaction commits.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from service.adapters.orm import DocumentRow
from service.domain.documents import DocumentStatus, Notation
from service.domain.registers import DEFAULT_REGISTER
from service.domain.templates import Template
from service.errors import DuplicateNumber, FieldError, InvalidRequest
from service.services.ports import UnitOfWork

__all__ = [
    "DEFAULT_REGISTER",
    "DuplicateNumber",
    "number_document",
    "number_letters",
    "record",
    "register_line",
    "subject_of",
    "take_number",
]


def notation(template: Template, organisation: str, number: int) -> str:
    """Số và ký hiệu of the ``number`` in ``organisation``'s register, e.g. ``05/QĐ-TCT``."""
    return str(Notation(number, template.type_abbreviation, organisation))


def subject_of(template: Template, data: dict[str, Any]) -> str:
    """Trích yếu: what the document is about, for the register."""
    about = data.get("subject") or data.get("title") or (data.get("class") or {}).get("name") or ""
    return f"{template.title} {about}".strip()


def register_line(doc: DocumentRow | dict[str, Any], template: Template, **override: Any) -> dict[str, Any]:
    """The register line (sổ đăng ký văn bản đi) of a numbered document (a row, or a batch's row values)."""
    d = (
        doc
        if isinstance(doc, dict)
        else {
            c: getattr(doc, c)
            for c in ("id", "organisation", "register", "year", "number", "notation", "issued_on", "data", "signer")
        }
    )
    data = d["data"]
    values = {
        "organisation": d["organisation"],
        "register": d["register"],
        "year": d["year"],
        "number": d["number"],
        "notation": d["notation"],
        "document_id": d["id"],
        "issued_on": d["issued_on"],
        "type_name": template.title,
        "subject": subject_of(template, data),
        "signer": d.get("signer") or (data.get("signer") or {}).get("name", ""),
        "recipients": list(data.get("recipients") or []),
        "archive_unit": (data.get("organisation") or {}).get("archive_unit") or "",
        "manual": False,
    }
    return values | override


def number_document(tx: UnitOfWork, row: DocumentRow, template: Template, issued_on: date) -> None:
    """A direct document's number and date, taken once: a document numbered already (a retried job) keeps its
    number. The document becomes ``numbered`` and gets its register line."""
    if row.number is not None:
        return
    number = tx.repo.take_number(row.organisation, row.register, issued_on.year)
    row.number, row.year, row.issued_on = number, issued_on.year, issued_on
    row.notation = notation(template, row.organisation, number)
    row.status = DocumentStatus.NUMBERED
    tx.repo.insert_register_lines([register_line(row, template)])


def number_letters(
    tx: UnitOfWork, template: Template, organisation: str, issued_on: date, letters: list[dict[str, Any]]
) -> None:
    """A batch's letters (documents' column values, without number or date), numbered contiguously in list order
    and written with their register lines: one counter update and two bulk inserts, no ORM object per letter."""
    first = tx.repo.take_numbers(organisation, DEFAULT_REGISTER, issued_on.year, len(letters))
    for i, letter in enumerate(letters):
        letter |= {
            "status": DocumentStatus.NUMBERED,
            "organisation": organisation,
            "register": DEFAULT_REGISTER,
            "year": issued_on.year,
            "issued_on": issued_on,
            "number": first + i,
            "notation": notation(template, organisation, first + i),
        }
    tx.repo.insert_letters(letters)
    tx.repo.insert_register_lines([register_line(r, template) for r in letters])


def take_number(tx: UnitOfWork, doc: DocumentRow, template: Template, year: int, manual: int | None) -> int:
    """The number a reviewed document is issued with: the register's next one, or the clerk's ``manual`` number,
    refused if another document has it already or if it would leave a gap (it may be an earlier, unused one)."""
    if manual is None:
        return tx.repo.take_number(doc.organisation, doc.register, year)
    first = tx.repo.register_entry(doc.organisation, doc.register, year, manual)
    if first is not None:
        raise DuplicateNumber(notation(template, doc.organisation, manual), first)
    last = tx.repo.counter(doc.organisation, doc.register, year)
    if manual < 1 or manual > last + 1:
        raise InvalidRequest(
            [
                FieldError(
                    "number",
                    f"the next number is {last + 1}; {manual} would leave a gap",
                    f"số tiếp theo là {last + 1}; số {manual} sẽ để trống số",
                )
            ]
        )
    if manual == last + 1:
        tx.repo.take_number(doc.organisation, doc.register, year)
    return manual


def record(tx: UnitOfWork, doc: DocumentRow, template: Template, manual: bool) -> None:
    """One line in the issuing body's register, and one in each partner body's register (its own number) for a
    joint document (văn bản liên tịch)."""
    assert doc.year is not None
    lines = [register_line(doc, template, manual=manual)]
    for partner in sorted({s["organisation"] for s in doc.signatures} - {doc.organisation}):
        partner_number = tx.repo.take_number(partner, doc.register, doc.year)
        lines.append(register_line(doc, template, organisation=partner, number=partner_number))
    tx.repo.insert_register_lines(lines)
