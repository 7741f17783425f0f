"""What a person may look at (tra cứu văn bản của tôi): their documents page by page, one document's history from
the audit log, its signatures in words, and the signers a request may name. Every answer passes the same
visibility rule as opening one document (``office.can_see``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from service.adapters.orm import DocumentRow
from service.domain.audit import Entry
from service.domain.clock import VIETNAM
from service.domain.documents import DocumentFilter
from service.domain.office import Principal, Role
from service.services.office import can_see, check_can_see
from service.services.ports import Database


@dataclass(frozen=True)
class Page:
    documents: list[DocumentRow]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True)
class Signer:
    username: str
    full_name: str
    title: str
    organisation: str


def vietnamese_day_start(day: date) -> datetime:
    """00:00 in Vietnam on ``day``: a date filter means the Vietnamese day, whatever the server's time zone."""
    return datetime.combine(day, time(), VIETNAM)


def document_filter(
    status: str | None, template: str | None, notation: str | None, created_from: date | None, created_to: date | None
) -> DocumentFilter:
    """The filter of a list request; ``created_to`` includes that whole (Vietnamese) day."""
    return DocumentFilter(
        status=status or None,
        template=template or None,
        notation=notation.strip() if notation and notation.strip() else None,
        created_from=vietnamese_day_start(created_from) if created_from else None,
        created_before=vietnamese_day_start(created_to + timedelta(days=1)) if created_to else None,
    )


def documents_of(db: Database, who: Principal, where: DocumentFilter, page: int, page_size: int) -> Page:
    """The documents ``who`` may see (an admin: all), newest first, one page of them (pages from 1)."""
    organisation = None if who.has(Role.ADMIN) else who.organisation
    with db.uow() as tx:
        rows, total = tx.repo.documents_page(organisation, who.username, where, (page - 1) * page_size, page_size)
    return Page([d for d in rows if can_see(who, d)], total, page, page_size)


def history_of(db: Database, who: Principal, document_id: str) -> list[Entry]:
    """What was done to the document, from the audit log, oldest first (for those who may see it)."""
    with db.uow() as tx:
        check_can_see(who, tx.repo.document(document_id))
        return tx.repo.audit_of(document_id)


def signers(db: Database) -> list[Signer]:
    """Everyone who may sign (a review request names its signers among them), by body."""
    with db.uow() as tx:
        users = tx.repo.active_users_with_role(Role.SIGNER.value)
    return [Signer(u.username, u.full_name, u.title, u.organisation) for u in users]
