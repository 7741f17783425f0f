from __future__ import annotations

import json
import os
import tempfile
import zipfile
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from service.adapters.pdf_pages import merge
from service.adapters.process import release_memory
from service.api.deps import CeleryDep, CurrentUser, RuntimeDep, authenticated
from service.api.responses import ERRORS, PDF, content_disposition, file_of
from service.domain.office import Principal, Role
from service.errors import FieldError, InvalidRequest
from service.services.auth import require
from service.services.batches import (
    batch_report,
    batch_work,
    check_batch_organisation,
    issued_letters,
    request_batch,
)

router = APIRouter(prefix="/api/v1/batches", tags=["batches"], dependencies=[Depends(authenticated)], responses=ERRORS)


@router.post("", status_code=202)
async def create_batch(
    response: Response,
    rt: RuntimeDep,
    celery: CeleryDep,
    who: CurrentUser,
    file: Annotated[UploadFile, File(description="class list: .xlsx or .csv with a header row")],
    template: Annotated[str, Form()],
    data: Annotated[str, Form(description="the batch part of the data, JSON (class, session, signer, ...)")],
    on_error: Annotated[
        str, Form(description="reject (default: nothing is issued) or skip (valid rows go on)")
    ] = "reject",
) -> dict[str, Any]:
    """A class list in: one document per row (call-up letters) or one with the whole list (a decision)."""
    try:
        batch_data = json.loads(data)
    except ValueError as exc:
        raise InvalidRequest([FieldError("data", f"not valid JSON: {exc}", f"không phải JSON hợp lệ: {exc}")]) from None
    except RecursionError:
        raise InvalidRequest([FieldError("data", "nested too deeply", "lồng nhau quá sâu")]) from None
    require(who, Role.REQUESTER)
    if isinstance(batch_data, dict):
        check_batch_organisation(who, batch_data, rt.settings.organisation_abbreviation)
    upload = await file.read()
    requested = await run_in_threadpool(
        request_batch,
        rt.db,
        rt.templates,
        template,
        upload,
        file.filename or "",
        batch_data,
        on_error,
        rt.settings.organisation_abbreviation,
        rt.settings.batch_chunk_size,
        max_rows=rt.settings.class_list_max_rows,
        max_unpacked_bytes=rt.settings.class_list_max_unpacked_bytes,
        clock=rt.clock,
    )
    del upload
    await run_in_threadpool(release_memory)
    for name, args in batch_work(rt.db, requested):
        celery.send_task(name, args=args)
    response.headers["Location"] = f"/api/v1/batches/{requested.batch_id}"
    return {
        "id": requested.batch_id,
        "job_id": requested.job_id,
        "documents": requested.documents,
        "status_url": f"/api/v1/jobs/{requested.job_id}",
        "report": requested.report,
    }


@router.get("/{batch_id}")
def get_batch(batch_id: str, rt: RuntimeDep, who: CurrentUser) -> dict[str, Any]:
    """The batch, its progress, the row report and its documents with their numbers."""
    return batch_report(rt.db, batch_id, who, rt.settings.organisation_abbreviation)


def _issued(rt: RuntimeDep, who: Principal, batch_id: str) -> list[tuple[str, bytes]]:
    return issued_letters(rt.db, rt.archive, batch_id, who, rt.settings.organisation_abbreviation)


@router.get("/{batch_id}/merged.pdf", response_class=Response, responses=file_of(PDF, "every issued letter"))
def merged(batch_id: str, rt: RuntimeDep, who: CurrentUser) -> Response:
    """Every issued document of the batch in one PDF, in list order, for printing."""
    pdf = merge([data for _, data in _issued(rt, who, batch_id)])
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": content_disposition(f"{batch_id}-merged.pdf")},
    )


@router.get(
    "/{batch_id}/archive.zip", response_class=FileResponse, responses=file_of("application/zip", "letters and report")
)
def archive_zip(batch_id: str, rt: RuntimeDep, who: CurrentUser) -> FileResponse:
    """The signed documents named ``<number>-<slug of name>.pdf``, and ``report.json``."""
    report = get_batch(batch_id, rt, who)
    spool = tempfile.NamedTemporaryFile(prefix="vanban-batch-", suffix=".zip", delete=False)  # noqa: SIM115
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_STORED) as z:
        for name, data in _issued(rt, who, batch_id):
            z.writestr(name, data)
        z.writestr("report.json", json.dumps(report, ensure_ascii=False, indent=2, default=str))
    spool.close()
    return FileResponse(
        spool.name,
        media_type="application/zip",
        headers={"Content-Disposition": content_disposition(f"{batch_id}.zip")},
        background=BackgroundTask(os.unlink, spool.name),
    )
