from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.concurrency import run_in_threadpool

from service.api.deps import CurrentUser, RuntimeDep, authenticated
from service.api.responses import ERRORS
from service.api.schemas import WebhookCreated, WebhookDeliveryOut, WebhookOut, WebhookRequest
from service.services.ports import WebhookDeliveryRow, WebhookEndpointRow

router = APIRouter(
    prefix="/api/v1/webhooks", tags=["webhooks"], dependencies=[Depends(authenticated)], responses=ERRORS
)


def _out(e: WebhookEndpointRow) -> WebhookOut:
    return WebhookOut(id=e.id, url=e.url, events=list(e.events), created_at=e.created_at)


def _delivery(d: WebhookDeliveryRow) -> WebhookDeliveryOut:
    return WebhookDeliveryOut.model_validate(d, from_attributes=True)


@router.post("", status_code=201)
async def register(body: WebhookRequest, rt: RuntimeDep, who: CurrentUser) -> WebhookCreated:
    """An endpoint for events of the caller's organisation, signed as Standard Webhooks says (``webhook-id``,
    ``webhook-timestamp``, ``webhook-signature``); the secret is shown in this answer only. Only http(s) URLs, and
    no private or loopback address unless ``VANBAN_WEBHOOK_ALLOW_PRIVATE``."""
    made = await run_in_threadpool(rt.webhooks.register, who, body.url, list(body.events))
    return WebhookCreated(**_out(made.endpoint).model_dump(), secret=made.secret)


@router.get("")
def list_endpoints(rt: RuntimeDep, who: CurrentUser) -> list[WebhookOut]:
    """The caller's endpoints (never their secrets)."""
    return [_out(e) for e in rt.webhooks.endpoints(who)]


@router.delete("/{endpoint_id}", status_code=204, response_class=Response)
def remove(endpoint_id: str, rt: RuntimeDep, who: CurrentUser) -> Response:
    rt.webhooks.remove(who, endpoint_id)
    return Response(status_code=204)


@router.get("/{endpoint_id}/deliveries")
def deliveries(
    endpoint_id: str, rt: RuntimeDep, who: CurrentUser, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[WebhookDeliveryOut]:
    """The endpoint's delivery log, newest first: each event, its attempts, the last answer's status or error."""
    return [_delivery(d) for d in rt.webhooks.deliveries(who, endpoint_id, limit)]


@router.post("/{endpoint_id}:test", status_code=202)
def test_delivery(endpoint_id: str, rt: RuntimeDep, who: CurrentUser) -> WebhookDeliveryOut:
    """Send a ``webhook.test`` event to the endpoint now (retried like any other); see it in the delivery log."""
    return _delivery(rt.webhooks.send_test(who, endpoint_id))
