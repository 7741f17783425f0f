"""Verification of a signed PDF, open to anyone (the page a document's QR code leads to): no login needed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.security.utils import get_authorization_scheme_param

from service.api.deps import RuntimeDep, client_address
from service.api.responses import UPLOAD, documented
from service.services.auth import authenticate
from service.services.verification import public_record, verify_copy, verify_upload

router = APIRouter(prefix="/api/v1", tags=["signatures"], responses=documented(400, 401, 422) | UPLOAD)
public_router = APIRouter(prefix="/api/v1/public", tags=["signatures"], responses=documented(400, 401, 404, 422))


@router.post("/verify")
async def verify(
    file: Annotated[UploadFile, File(description="a signed PDF")], request: Request, rt: RuntimeDep
) -> dict[str, object]:
    """Every signature of the PDF: signer, times, level, integrity, coverage, later changes, trust, revocation.
    Anyone may ask (no login); a bearer token, when sent, must be valid and names the caller in the audit log."""
    scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
    actor = "anonymous"
    if scheme.lower() == "bearer" and token:
        actor = (await run_in_threadpool(authenticate, rt.db, token)).username
    data = await file.read()
    report = await run_in_threadpool(verify_upload, rt.db, rt.trust, data, actor, client_address(request))
    return report.to_dict()


@public_router.get("/verify/{code}")
async def issued_document(code: str, rt: RuntimeDep) -> dict[str, object]:
    """The issued document a QR code names (``VANBAN_PUBLIC_URL/v/<code>``): number, date, issuing body, title
    (trích yếu), signers and the SHA-256 of the file issued. Anyone may ask; a code of no issued document is a 404."""
    return (await run_in_threadpool(public_record, rt.db, code)).to_dict()


@public_router.post("/verify/{code}", responses=documented(422) | UPLOAD)
async def verify_issued_copy(
    code: str, file: Annotated[UploadFile, File(description="a copy of the document")], request: Request, rt: RuntimeDep
) -> dict[str, object]:
    """A copy of the document ``code`` names, checked: the document as registered, every signature of the copy
    (as ``/verify`` reports them), and ``same_file``: whether the copy is the very file issued."""
    data = await file.read()
    record, report, same = await run_in_threadpool(verify_copy, rt.db, rt.trust, code, data, client_address(request))
    return {"document": record.to_dict(), "verification": report.to_dict(), "same_file": same}
