"""Verification of a signed PDF, open to anyone (the page a document's QR code leads to): no login needed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.security.utils import get_authorization_scheme_param

from service.api.deps import RuntimeDep, client_address
from service.api.responses import UPLOAD, documented
from service.services.auth import authenticate
from service.services.verification import verify_upload

router = APIRouter(prefix="/api/v1", tags=["signatures"], responses=documented(400, 401, 422) | UPLOAD)


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
