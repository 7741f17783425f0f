"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from service.domain.office import Principal


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


class DocumentOut(BaseModel):
    id: str
    job_id: str
    status: str
    template: str
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
    id: str
    title: str
    version: str


class TemplateOut(TemplateSummary):
    type_abbreviation: str
    workflow: str = Field(description="direct (issued at once) or review (a draft, then its signers)")
    schema_: dict[str, Any] = Field(alias="schema")
    example: dict[str, Any]


class Me(BaseModel):
    username: str
    full_name: str
    title: str
    organisation: str
    roles: list[str]

    @classmethod
    def of(cls, who: Principal) -> Me:
        return cls(
            username=who.username,
            full_name=who.full_name,
            title=who.title,
            organisation=who.organisation,
            roles=sorted(who.roles),
        )


class WebhookRequest(BaseModel):
    url: str = Field(max_length=2000, examples=["https://office.example.vn/hooks/vanban"])
    events: list[Literal["document.issued", "document.signed", "batch.completed", "job.failed"]] = Field(
        min_length=1, max_length=4
    )


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[str]
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="whsec_...: verifies the webhook-signature header; shown this once only")


class WebhookDeliveryOut(BaseModel):
    id: str = Field(description="the webhook-id header of every attempt")
    event: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    response_status: int | None
    error: str | None
    created_at: datetime
    delivered_at: datetime | None
