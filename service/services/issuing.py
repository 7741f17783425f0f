"""Issuing (ban hành): the only module that takes numbers from a register, fills a document's number and date and
writes the register's lines (sổ đăng ký văn bản đi).

Three ways in, one set of rules: a single direct document (``number_document``), a batch's letters, contiguous and
in list order (``number_letters``), and a reviewed document the clerk issues (``Issuer.issue``: ``take_number``, with
a manual number's duplicate and gap rules, then ``record``, which writes the partner bodies' lines too). The
functions work inside the caller's transaction: a number is taken only if that transaction commits. ``Issuer`` also
reads a body's register for its office.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from service.domain.clock import Clock
from service.domain.data_fields import field_name, field_part, recipients_of
from service.domain.documents import DocumentStatus, Notation
from service.domain.office import Principal, Role
from service.domain.records import ArchiveMetadata, defaults_for, signers_of
from service.domain.registers import DEFAULT_REGISTER
from service.domain.templates import Template
from service.domain.vietnamese import day_month_year, two_digits
from service.errors import DuplicateNumber, FieldError, Forbidden, InvalidRequest, WrongState
from service.services.auth import require
from service.services.ports import (
    Archive,
    Database,
    DocumentRow,
    Events,
    Metrics,
    PdfPages,
    RegisterEntryRow,
    UnitOfWork,
    Unmeasured,
    Unpublished,
)
from service.services.visibility import check_state, reviewed_document
from signing.forms import field_names, fill_text_fields

__all__ = [
    "DEFAULT_REGISTER",
    "DuplicateNumber",
    "Issuer",
    "Register",
    "archive_metadata",
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
    about = data.get("subject") or data.get("title") or field_name(data, "class")
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
        "signer": d.get("signer") or field_name(data, "signer"),
        "recipients": recipients_of(data),
        "archive_unit": field_part(data, "organisation", "archive_unit"),
        "manual": False,
    }
    return values | override


def archive_metadata(doc: DocumentRow, template: Template, page_amount: int) -> ArchiveMetadata:
    """The archive metadata (NĐ 30 Phụ lục VI) of a numbered document, as it is issued: type, number and date from
    the register's fields, issuing body, trích yếu, signers and recipients from the data the template printed,
    priority and retention the type's defaults (``service.domain.records.RECORD_DEFAULTS``)."""
    assert doc.number is not None and doc.issued_on is not None
    data = doc.data
    recipients = tuple(recipients_of(data))
    defaults = defaults_for(template.id)
    return ArchiveMetadata(
        type_name=template.title,
        code_number=two_digits(doc.number),
        code_notation=Notation(doc.number, template.type_abbreviation, doc.organisation).symbol,
        issued_date=doc.issued_on,
        organ_name=field_name(data, "organisation") or doc.organisation,
        subject=subject_of(template, data),
        page_amount=page_amount,
        signers=signers_of(data),
        to=recipients,
        priority=defaults.priority,
        issued_amount=len(recipients) + 1,  # one per recipient and the archive's (as the register counts them)
        retention=defaults.retention,
    )


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


LETTERS_AT_ONCE = 500
"""Letters written per statement: a 10,000-row class list is inserted in slices, so that the letters' rows and the
parameters the database driver makes of them are never all in memory at once."""


def number_letters(
    tx: UnitOfWork,
    template: Template,
    organisation: str,
    issued_on: date,
    letters: Iterable[dict[str, Any]],
    count: int | None = None,
) -> None:
    """A batch's letters (documents' column values, without number or date), numbered contiguously in list order
    and written with their register lines: one counter update, then bulk inserts of ``LETTERS_AT_ONCE`` letters and
    their lines, no ORM object per letter. ``letters`` may be made as they are written (a generator; ``count``:
    how many it gives)."""
    if count is None:
        letters = list(letters)
        count = len(letters)
    first = tx.repo.take_numbers(organisation, DEFAULT_REGISTER, issued_on.year, count)
    written = 0
    for batch in _slices(letters, LETTERS_AT_ONCE):
        for letter in batch:
            letter |= {
                "status": DocumentStatus.NUMBERED,
                "organisation": organisation,
                "register": DEFAULT_REGISTER,
                "year": issued_on.year,
                "issued_on": issued_on,
                "number": first + written,
                "notation": notation(template, organisation, first + written),
            }
            written += 1
        tx.repo.insert_letters(batch)
        tx.repo.insert_register_lines([register_line(r, template) for r in batch])
    assert written == count, f"{count} letters announced, {written} given"


