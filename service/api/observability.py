"""Every request, seen from outside: its ``X-Request-ID`` (the caller's if sane, else a new one) bound to every log
line it causes and sent back on every response, one log line and the request metrics (by route template and status)
when it ends. A bug's 500 is answered here too, so that it carries its request id."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.adapters.metrics import PrometheusMetrics
from service.logs import REQUEST_ID_HEADER, accept_request_id, bound

log = logging.getLogger("service.api.requests")

INTERNAL_ERROR = {
    "code": "internal",
    "message": "internal error; it was logged",
    "message_vi": "Lỗi hệ thống; lỗi đã được ghi lại",
}


class Observed:
    """ASGI middleware: request id in and out, an access log line, the request metrics."""

    def __init__(self, app: ASGIApp, metrics: PrometheusMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        request_id = accept_request_id(incoming.decode("latin-1"))
        status, started = 500, False
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message["headers"] = [*headers, (REQUEST_ID_HEADER.lower().encode(), request_id.encode())]
            await send(message)

        with bound(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                log.exception("unexpected error on %s %s", scope["method"], scope["path"])
                if not started:
                    await _internal_error(send_with_id)
            finally:
                seconds = time.perf_counter() - start
                route: Any = scope.get("route")
                template = getattr(route, "path", None) or "unmatched"
                self.metrics.request(scope["method"], template, status, seconds)
                log.info(
                    "%s %s %s",
                    scope["method"],
                    template,
                    status,
                    extra={"path": scope["path"], "status": status, "duration_ms": round(seconds * 1000, 1)},
                )


async def _internal_error(send: Send) -> None:
    body = json.dumps(INTERNAL_ERROR, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})
