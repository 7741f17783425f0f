"""What a person may look at (tra cứu văn bản của tôi): their documents page by page, one document's history from
the audit log, its signatures in words, and the signers a request may name. Every answer passes the same
visibility rule as opening one document (``visibility.can_see``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from service.adapters.orm import DocumentRow
from service.domain.audit import Entry
from service.domain.clock import VIETNAM
from service.domain.documents import DocumentFilter
from service.domain.office import Principal, Role
from service.domain.vietnamese import name_sort_key
from service.errors import FieldError, InvalidRequest
from service.services.ports import Database
from service.services.visibility import can_see, check_can_see


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


FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


def vietnamese_day_start(day: date) -> datetime:
    """00:00 in Vietnam on ``day``: a date filter means the Vietnamese day, whatever the server's time zone."""
    return datetime.combine(day, time(), VIETNAM)


def document_filter(
    status: str | None,
    template: str | None,
    notation: str | None,
    created_from: date | None,
    created_to: date | None,
    filed: bool | None = None,
    organisation: str | None = None,
    by_issue: bool = False,
) -> DocumentFilter:
    """The filter of a list request; ``created_to`` includes that whole (Vietnamese) day. A day before 1900 or
    after 9998 is refused at its field (0001-01-01 in Vietnam falls before the year 1 in UTC)."""
    wrong = [
        FieldError(name, "a day from 01/01/1900 to 31/12/9998", "một ngày từ 01/01/1900 đến 31/12/9998")
        for name, day in (("created_from", created_from), ("created_to", created_to))
        if day is not None and not FIRST_DAY <= day <= LAST_DAY
    ]
    if wrong:
        raise InvalidRequest(wrong)
    return DocumentFilter(
        status=status or None,
        template=template or None,
        notation=notation.strip() if notation and notation.strip() else None,
        created_from=vietnamese_day_start(created_from) if created_from else None,
        created_before=vietnamese_day_start(created_to + timedelta(days=1)) if created_to else None,
        filed=filed,
        organisation=organisation or None,
        by_issue=by_issue,
    )


def documents_of(db: Database, who: Principal, where: DocumentFilter, page: int, page_size: int) -> Page:
    """The documents ``who`` may see (an admin: all), newest first (or by issue), one page of them (pages from 1)."""
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
    """Everyone who may sign (a review request names its signers among them), by body, then in Vietnamese order
    of their names (given name first, tones after letters)."""
    with db.uow() as tx:
        users = tx.repo.active_users_with_role(Role.SIGNER.value)
    users.sort(key=lambda u: (u.organisation, name_sort_key(u.full_name), u.username))
    return [Signer(u.username, u.full_name, u.title, u.organisation) for u in users]
