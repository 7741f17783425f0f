from __future__ import annotations

from fastapi import APIRouter, Depends

from service.api.deps import CurrentUser, RuntimeDep, authenticated
from service.api.responses import ERRORS
from service.api.schemas import JobOut, Progress
from service.services.visibility import check_can_see

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"], dependencies=[Depends(authenticated)], responses=ERRORS)


@router.get("/{job_id}")
def get_job(job_id: str, rt: RuntimeDep, who: CurrentUser) -> JobOut:
    with rt.db.uow() as tx:
        job = tx.repo.job(job_id)
        documents = tx.repo.document_ids_of_job(job_id, limit=100)  # a batch lists all of them at /batches/{id}
        if documents:  # a job is seen by whoever may see its documents
            check_can_see(who, tx.repo.document(documents[0]))
    return JobOut(
        id=job.id,
        kind=job.kind,
        status=job.status,
        progress=Progress(done=job.done, total=job.total),
        attempts=job.attempts,
        error=job.error,
        documents=documents,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )
