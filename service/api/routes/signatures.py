from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, File, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from service.adapters.orm import DocumentRow
from service.api.deps import CurrentUser, RuntimeDep, authenticated
from service.api.responses import ERRORS, documented
from service.domain.office import Principal, Role, Workflow
from service.services.auth import require
from service.services.office import check_can_see
from service.services.signatures import add_signer, complete_signature, prepare_signature
from service.unit_of_work import UnitOfWork
from signing.verify import verify_pdf

router = APIRouter(
    prefix="/api/v1", tags=["signatures"], dependencies=[Depends(authenticated)], responses=ERRORS | documented(410)
)


class PrepareRequest(BaseModel):
    certificates: str = Field(description="the signer's certificate, then its chain, PEM")
    field_name: str = Field(default="LanhDao", max_length=60)


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
    """Step one of a two-step signature (signer): the digest to sign, and a session that expires."""
    request = await run_in_threadpool(rt.office.two_step_request, who, document_id, body.field_name)
    p = await run_in_threadpool(
        prepare_signature,
        rt.db,
        rt.archive,
        rt.signing_context,
        document_id,
        body.certificates,
        request,
        rt.settings.signing_session_seconds,
    )
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
    require(who, Role.SIGNER)
    await run_in_threadpool(_visible, rt, who, document_id)

    def record(tx: UnitOfWork, doc: DocumentRow, base: str, digest: str, signer: str) -> None:
        if doc.workflow == Workflow.REVIEW:
            rt.office.record_signature(tx, who, doc, base, digest, signer)
        else:
            add_signer(tx, doc, base, digest, signer)
            tx.repo.append_audit(who.username, "sign", doc.id, {"pdf_sha256": digest})

    digest = await run_in_threadpool(
        complete_signature, rt.db, rt.archive, rt.signing_context, document_id, body.session_id, body.signature, record
    )
    return CompleteResponse(document_id=document_id, pdf_sha256=digest)


@router.post("/verify")
async def verify(
    file: Annotated[UploadFile, File(description="a signed PDF")], rt: RuntimeDep, who: CurrentUser
) -> dict[str, object]:
    """Every signature of the PDF: signer, times, level, integrity, coverage, later changes, trust, revocation."""
    data = await file.read()
    report = await run_in_threadpool(verify_pdf, data, rt.trust)
    await run_in_threadpool(_audit_verify, rt, who, hashlib.sha256(data).hexdigest(), report.ok)
    return report.to_dict()


def _visible(rt: RuntimeDep, who: Principal, document_id: str) -> None:
    with rt.db.uow() as tx:
        check_can_see(who, tx.repo.document(document_id))


def _audit_verify(rt: RuntimeDep, who: Principal, sha256: str, ok: bool) -> None:
    with rt.db.uow() as tx:
        tx.repo.append_audit(who.username, "verify", None, {"sha256": sha256, "ok": ok})
        tx.commit()
