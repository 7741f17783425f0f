"""People and the office: log in, users, the signer's inbox, the registers."""

from __future__ import annotations

import base64
from datetime import timedelta
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from service.adapters.spreadsheet import write_table
from service.api.deps import CurrentUser, RuntimeDep, client_address, login_limits
from service.api.responses import ERRORS, LOGIN, XLSX, download, file_of
from service.api.schemas import (
    DocumentOut,
    InboxCompleteRequest,
    InboxPrepared,
    InboxPrepareRequest,
    InboxSignRequest,
    Me,
    PreparedDigest,
    SignerOut,
)
from service.domain.documents import BODY_ABBREVIATION
from service.domain.registers import COLUMNS, entry_row
from service.services.auth import NewUser, log_in, register_user
from service.services.browsing import signers
from service.services.finding import credential_kind
from service.services.issuing import subject_of

router = APIRouter(prefix="/api/v1", tags=["office"], responses=ERRORS)
OrganisationPath = Annotated[
    str, Path(pattern=f"^{BODY_ABBREVIATION}$", description="the body's abbreviation, e.g. TCT")
]


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


@router.post("/auth/token", responses=LOGIN)
async def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], rt: RuntimeDep, request: Request) -> Token:
    """OAuth2 password flow: a bearer token for ``VANBAN_ACCESS_TOKEN_MINUTES``. Too many wrong passwords for the
    account or from the client's address: 429 with ``Retry-After`` (``VANBAN_LOGIN_*``)."""
    s = rt.settings
    value, _ = await run_in_threadpool(
        partial(log_in, address=client_address(request), limits=login_limits(rt)),
        rt.db,
        form.username,
        form.password,
        timedelta(minutes=s.access_token_minutes),
    )
    return Token(access_token=value, expires_in=s.access_token_minutes * 60)


@router.get("/auth/me")
def me(who: CurrentUser) -> Me:
    return Me.model_validate(who)


@router.get("/signers")
def list_signers(rt: RuntimeDep, who: CurrentUser) -> list[SignerOut]:
    """Everyone who may sign, with their title and body: a review request names its signers among them."""
    return [
        SignerOut(username=s.username, full_name=s.full_name, title=s.title, organisation=s.organisation)
        for s in signers(rt.db)
    ]


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    full_name: str = Field(min_length=1, max_length=200)
    organisation: str = Field(min_length=1, max_length=40, pattern=f"^{BODY_ABBREVIATION}$")
    organisation_name: str | None = Field(default=None, max_length=300)
    roles: list[str] = Field(min_length=1)
    title: str = Field(default="", max_length=200)
    password: str | None = Field(default=None, min_length=8, max_length=200)
    credential: dict[str, str] | None = Field(
        default=None,
        description='where the signer\'s key is: {"kind": "pkcs12", "path": ...} or '
        '{"kind": "pkcs11", "module": ..., "token": ..., "key": ...}; optional "image": signature PNG',
    )
    api_key: bool = Field(default=False, description="also make an API key (shown once)")


@router.post("/users", status_code=201)
def add_user(body: UserIn, rt: RuntimeDep, who: CurrentUser) -> dict[str, Any]:
    """Create a user (admin); an organisation named for the first time is created with them."""
    new = NewUser(
        body.username,
        body.full_name,
        body.organisation,
        body.roles,
        body.title,
        body.password,
        body.organisation_name,
        body.credential,
    )
    added = register_user(rt.db, new, api_key=body.api_key, by=who)
    return {"id": added.id, "username": added.username, "roles": added.roles, "api_key": added.api_key}


class CertificateIn(BaseModel):
    certificate: str = Field(max_length=50_000, description="the signer's certificate, then its chain, PEM")


class CertificateOut(BaseModel):
    username: str
    subject: str
    serial: str


@router.put("/users/{username}/certificate")
def record_certificate(username: str, body: CertificateIn, rt: RuntimeDep, who: CurrentUser) -> CertificateOut:
    """Record a signer's certificate (admin): two-step and remote signatures of that signer are accepted only with
    its key. It must chain to the service's trusted root and not be revoked."""
    recorded = rt.review.record_certificate(who, username, body.certificate)
    return CertificateOut(username=recorded.username, subject=recorded.subject, serial=recorded.serial)


