"""Finding issued documents (tra cứu văn bản đã ban hành): by number and notation, type, the day of issue, the
signer, and any name or word in the document's data, matched the way people type Vietnamese: without accents or
with them, in any case ("nguyen van an" finds "Nguyễn Văn An"). The signer's desk (what their credential asks
for) sits here too: both are what the office's pages ask beside the API's own paths."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from service.adapters.orm import DocumentRow
from service.domain.documents import IssuedWindow
from service.domain.office import Principal, Role
from service.domain.vietnamese import folded, nfc
from service.services.auth import require
from service.services.ports import Database
from service.services.visibility import can_see

SCANNED = 5000  # issued documents read per search at most (a school issues a few thousand a year)


@dataclass(frozen=True, kw_only=True)
class IssuedQuery:
    """What a search asks; empty fields do not narrow.

    words: words of the data (a name, a class, a subject), whole words in that order; typed without accents
        they match any accents, typed with them they match those.
    notation: the number alone (``5``) or part of số và ký hiệu (``QD-TCT``, accents optional).
    template: the document type (a template id).
    issued_from, issued_to: the days of issue, both included.
    signer: words of the signer's name, matched as ``words``.
    """

    words: str = ""
    notation: str = ""
    template: str | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    signer: str = ""


@dataclass(frozen=True)
class Found:
    documents: list[DocumentRow]
    total: int


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _words(text: str, accents: bool) -> str:
    """Lower-case words of letters and digits; without accents unless ``accents``."""
    if not accents:
        return folded(text)
    return " ".join("".join(c if c.isalnum() else " " for c in nfc(text).lower()).split())


def _holds(texts: list[str], typed: str) -> bool:
    """The words ``typed`` appear, whole and in order, in one of ``texts``: typed without accents they match any
    accents ("nguyen van bao": Bảo and Bào), typed with them they match those ("Nguyễn Văn Bảo": Bảo only)."""
    accents = _words(typed, True) != folded(typed)
    wanted = _words(typed, accents)
    return not wanted or any(f" {wanted} " in f" {_words(t, accents)} " for t in texts)


def _matches(doc: DocumentRow, query: IssuedQuery) -> bool:
    number = query.notation.strip()
    if number.isdigit():
        if doc.number != int(number):
            return False
    elif folded(number) and folded(number) not in folded(doc.notation or ""):
        return False
    signers = [doc.signer or "", *(str(s.get("name", "")) for s in doc.signatures or [])]
    return _holds(signers, query.signer) and _holds(list(_strings(doc.data)), query.words)


def find_issued(db: Database, who: Principal, query: IssuedQuery, limit: int = 100) -> Found:
    """The issued documents ``who`` may see that match ``query``, latest first: at most ``limit`` of them, and how
    many match in all."""
    require(who, Role.REQUESTER, Role.CLERK, Role.SIGNER, Role.ADMIN)
    organisation = None if who.has(Role.ADMIN) else who.organisation
    with db.uow() as tx:
        window = IssuedWindow(query.template, query.issued_from, query.issued_to)
        rows = tx.repo.issued_between(organisation, who.username, window, SCANNED)
    found = [d for d in rows if can_see(who, d) and _matches(d, query)]
    return Found(found[:limit], len(found))


def credential_kind(db: Database, who: Principal) -> str | None:
    """How the signer's own key is opened (``pkcs12``, ``pkcs11``, ``csc``), None when none is set: the inbox page
    asks for a PIN, or for the signing service's token too."""
    require(who, Role.SIGNER)
    with db.uow() as tx:
        user = tx.repo.user_by_name(who.username)
    kind = (user.credential or {}).get("kind") if user else None
    return str(kind) if kind else None
