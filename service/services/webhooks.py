"""Webhooks (thông báo qua webhook): a person or a system registers an endpoint for some events of their
organisation; each event is sent to it signed as Standard Webhooks says, by a Celery task that retries with
exponential backoff, and every attempt is kept in the endpoint's delivery log.

Signature (https://www.standardwebhooks.com): the secret is ``whsec_`` + base64 of 32 random bytes, shown once; each
request carries ``webhook-id`` (the same on every attempt), ``webhook-timestamp`` (Unix seconds) and
``webhook-signature: v1,<base64 of HMAC-SHA256(secret bytes, "<id>.<timestamp>.<body>")>``.

Only ``http(s)`` URLs; whether a private, loopback or link-local address may be called is the sender's setting
(``VANBAN_WEBHOOK_ALLOW_PRIVATE``), checked when the endpoint is registered and again, on the address actually
called, at every delivery (a name that resolved to a public address at registration may not later point inside).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from service.domain.clock import Clock
from service.domain.office import WEBHOOK_ROLES, Principal, Role
from service.errors import FieldError, InvalidRequest, NotFound, WebhookNotDelivered
from service.services.auth import require
from service.services.ports import Database, UserRow, WebhookDeliveryRow, WebhookEndpointRow

log = logging.getLogger(__name__)

EVENTS = ("document.issued", "document.signed", "batch.completed", "job.failed")
TEST_EVENT = "webhook.test"
DELIVER_WEBHOOK = "vanban.deliver_webhook"  # the task that sends one delivery (``service.tasks``)
SECRET_PREFIX = "whsec_"
MAX_ENDPOINTS = 20  # active endpoints one person (or system) may have


class Enqueue(Protocol):
    def __call__(self, name: str, args: list[object]) -> None: ...


class WebhookSender(Protocol):
    """Calls an endpoint (httpx in ``service.adapters.webhook_sender``), with a timeout, only at addresses the
    settings allow."""

    def check(self, url: str) -> None:
        """Refuse (:class:`~service.errors.InvalidRequest` on ``url``) a URL whose host is or resolves to an
        address the settings do not allow."""

    def post(self, url: str, headers: dict[str, str], body: bytes) -> int:
        """POST ``body``; the HTTP status of the answer. :class:`~service.errors.WebhookNotDelivered` when no
        answer came (refused address, connection, timeout)."""
        ...


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header's value: ``v1,<base64 HMAC-SHA256>`` over ``id.timestamp.body``."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def check_url(url: str) -> str:
    """An endpoint's URL as far as its text goes: ``http`` or ``https``, a host, no credentials in it."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (a port out of range or not a number raises here)
    except ValueError:
        raise InvalidRequest([FieldError("url", "is not a valid URL", "không phải URL hợp lệ")]) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest(
            [FieldError("url", "must be an http(s) URL with a host", "phải là URL http(s) có máy chủ")]
        )
    if parts.username or parts.password:
        raise InvalidRequest([FieldError("url", "must not carry credentials", "không được chứa tài khoản, mật khẩu")])
    return url


def check_events(events: list[str]) -> list[str]:
    choices = ", ".join(EVENTS)
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise InvalidRequest(
            [
                FieldError("events", f"unknown event {e}; choose among {choices}", f"không có sự kiện {e}")
                for e in unknown
            ]
        )
    if not events:
        raise InvalidRequest([FieldError("events", f"choose among {choices}", f"chọn trong các sự kiện {choices}")])
    return list(dict.fromkeys(events))


@dataclass(frozen=True)
class Registered:
    """A new endpoint and its secret: shown this once, never again."""

    endpoint: WebhookEndpointRow
    secret: str


