"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class DocumentRequest(BaseModel):
    template: str = Field(examples=["giay-trieu-tap"])
    data: dict[str, Any]


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
    created_at: datetime
    updated_at: datetime


class TemplateSummary(BaseModel):
    id: str
    title: str
    version: str


class TemplateOut(TemplateSummary):
    type_abbreviation: str
    schema_: dict[str, Any] = Field(alias="schema")
    example: dict[str, Any]
