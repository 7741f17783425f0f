from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from service.api.deps import CeleryDep, RuntimeDep
from service.services.health import check_health

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    responses={
        200: {"description": "every component answers"},
        503: {"description": "the components that do not answer, by name"},
    },
)
def healthz(rt: RuntimeDep, celery: CeleryDep) -> JSONResponse:
    """200 once database, queue, archive, worker and converter answer; 503 naming the ones that do not."""
    components = check_health(rt.settings, rt.db, celery, rt.archive)
    failing = [name for name, c in components.items() if not c["ok"]]
    body = {"status": "ok" if not failing else "unavailable", "failing": failing, "components": components}
    return JSONResponse(body, status_code=503 if failing else 200)