@dataclass
class Webhooks:
    """Endpoints, their delivery log, and the sending of events.

    enqueue: sends the delivery task after the transaction that recorded the delivery committed.
    max_attempts: attempts of one delivery before it is given up (``VANBAN_WEBHOOK_MAX_ATTEMPTS``).
    """

    db: Database
    sender: WebhookSender
    clock: Clock
    enqueue: Enqueue
    max_attempts: int = 6

    # -- endpoints ----------------------------------------------------------------------------------------------
    def register(self, who: Principal, url: str, events: list[str]) -> Registered:
        """An endpoint of ``who`` (requester, clerk or administrator) for ``events`` of their organisation."""
        require(who, *WEBHOOK_ROLES)
        self.sender.check(check_url(url))
        endpoint = WebhookEndpointRow(
            id=str(uuid.uuid4()),
            owner_id=who.user_id,
            organisation=who.organisation,
            url=url,
            events=check_events(events),
            secret=new_secret(),
            active=True,
            created_at=self.clock.now(),
        )
        with self.db.uow() as tx:
            tx.repo.serialise(f"webhooks of {who.user_id}")  # registrations at once: the limit still holds
            if len(tx.repo.webhook_endpoints(who.user_id)) >= MAX_ENDPOINTS:
                raise InvalidRequest(
                    [
                        FieldError(
                            "url",
                            f"at most {MAX_ENDPOINTS} webhook endpoints per user; remove one first",
                            f"mỗi người dùng có tối đa {MAX_ENDPOINTS} điểm nhận webhook; hãy xoá bớt một điểm",
                        )
                    ]
                )
            tx.repo.add(endpoint)
            tx.repo.append_audit(who.username, "webhook.register", endpoint.id, {"url": url, "events": endpoint.events})
            tx.commit()
        return Registered(endpoint, endpoint.secret)

    def endpoints(self, who: Principal) -> list[WebhookEndpointRow]:
        with self.db.uow() as tx:
            return tx.repo.webhook_endpoints(who.user_id)

    def endpoint(self, who: Principal, endpoint_id: str) -> WebhookEndpointRow:
        """``who``'s own endpoint (an administrator: any), else not found."""
        with self.db.uow() as tx:
            found = tx.repo.webhook_endpoint(endpoint_id)
        if found is None or not found.active or (found.owner_id != who.user_id and not who.has(Role.ADMIN)):
            raise NotFound(f"no webhook endpoint '{endpoint_id}'", f"Không có điểm nhận webhook '{endpoint_id}'")
        return found

    def remove(self, who: Principal, endpoint_id: str) -> None:
        self.endpoint(who, endpoint_id)
        with self.db.uow() as tx:
            row = tx.repo.webhook_endpoint(endpoint_id)
            assert row is not None
            row.active = False
            tx.repo.append_audit(who.username, "webhook.remove", endpoint_id, {})
            tx.commit()

    def deliveries(self, who: Principal, endpoint_id: str, limit: int = 100) -> list[WebhookDeliveryRow]:
        self.endpoint(who, endpoint_id)
        with self.db.uow() as tx:
            return tx.repo.webhook_deliveries(endpoint_id, limit)

    def send_test(self, who: Principal, endpoint_id: str) -> WebhookDeliveryRow:
        """A ``webhook.test`` event to the endpoint, delivered as any other (with its retries)."""
        endpoint = self.endpoint(who, endpoint_id)
        data = {"endpoint_id": endpoint.id, "requested_by": who.username}
        with self.db.uow() as tx:
            delivery = self._record(tx.repo, endpoint, TEST_EVENT, data)
            tx.commit()
        self.enqueue(DELIVER_WEBHOOK, [delivery.id])
        return delivery

    # -- events (the ``Events`` port) -----------------------------------------------------------------------------
    def publish(self, event: str, organisation: str, data: dict[str, Any]) -> None:
        """A delivery of ``event`` to every endpoint of ``organisation`` that asked for it. Called after the
        transaction that made the event true has committed; a failure here is logged, never the caller's."""
        try:
            with self.db.uow() as tx:
                endpoints = tx.repo.webhook_subscribers(organisation, event)
                deliveries = [self._record(tx.repo, e, event, data) for e in endpoints]
                tx.commit()
            for d in deliveries:
                self.enqueue(DELIVER_WEBHOOK, [d.id])
        except Exception:
            log.exception("webhook event %s could not be queued", event)

    def _record(self, repo: Any, endpoint: WebhookEndpointRow, event: str, data: dict[str, Any]) -> WebhookDeliveryRow:
        now = self.clock.now()
        payload = {"type": event, "timestamp": now.isoformat(), "data": data}
        row = WebhookDeliveryRow(
            id=f"msg_{uuid.uuid4().hex}",
            endpoint_id=endpoint.id,
            event=event,
            payload=payload,
            status="pending",
            attempts=0,
            created_at=now,
        )
        repo.add(row)
        return row

    # -- delivery (the Celery task) -----------------------------------------------------------------------------
    def deliver(self, delivery_id: str) -> str:
        """One attempt: the payload signed now and POSTed. A 2xx answer delivers it; anything else is recorded on
        the delivery and raises :class:`~service.errors.WebhookNotDelivered` (the task tries again later, until
        ``max_attempts``, then the delivery is failed). Returns ``delivered``, ``failed`` (its last attempt), or
        ``skipped`` (delivered already, or its endpoint removed)."""
        with self.db.uow() as tx:
            delivery = tx.repo.webhook_delivery(delivery_id)
            endpoint = tx.repo.webhook_endpoint(delivery.endpoint_id) if delivery else None
            owner = tx.repo.user(endpoint.owner_id) if endpoint else None
        if delivery is None or endpoint is None or delivery.status != "pending" or not listens(endpoint, owner):
            return "skipped"
        body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = int(self.clock.now().timestamp())
        headers = {
            "content-type": "application/json",
            "webhook-id": delivery.id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(endpoint.secret, delivery.id, timestamp, body),
        }
        status: int | None = None
        problem: WebhookNotDelivered | None = None
        try:
            status = self.sender.post(endpoint.url, headers, body)
            if not 200 <= status < 300:
                problem = WebhookNotDelivered(f"the endpoint answered {status}", f"điểm nhận trả lời {status}")
        except WebhookNotDelivered as exc:
            problem = exc
        except Exception as exc:  # any other failure of the sender is an attempt that failed, retried as such
            reason = type(exc).__name__
            problem = WebhookNotDelivered(
                f"the endpoint could not be called: {reason}", f"không gọi được điểm nhận: {reason}"
            )
        with self.db.uow() as tx:
            row = tx.repo.webhook_delivery(delivery_id)
            assert row is not None
            row.attempts += 1
            row.response_status = status
            row.error, row.error_vi = (problem.message_en, problem.message_vi) if problem else (None, None)
            if problem is None:
                row.status, row.delivered_at = "delivered", self.clock.now()
            elif row.attempts >= self.max_attempts:
                row.status = "failed"
            tx.commit()
            outcome = row.status
        log.info(
            "webhook %s to endpoint %s: attempt %s, %s",
            delivery_id,
            endpoint.id,
            row.attempts,
            "delivered" if problem is None else problem.message_en,
            extra={"webhook_event": delivery.event},
        )
        if problem is not None and outcome == "pending":
            raise problem
        return outcome


def listens(endpoint: WebhookEndpointRow, owner: UserRow | None) -> bool:
    """What ``webhook_subscribers`` asks of an endpoint and its owner, asked again at each attempt: a delivery
    pending when the endpoint was removed or its owner deactivated, moved to another body or stripped of the
    roles that hear events is not sent."""
    return (
        endpoint.active
        and owner is not None
        and owner.active
        and owner.organisation == endpoint.organisation
        and any(r in owner.roles for r in WEBHOOK_ROLES)
    )