def _slices(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


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


class OrganisationSeal(Protocol):
    """The organisation's signature (``service.services.production.OrganisationSignature``)."""

    def sign(self, pdf: bytes, reason: str, location: str | None, *, prepared: bool) -> tuple[bytes, str]: ...


@dataclass(frozen=True)
class Register:
    """A body's register (sổ đăng ký văn bản đi) for a year, by number; ``failed``: the documents among them that
    failed (their numbers are kept, marked failed)."""

    organisation: str
    year: int
    entries: list[RegisterEntryRow]
    failed: set[str]


@dataclass
class Issuer:
    """The clerk's side of the office: issuing a reviewed, signed document, and the register it goes into."""

    db: Database
    archive: Archive
    template_of: Callable[[DocumentRow], Template]
    organisation: OrganisationSeal
    clock: Clock
    pages: PdfPages
    events: Events = field(default_factory=Unpublished)
    metrics: Metrics = field(default_factory=Unmeasured)

    def issue(
        self, who: Principal, document_id: str, number: int | None = None, issued_on: date | None = None
    ) -> DocumentRow:
        """Give a signed document its number and date, fill them into the PDF, apply the organisation's signature
        and record it in the register, all in one transaction: a number is taken only if the document is issued."""
        require(who, Role.CLERK)
        issued_on = issued_on or self.clock.today()
        manual = number is not None
        with self.db.uow() as tx:
            found = reviewed_document(tx, who, document_id)
        template = self.template_of(found)  # read before taking the write lock, on a connection of its own
        with self.db.uow() as tx:
            doc = reviewed_document(tx, who, document_id)
            if who.organisation != doc.organisation:
                raise Forbidden(
                    f"a clerk of {who.organisation} cannot issue for {doc.organisation}",
                    f"Văn thư của {who.organisation} không ban hành văn bản của {doc.organisation}",
                )
            check_state(doc, DocumentStatus.SIGNED)
            # the first write: takes the document (and on SQLite the database) for this transaction
            if not tx.repo.claim_for_issue(doc.id):
                raise WrongState(f"document {doc.id} is being issued", f"Văn bản {doc.id} đang được ban hành")
            year = issued_on.year
            number = take_number(tx, doc, template, year, number)
            issued_notation = notation(template, doc.organisation, number)
            pdf = self._issued_pdf(doc, issued_notation, number, issued_on)
            digest = self.archive.put(pdf, ".pdf")
            row = tx.repo.document(doc.id)
            row.number, row.year, row.issued_on, row.notation = number, year, issued_on, issued_notation
            row.pdf_sha256, row.signed_at = digest, self.clock.now()
            row.signer = "; ".join(s["name"] for s in doc.signatures)
            row.archive_metadata = archive_metadata(row, template, self.pages.count(pdf)).to_json()
            record(tx, row, template, manual)  # NumberTaken if another clerk gave the number meanwhile
            detail: dict[str, object] = {"notation": issued_notation, "pdf_sha256": digest}
            tx.repo.append_audit(who.username, "issue", doc.id, detail)
            tx.commit()
        data = {"document_id": row.id, "job_id": row.job_id, "template": row.template_id, "notation": issued_notation}
        data |= {"issued_on": issued_on.isoformat(), "pdf_sha256": digest}
        self.metrics.issued("document", 1)
        self.events.publish("document.issued", row.organisation, data)
        return row

    def _issued_pdf(self, doc: DocumentRow, issued_notation: str, number: int, issued_on: date) -> bytes:
        assert doc.pdf_sha256 is not None
        pdf = self.archive.get(doc.pdf_sha256, ".pdf")
        day, month, year = day_month_year(issued_on)
        parts = {"number": f"{number:02d}", "day": day, "month": month, "year": year}
        values = {name: parts[name.split("_")[0]] for name in field_names(pdf) if name.split("_")[0] in parts}
        pdf = fill_text_fields(pdf, values)
        place = field_name(doc.data, "place") or None
        signed, _ = self.organisation.sign(pdf, f"Ban hành {issued_notation}", place, prepared=True)
        return signed

    def register(self, who: Principal, organisation: str, year: int | None) -> Register:
        """``organisation``'s register for ``year`` (default: this Vietnamese year), read by its own clerks and
        leaders, and by admins."""
        require(who, Role.CLERK, Role.SIGNER, Role.ADMIN)
        if who.organisation != organisation and not who.has(Role.ADMIN):
            raise Forbidden(
                f"the register of {organisation} is kept by its own office",
                f"Sổ đăng ký của {organisation} do văn thư đơn vị đó quản lý",
            )
        year = year or self.clock.today().year
        with self.db.uow() as tx:
            entries = tx.repo.register_entries(organisation, DEFAULT_REGISTER, year)
            failed = tx.repo.failed_documents([e.document_id for e in entries])
        return Register(organisation, year, entries, failed)
