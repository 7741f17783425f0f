"""The FastAPI app factory: mounts the routers and maps errors to HTTP statuses."""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from service.api.routes import documents, health, jobs, templates
from service.config import Settings, get_settings
from service.errors import FieldError, InvalidRequest, VanbanError
from service.runtime import Runtime

log = logging.getLogger(__name__)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, whether or not Content-Length says so."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await _too_large(self.limit, send)
        seen = 0

        async def limited() -> Any:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
            await _too_large(self.limit, send)


class _BodyTooLarge(Exception):
    pass


async def _too_large(limit: int, send: Send) -> None:
    response = JSONResponse(
        {
            "code": "too_large",
            "message": f"request body is larger than {limit} bytes",
            "message_vi": f"Dữ liệu gửi lên lớn hơn {limit} byte",
        },
        status_code=413,
    )
    await response({"type": "http"}, _empty_receive, send)


async def _empty_receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


def _location(loc: tuple[Any, ...]) -> str:
    parts = [p for p in loc if p != "body"]
    return ".".join(str(p) for p in parts)


def create_app(settings: Settings | None = None, celery: Celery | None = None) -> FastAPI:
    settings = settings or get_settings()
    if celery is None:
        from service.worker import make_celery

        celery = make_celery(settings)
    app = FastAPI(title="vanban", version="0.1.0", description="Văn bản: official documents, signed.")
    app.state.runtime = Runtime(settings)
    app.state.celery = celery

    @app.exception_handler(VanbanError)
    async def _vanban_error(_: Request, exc: VanbanError) -> JSONResponse:
        if exc.status_code >= 500:
            log.error("request failed: %s", exc.message_en)
        return JSONResponse(exc.to_dict(), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            FieldError(
                _location(tuple(e.get("loc", ()))),
                e.get("msg", "invalid"),
                "không đọc được JSON" if e.get("type") == "json_invalid" else "giá trị không hợp lệ",
            )
            for e in exc.errors()
        ]
        return JSONResponse(InvalidRequest(errors).to_dict(), status_code=422)

    for router in (health.router, templates.router, documents.router, jobs.router):
        app.include_router(router)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    return app