class WaitingOut(DocumentOut):
    subject: str = Field(description="trích yếu: the document's type and what it is about, as the register says")


@router.get("/inbox")
def inbox(rt: RuntimeDep, who: CurrentUser) -> list[WaitingOut]:
    """What waits for the current signer's signature, each with its subject."""
    templates = rt.templates
    return [
        WaitingOut(
            **DocumentOut.model_validate(d).model_dump(),
            subject=subject_of(templates.get(d.template_id, d.template_version), d.data),
        )
        for d in rt.review.inbox(who)
    ]


class SigningMethod(BaseModel):
    credential: str | None = Field(description="pkcs12, pkcs11 (a PIN), csc (a PIN and the service's token), or null")
    sign_agent_url: str = Field(description="where the page finds the leader's `vanban sign-agent`")


@router.get("/inbox/method")
def signing_method(rt: RuntimeDep, who: CurrentUser) -> SigningMethod:
    """How the current signer signs from the inbox: their own key's kind on the server, and the signing agent's
    address for a USB token on their computer."""
    return SigningMethod(credential=credential_kind(rt.db, who), sign_agent_url=rt.settings.sign_agent_url)


@router.post("/inbox:sign")
async def sign_inbox(body: InboxSignRequest, rt: RuntimeDep, who: CurrentUser) -> list[DocumentOut]:
    """Sign one or many documents with the signer's own key, opened once with one PIN (not kept anywhere)."""
    docs = await run_in_threadpool(rt.review.sign, who, body.document_ids, body.pin, body.remote_token)
    return [DocumentOut.model_validate(d) for d in docs]


@router.post("/inbox:prepare")
def prepare_inbox(body: InboxPrepareRequest, rt: RuntimeDep, who: CurrentUser) -> InboxPrepared:
    """Two steps for several documents at once (a USB token plugin, a phone app): one session, one digest per
    document; the signer's device signs them all, then ``inbox:complete``."""
    prepared = rt.review.prepare_many(who, body.document_ids, body.certificates)
    b64 = base64.b64encode
    return InboxPrepared(
        session_id=prepared.group_id,
        expires_at=prepared.expires_at,
        documents=[
            PreparedDigest(
                document_id=d, digest=b64(p.digest).decode(), signed_attributes=b64(p.signed_attributes).decode()
            )
            for d, p in prepared.documents
        ],
    )


@router.post("/inbox:complete")
def complete_inbox(body: InboxCompleteRequest, rt: RuntimeDep, who: CurrentUser) -> list[DocumentOut]:
    """The signature values of an ``inbox:prepare`` session, checked and embedded, one per document."""
    values = [(s.document_id, s.signature) for s in body.signatures]
    return [DocumentOut.model_validate(d) for d in rt.review.complete_many(who, body.session_id, values)]


@router.get("/registers/{organisation}/entries")
def register_entries(
    organisation: OrganisationPath,
    rt: RuntimeDep,
    who: CurrentUser,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> dict[str, Any]:
    """Sổ đăng ký văn bản đi of ``organisation`` for ``year`` (default: this year), by number."""
    register = rt.issuer.register(who, organisation, year)
    failed = register.failed
    return {
        "organisation": organisation,
        "year": register.year,
        "entries": [
            {
                "number": e.number,
                "notation": e.notation,
                "issued_on": e.issued_on,
                "type_name": e.type_name,
                "subject": e.subject,
                "signer": e.signer,
                "recipients": e.recipients,
                "archive_unit": e.archive_unit,
                "document_id": e.document_id,
                "manual": e.manual,
                "status": "failed" if e.document_id in failed else "ok",
            }
            for e in register.entries
        ],
    }


@router.get("/registers/{organisation}/entries.xlsx", response_class=Response, responses=file_of(XLSX, "the register"))
def register_xlsx(
    organisation: OrganisationPath,
    rt: RuntimeDep,
    who: CurrentUser,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Response:
    """The register as a spreadsheet, in the register's usual column order."""
    register = rt.issuer.register(who, organisation, year)
    rows = [entry_row(e, e.document_id in register.failed) for e in register.entries]
    data = write_table(f"Sổ VB đi {register.year}", COLUMNS, rows)
    name = f"so-dang-ky-van-ban-di-{organisation}-{register.year}.xlsx"
    return download(data, XLSX, name)
