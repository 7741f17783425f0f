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


class SignerInfoOut(BaseModel):
    full_name: str
    position: str = Field(description="chức vụ")
    competence: str = Field(description="thẩm quyền ký, e.g. 'KT. Hiệu trưởng'; empty when the head signs")


class ArchiveMetadataOut(BaseModel):
    """NĐ 30/2020 Phụ lục VI archive metadata of an issued document, filled at issue; ``file_code`` and
    ``doc_ordinal`` once it is filed in a hồ sơ; ``priority`` and ``retention_years`` the type's defaults until a
    clerk decides otherwise."""

    file_code: str | None = Field(description="mã hồ sơ (FileCode)")
    doc_ordinal: int | None = Field(description="số thứ tự trong hồ sơ (DocOrdinal)")
    type_name: str = Field(description="tên loại văn bản (TypeName)")
    code_number: str = Field(description="số (CodeNumber), e.g. '05'")
    code_notation: str = Field(description="ký hiệu (CodeNotation), e.g. 'QĐ-TCT'")
    issued_date: date = Field(description="ngày ban hành (IssuedDate)")
    organ_name: str = Field(description="cơ quan ban hành (OrganName)")
    subject: str = Field(description="trích yếu (Subject)")
    language: str
    page_amount: int = Field(description="số trang (PageAmount)")
    signers: list[SignerInfoOut] = Field(description="người ký (SignerInfo), in signing-block order")
    to: list[str] = Field(description="nơi nhận (To)")
    priority: Literal["thường", "khẩn", "thượng khẩn", "hỏa tốc"] = Field(description="độ khẩn (Priority)")
    issued_amount: int = Field(description="số lượng bản (IssuedAmount)")
    retention_years: int | None = Field(description="thời hạn bảo quản in years; null: permanent (vĩnh viễn)")
    description: str
    due_date: date | None


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
    organisation: str = Field(description="the issuing body (its abbreviation), whose hồ sơ the document is filed in")
    batch_id: str | None = Field(default=None, description="the batch a letter was made in; null: requested alone")
    signers: list[str]
    signatures: list[dict[str, Any]]
    rejection: dict[str, Any] | None
    metadata: ArchiveMetadataOut | None = Field(
        default=None,
        validation_alias=AliasChoices("archive_record", "metadata"),
        description="archive metadata; null before issue",
    )
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


class DecidedMetadata(BaseModel):
    """What a clerk decides about an issued document's record (độ khẩn, thời hạn bảo quản); null: unchanged."""

    priority: Literal["thường", "khẩn", "thượng khẩn", "hỏa tốc"] | None = None
    retention_years: int | None = Field(default=None, ge=0, le=100, description="0: permanent")


class RecordFileIn(BaseModel):
    """A new hồ sơ (file of records)."""

    code: str = Field(min_length=1, max_length=60, examples=["2026.ĐT.05"], description="mã hồ sơ")
    title: str = Field(min_length=1, max_length=500, description="tiêu đề hồ sơ")
    start_date: date
    end_date: date | None = Field(default=None, description="default: the last document's date, at close")
    retention_years: int | None = Field(default=None, ge=1, le=100, description="null: permanent (vĩnh viễn)")
    rights: Literal["công khai", "hạn chế"] = Field(default="hạn chế", description="chế độ sử dụng")
    description: str = Field(default="", max_length=2000)
    organisation: str | None = Field(default=None, max_length=40, description="an admin's choice; default: yours")


class RecordFileOut(BaseModel):
    code: str
    title: str
    organisation: str
    retention_years: int | None = Field(description="null: permanent")
    rights: str
    creator: str
    language: str
    start_date: date
    end_date: date | None
    closed_at: datetime | None
    destruction_proposed_at: datetime | None
    description: str


class RecordFileDetail(RecordFileOut):
    documents: list[DocumentOut] = Field(description="the documents filed, in order, that the caller may see")


class BatchToFileOut(BaseModel):
    """A batch of the hồ sơ's body with issued letters in no hồ sơ yet."""

    id: str
    template: str
    class_name: str | None = Field(description="the class its letters call up, from the batch's data")
    requested_at: datetime
    letters: int = Field(description="letters of the batch, whatever their state")
    to_file: int = Field(description="of them, issued and in no hồ sơ: fileable")
    first: int | None = Field(description="the smallest number among those fileable")
    last: int | None = Field(description="the largest number among those fileable")
    whole: bool = Field(description="every letter fileable: the batch can be filed at once (batch_id)")


class FileDocumentsIn(BaseModel):
    """Documents to file: by id, and/or every letter of a batch (in list order)."""

    document_ids: list[str] = Field(default_factory=list, max_length=5000)
    batch_id: str | None = Field(default=None, max_length=36)


class ExchangeRecipients(BaseModel):
    recipients: list[str] = Field(description="package n (from 1) is for the n-th")


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
    error_vi: str | None = Field(description="the last attempt's error, in Vietnamese")
    created_at: datetime
    delivered_at: datetime | None
