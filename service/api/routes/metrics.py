from __future__ import annotations

from fastapi import APIRouter, Response

from service.adapters.metrics import CONTENT_TYPE, exposition
from service.api.deps import RuntimeDep
from service.services.admission import queue_depth

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"description": "Prometheus text format", "content": {CONTENT_TYPE: {}}}},
)
def metrics(rt: RuntimeDep) -> Response:
    """Prometheus metrics of the API and of the worker processes it started (on the embedded default): requests,
    production stages, jobs, documents and letters issued, signatures, failures, converter restarts, webhook
    deliveries, and the queue's depth read now. Unauthenticated, like ``/healthz``: keep it inside the network."""
    return Response(exposition(queue_depth(rt.db)), media_type=CONTENT_TYPE)
