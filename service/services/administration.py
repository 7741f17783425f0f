"""What an administrator (quản trị) does from the admin page: the people of every body (sorted the Vietnamese
way), a person's roles, title, signing credential and whether they may log in, a new password or API key (shown
once, only its hash kept), and a template version's placeholders and preview. Every change is audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from service.adapters.orm import UserRow
from service.adapters.preview import page_picture
from service.adapters.renderer import inspect_docx, render_docx
from service.domain.clock import Clock
from service.domain.office import Principal, Role
from service.domain.templates import Template
from service.domain.vietnamese import name_sort_key
from service.errors import FieldError, InvalidRequest, NotFound
from service.services.auth import (
    CREDENTIAL_FIELDS,
    KEPT_WITH_CREDENTIAL,
    add_api_key,
    hash_password,
    require,
    unknown_credential_fields,
)
from service.services.ports import Database, PdfConverter, UnitOfWork
from service.services.production import render_context
from service.services.templates import TemplateCatalog
from signing import CredentialInvalid, parse_credential


@dataclass(frozen=True)
class Person:
    """A user as the admin page lists them; the credential says where the key is (never a PIN), without the
    recorded certificate's text."""

    username: str
    full_name: str
    title: str
    organisation: str
    roles: list[str]
    active: bool
    credential: dict[str, str] | None
    has_certificate: bool
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class UserChange:
    """What an admin changes of a person; None leaves a field as it is. ``credential`` ``{}`` removes it."""

    full_name: str | None = None
    title: str | None = None
    roles: list[str] | None = None
    active: bool | None = None
    credential: dict[str, str] | None = None


def _person(u: UserRow) -> Person:
    credential = dict(u.credential) if u.credential else None
    return Person(
        u.username,
        u.full_name,
        u.title,
        u.organisation,
        sorted(u.roles),
        bool(u.active),
        {k: v for k, v in credential.items() if k != "certificate"} if credential else None,
        bool(credential and credential.get("certificate")),
        u.created_at,
    )


def people(db: Database, who: Principal) -> list[Person]:
    """Everyone, sorted by given name, middle and family name the Vietnamese way, then username (admin only)."""
    require(who, Role.ADMIN)
    with db.uow() as tx:
        users = tx.repo.users()
    return [_person(u) for u in sorted(users, key=lambda u: (name_sort_key(u.full_name), u.username))]


def _user(tx: UnitOfWork, username: str) -> UserRow:
    user = tx.repo.user_by_name(username)
    if user is None:
        raise NotFound(f"no user {username!r}", f"Không có người dùng {username!r}")
    return user


def _checked_credential(stored: dict[str, str]) -> dict[str, str]:
    if unknown := unknown_credential_fields(stored, CREDENTIAL_FIELDS):
        raise InvalidRequest(unknown)
    try:
        parse_credential(stored)
    except CredentialInvalid as exc:
        raise InvalidRequest(
            [FieldError(f"credential.{exc.field}", str(exc), f"thông tin khóa ký thiếu hoặc sai trường {exc.field}")]
        ) from None
    return stored


