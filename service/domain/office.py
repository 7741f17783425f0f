"""The office around a document: who may do what, and the review flow's states.

Roles: requester (chuyên viên) asks for documents; clerk (văn thư) issues them (number, date, the organisation's
signature) and keeps the register; signer (lãnh đạo) signs with their own key; admin manages users and templates.

Review flow: draft (rendered, no number) -> submitted (waiting for its signers, in order) -> signed (every signer
has signed) -> issued (the clerk gave it its number and date and the organisation signed). A signer may reject a
submitted document with a reason: it goes back to the requester (rejected), who may submit it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from service.domain.documents import DocumentStatus


class Role(StrEnum):
    REQUESTER = "requester"
    CLERK = "clerk"
    SIGNER = "signer"
    ADMIN = "admin"


ROLE_NAMES_VI: dict[Role, str] = {
    Role.REQUESTER: "chuyên viên",
    Role.CLERK: "văn thư",
    Role.SIGNER: "lãnh đạo",
    Role.ADMIN: "quản trị",
}
"""Each role as the office calls it (the English names are the roles' values)."""

WEBHOOK_ROLES = (Role.REQUESTER, Role.CLERK, Role.ADMIN)
"""The roles that may register a webhook endpoint; an endpoint is sent events only while its owner holds one."""


class Workflow(StrEnum):
    """direct: rendered, numbered, signed by the organisation and issued at once (call-up letters).
    review: the office flow above (decisions, regulations, reports, plans)."""

    DIRECT = "direct"
    REVIEW = "review"


def choose_workflow(template_default: str, asked: str | None) -> Workflow:
    """A request may ask for review on a direct template, never the other way round."""
    default = Workflow(template_default)
    if asked is None:
        return default
    wanted = Workflow(asked)
    if default == Workflow.REVIEW and wanted == Workflow.DIRECT:
        raise ValueError("a template that needs review cannot be issued directly")
    return wanted


@dataclass(frozen=True)
class Principal:
    """Who is calling: a person logged in, or a system with an API key."""

    user_id: str
    username: str
    full_name: str
    title: str
    organisation: str
    roles: frozenset[str]

    def has(self, role: Role) -> bool:
        return role.value in self.roles


def parties(schema: dict[str, object]) -> int:
    """How many bodies sign a document made from a template with this schema: two for a joint document (quy chế
    phối hợp, with a ``partner_signer``), else one."""
    properties = schema.get("properties")
    return 2 if isinstance(properties, dict) and "partner_signer" in properties else 1


def next_signer(signers: list[str], signatures: list[dict[str, object]]) -> str | None:
    """The username whose signature the document waits for, in the order the request set; None when all signed."""
    return signers[len(signatures)] if len(signatures) < len(signers) else None


def signature_field(signer_organisation: str, document_organisation: str) -> tuple[str, str]:
    """The PDF field and template mark of a signer: the issuing body's leader signs its own block
    (``[[sig:leader]]``), a partner body's leader theirs (``[[sig:partner]]``)."""
    if signer_organisation == document_organisation:
        return "LanhDao", "sig:leader"
    return "DoiTac", "sig:partner"


SUBMITTABLE = (DocumentStatus.DRAFT, DocumentStatus.REJECTED)  # a draft, or a rejected document sent again


def can_see(who: Principal, organisation: str, signers: Iterable[str], signed_by: Iterable[str]) -> bool:
    """Who sees a document of ``organisation``: admins, that body, the document's ``signers``, and the bodies that
    signed it (``signed_by``: a joint document's partner)."""
    return (
        who.has(Role.ADMIN)
        or who.organisation == organisation
        or who.username in signers
        or who.organisation in signed_by
    )


def waits_for(status: str, signers: list[str], signatures: list[dict[str, object]], username: str) -> bool:
    """Whether a document waits for ``username``'s signature (or rejection): submitted, and their turn."""
    return status == DocumentStatus.SUBMITTED and next_signer(signers, signatures) == username


def status_after(signers: list[str], signatures: list[dict[str, object]]) -> DocumentStatus:
    """A document with these ``signatures`` (the new one included): signed once every signer has signed, else still
    waiting."""
    return DocumentStatus.SIGNED if len(signatures) >= len(signers) else DocumentStatus.SUBMITTED
