from __future__ import annotations

import base64
from datetime import datetime

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from service.api.deps import CurrentUser, RuntimeDep, authenticated
from service.api.responses import ERRORS, documented

router = APIRouter(
    prefix="/api/v1", tags=["signatures"], dependencies=[Depends(authenticated)], responses=ERRORS | documented(410)
)


class PrepareRequest(BaseModel):
    certificates: str = Field(description="the signer's certificate, then its chain, PEM")
    field_name: str | None = Field(
        default=None, max_length=60, description="the signer's own field (LanhDao, DoiTac); default: that field"
    )


class PrepareResponse(BaseModel):
    session_id: str
    digest: str = Field(description="base64 SHA-256 to sign (hash-signing tokens and CSC signHash)")
    digest_algorithm: str = "SHA-256"
    signed_attributes: str = Field(description="base64 DER, for signers that hash themselves")
    expires_at: datetime


class CompleteRequest(BaseModel):
    session_id: str
    signature: str = Field(description="base64 raw signature value, or a CMS SignedData")


class CompleteResponse(BaseModel):
    document_id: str
    pdf_sha256: str


@router.post("/documents/{document_id}/signatures:prepare")
async def prepare(document_id: str, body: PrepareRequest, rt: RuntimeDep, who: CurrentUser) -> PrepareResponse:
    """Step one of a two-step signature (signer, on their turn, with the certificate recorded for them): the digest
    to sign, and a session that expires."""
    p = await run_in_threadpool(rt.office.prepare_two_step, who, document_id, body.certificates, body.field_name)
    b64 = base64.b64encode
    return PrepareResponse(
        session_id=p.session_id,
        digest=b64(p.digest).decode(),
        signed_attributes=b64(p.signed_attributes).decode(),
        expires_at=p.expires_at,
    )


@router.post("/documents/{document_id}/signatures:complete")
async def complete(document_id: str, body: CompleteRequest, rt: RuntimeDep, who: CurrentUser) -> CompleteResponse:
    """Step two: the signature value is checked against the certificate and embedded."""
    digest = await run_in_threadpool(rt.office.complete_two_step, who, document_id, body.session_id, body.signature)
    return CompleteResponse(document_id=document_id, pdf_sha256=digest)
