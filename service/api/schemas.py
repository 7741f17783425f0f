"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator


class DocumentRequest(BaseModel):
    template: str = Field(examples=["giay-trieu-tap"])
    data: dict[str, Any]
    workflow: Literal["direct", "review"] | None = Field(
        default=None, description="default: the template's; review may be asked for on a direct template"
    )
    signers: list[str] | None = Field(default=None, max_length=5, description="usernames, in signing order")


class DocumentAccepted(BaseModel):
    id: str
    job_id: str
    status_url: str


class Progress(BaseModel):
    done: int
    total: int


class JobOut(BaseModel):
    id: str
    kind: str
    status: str
    progress: Progress
    attempts: int
    error: dict[str, Any] | None
    documents: list[str]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def _without(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != key}


class DocumentOut(BaseModel):
    """A document as the API shows it, read from its row (``DocumentOut.model_validate(row)``). The hashes only the
    service compares stay out: a signature's ``base_sha256``, a rejected draft's ``draft_sha256``."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    job_id: str
    status: str
    template: str = Field(validation_alias=AliasChoices("template_id", "template"))
    template_version: str
    number: int | None
    notation: str | None
    issued_on: date | None
    signer: str | None
    signed_at: datetime | None
    pdf_sha256: str | None
    docx_sha256: str | None
    workflow: str
    signers: list[str]
    signatures: list[dict[str, Any]]
    rejection: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime

    @field_validator("signers", mode="before")
    @classmethod
    def _signers(cls, signers: list[str] | None) -> list[str]:
        return list(signers or [])

    @field_validator("signatures", mode="before")
    @classmethod
    def _signatures(cls, signatures: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        return [_without(s, "base_sha256") for s in signatures or []]

    @field_validator("rejection", mode="before")
    @classmethod
    def _rejection(cls, rejection: dict[str, Any] | None) -> dict[str, Any] | None:
        return _without(rejection, "draft_sha256") if rejection else None


class DocumentList(BaseModel):
    items: list[DocumentOut]
    total: int = Field(description="how many match, on every page")
    page: int
    page_size: int


class HistoryEntry(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str = Field(description="request, render, submit, sign, reject, issue, download, ...")
    detail: dict[str, Any]


class SignerOut(BaseModel):
    username: str
    full_name: str
    title: str
    organisation: str


class SubmitRequest(BaseModel):
    signers: list[str] | None = Field(default=None, max_length=5, description="usernames, in signing order")


class RejectRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class IssueRequest(BaseModel):
    number: int | None = Field(default=None, ge=1, description="a number entered by hand; default: the next one")
    issued_on: date | None = Field(default=None, description="default: today in Vietnam")


class InboxSignRequest(BaseModel):
    document_ids: list[str] = Field(min_length=1, max_length=500)
    pin: str = Field(min_length=1, max_length=200, description="PIN or password of the signer's own key; not kept")
    remote_token: str | None = Field(
        default=None, max_length=4000, description="for a remote (CSC) key: the signing service's token; not kept"
    )


class InboxPrepareRequest(BaseModel):
    document_ids: list[str] = Field(min_length=1, max_length=500)
    certificates: str = Field(description="the signer's certificate, then its chain, PEM")


class PreparedDigest(BaseModel):
    document_id: str
    digest: str = Field(description="base64 SHA-256 to sign")
    signed_attributes: str = Field(description="base64 DER, for signers that hash themselves")


class InboxPrepared(BaseModel):
    session_id: str = Field(description="one session for every digest")
    expires_at: datetime
    documents: list[PreparedDigest]


class SignatureValue(BaseModel):
    document_id: str
    signature: str = Field(description="base64 raw signature value, or a CMS SignedData")


class InboxCompleteRequest(BaseModel):
    session_id: str
    signatures: list[SignatureValue] = Field(min_length=1, max_length=500)


class TemplateSummary(BaseModel):
    """A template version as the API shows it, read from the template (``TemplateOut.model_validate(template)``)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    title: str
    version: str


class TemplateOut(TemplateSummary):
    type_abbreviation: str
    workflow: str = Field(description="direct (issued at once) or review (a draft, then its signers)")
    schema_: dict[str, Any] = Field(alias="schema")
    example: dict[str, Any]


class Me(BaseModel):
    """Who is calling, read from the principal (``Me.model_validate(who)``); roles sorted."""

    model_config = ConfigDict(from_attributes=True)

    username: str
    full_name: str
    title: str
    organisation: str
    roles: list[str]

    @field_validator("roles", mode="before")
    @classmethod
    def _sorted(cls, roles: frozenset[str]) -> list[str]:
        return sorted(roles)
