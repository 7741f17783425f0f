from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

from service.api.deps import CurrentUser, RuntimeDep, authenticated
from service.api.responses import ERRORS
from service.api.schemas import JobOut, Progress
from service.services.jobs import ENDED, ended, job_of, next_look

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"], dependencies=[Depends(authenticated)], responses=ERRORS)


@router.get("/{job_id}")
async def get_job(
    job_id: str,
    request: Request,
    rt: RuntimeDep,
    who: CurrentUser,
    wait: Annotated[
        float, Query(ge=0, le=60, description="seconds to hold the answer until the job ends (a long poll)")
    ] = 0,
) -> JobOut:
    """The job and its progress; with ``wait``, answered as soon as it ends (or when ``wait`` runs out), so a
    caller learns of the end at once without asking again and again."""
    view = await run_in_threadpool(job_of, rt.db, who, job_id)
    if wait and view.job.status not in ENDED:
        with rt.long_polls.slot() as may_wait:  # past the process's limit: answered at once
            if may_wait:
                signals, start = rt.job_signals, time.monotonic()
                while (waited := time.monotonic() - start) < wait:
                    await signals.wait(job_id, min(next_look(waited, signals.announces), wait - waited))
                    if await request.is_disconnected() or await run_in_threadpool(ended, rt.db, job_id):
                        break
                view = await run_in_threadpool(job_of, rt.db, who, job_id)
    job = view.job
    columns = {name: getattr(job, name) for name in JobOut.model_fields if hasattr(job, name)}
    return JobOut.model_validate(
        columns | {"progress": Progress(done=job.done, total=job.total), "documents": view.documents}
    )
