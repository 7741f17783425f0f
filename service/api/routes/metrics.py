from __future__ import annotations

from fastapi import APIRouter, Request, Response

from service.adapters.metrics import CONTENT_TYPE, bearer_matches, exposition
from service.api.deps import RuntimeDep
from service.api.responses import documented
from service.errors import Unauthenticated
from service.services.admission import queue_depth

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"description": "Prometheus text format", "content": {CONTENT_TYPE: {}}}, **documented(401)},
)
def metrics(rt: RuntimeDep, request: Request) -> Response:
    """Prometheus metrics of the API and of the worker processes it started (on the embedded default): requests,
    production stages, jobs, documents and letters issued, signatures, failures, converter restarts, webhook
    deliveries, and the queue's depth read now. Open to any caller, like ``/healthz``, unless ``VANBAN_METRICS_TOKEN``
    is set: then Prometheus sends it as its bearer token."""
    token = rt.settings.metrics_token
    if not bearer_matches(request.headers.get("authorization"), token.get_secret_value() if token else None):
        raise Unauthenticated(
            "metrics need Authorization: Bearer <VANBAN_METRICS_TOKEN>",
            "Số liệu vận hành cần Authorization: Bearer <VANBAN_METRICS_TOKEN>",
        )
    return Response(exposition(queue_depth(rt.db)), media_type=CONTENT_TYPE)