def change_user(db: Database, who: Principal, username: str, change: UserChange) -> Person:
    """Change a person's name, title, roles, credential or whether they may log in (admin). A person made inactive
    is logged out everywhere at once; an admin cannot deactivate themselves or drop their own admin role."""
    require(who, Role.ADMIN)
    problems = []
    if change.roles is not None:
        problems += [
            FieldError("roles", f"unknown role {r}", f"không có vai trò {r}")
            for r in change.roles
            if r not in {x.value for x in Role}
        ]
        if not change.roles:
            problems.append(FieldError("roles", "at least one role", "cần ít nhất một vai trò"))
    if change.full_name is not None and not change.full_name.strip():
        problems.append(FieldError("full_name", "must not be empty", "không được để trống"))
    if username == who.username and change.active is False:
        problems.append(FieldError("active", "you cannot deactivate yourself", "không thể tự khóa tài khoản của mình"))
    if username == who.username and change.roles is not None and Role.ADMIN.value not in change.roles:
        problems.append(
            FieldError("roles", "you cannot drop your own admin role", "không thể tự bỏ vai trò quản trị của mình")
        )
    if problems:
        raise InvalidRequest(problems)
    with db.uow() as tx:
        user = _user(tx, username)
        changed: dict[str, object] = {}
        if change.full_name is not None and change.full_name.strip() != user.full_name:
            user.full_name = changed["full_name"] = change.full_name.strip()
        if change.title is not None and change.title.strip() != user.title:
            user.title = changed["title"] = change.title.strip()
        if change.roles is not None and sorted(set(change.roles)) != sorted(user.roles):
            user.roles = changed["roles"] = sorted(set(change.roles))
        if change.credential is not None:
            kept = {k: v for k, v in (user.credential or {}).items() if k in KEPT_WITH_CREDENTIAL}
            given = {k: v.strip() for k, v in change.credential.items() if k not in KEPT_WITH_CREDENTIAL and v.strip()}
            credential = (_checked_credential(given) | kept) if given else (kept or None)
            if credential != user.credential:
                user.credential = credential
                changed["credential"] = given.get("kind", "removed")
        if change.active is not None and change.active != user.active:
            user.active = changed["active"] = change.active
            if not change.active:
                tx.repo.end_sessions_of(user.id)
        if changed:
            tx.repo.append_audit(who.username, "change_user", user.id, {"username": username, **changed})
        tx.commit()
        return _person(user)


def reset_password(db: Database, who: Principal, username: str) -> str:
    """A new random password for ``username`` (admin), returned once to be handed over; only its hash is kept. The
    person's sessions end."""
    require(who, Role.ADMIN)
    password = secrets.token_urlsafe(12)
    with db.uow() as tx:
        user = _user(tx, username)
        user.password_hash = hash_password(password)
        tx.repo.end_sessions_of(user.id)
        tx.repo.append_audit(who.username, "reset_password", user.id, {"username": username})
        tx.commit()
    return password


def new_api_key(db: Database, who: Principal, username: str) -> str:
    """A new API key for ``username`` (admin), returned once; only its hash is kept."""
    require(who, Role.ADMIN)
    with db.uow() as tx:
        user = _user(tx, username)
        key = add_api_key(tx, user.id)
        tx.repo.append_audit(who.username, "create_api_key", user.id, {"username": username})
        tx.commit()
    return key


@dataclass(frozen=True)
class TemplateDetails:
    """A template version as the admin page shows it: the template, and the placeholders its .docx uses."""

    template: Template
    placeholders: list[str]


def template_details(
    templates: TemplateCatalog, who: Principal, template_id: str, version: str | None
) -> TemplateDetails:
    """A version (the newest by default) with the placeholders its .docx uses (admin)."""
    require(who, Role.ADMIN)
    t = templates.get(template_id, version)
    return TemplateDetails(t, sorted(inspect_docx(t.docx).placeholders))


class TemplatePreviews:
    """Pictures of a template version filled with its example (number ``01/VD``, today's date): rendered and
    converted once per version in this process."""

    def __init__(self, templates: TemplateCatalog, converter: PdfConverter, clock: Clock, keep: int = 8) -> None:
        self.templates, self.converter, self.clock, self.keep = templates, converter, clock, keep
        self._pdfs: dict[str, bytes] = {}

    def page(self, who: Principal, template_id: str, version: str | None, page: int) -> bytes:
        require(who, Role.ADMIN)
        t = self.templates.get(template_id, version)
        pdf = self._pdfs.get(t.version)
        if pdf is None:
            docx = render_docx(t.docx, render_context(t, t.example, "01/VD", self.clock.today(), self.templates))
            pdf = self.converter.to_pdf(docx)
            if len(self._pdfs) >= self.keep:
                self._pdfs.pop(next(iter(self._pdfs)))
            self._pdfs[t.version] = pdf
        return page_picture(pdf, page)
