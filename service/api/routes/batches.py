from __future__ import annotations

import os
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from service.adapters.process import release_memory
from service.api.batch_form import batch_command
from service.api.deps import CeleryDep, CurrentUser, RuntimeDep, admission, admitted, authenticated
from service.api.responses import ERRORS, PDF, QUEUE_FULL, attachment, download, file_of
from service.services import files
from service.services.requesting import BatchLimits, request_batch

router = APIRouter(prefix="/api/v1/batches", tags=["batches"], dependencies=[Depends(authenticated)], responses=ERRORS)


@router.post("", status_code=202, dependencies=[Depends(admitted)], responses=QUEUE_FULL)
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
    command = await batch_command(who, file, template, data, on_error)
    requested = await run_in_threadpool(
        request_batch,
        rt.db,
        rt.templates,
        command,
        clock=rt.clock,
        default_organisation=rt.settings.organisation_abbreviation,
        limits=BatchLimits.of(rt.settings),
        enqueue=lambda name, args: celery.send_task(name, args=args),
        admission=admission(rt),
    )
    del command  # the class list's bytes
    await run_in_threadpool(release_memory)
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
    return files.batch_report(rt.db, who, batch_id, rt.settings.organisation_abbreviation)


@router.get("/{batch_id}/merged.pdf", response_class=Response, responses=file_of(PDF, "every issued letter"))
def merged(batch_id: str, rt: RuntimeDep, who: CurrentUser) -> Response:
    """Every issued document of the batch in one PDF, in list order, for printing."""
    pdf = files.merged_batch(rt.db, rt.archive, rt.pages, who, batch_id, rt.settings.organisation_abbreviation)
    return download(pdf, PDF, f"{batch_id}-merged.pdf")


@router.get(
    "/{batch_id}/archive.zip", response_class=FileResponse, responses=file_of("application/zip", "letters and report")
)
def archive_zip(batch_id: str, rt: RuntimeDep, who: CurrentUser) -> FileResponse:
    """The signed documents named ``<number>-<slug of name>.pdf``, and ``report.json``."""
    spool = files.batch_zip(rt.db, rt.archive, who, batch_id, rt.settings.organisation_abbreviation)
    return FileResponse(
        spool,
        media_type="application/zip",
        headers=attachment(f"{batch_id}.zip"),
        background=BackgroundTask(os.unlink, spool),
    )
