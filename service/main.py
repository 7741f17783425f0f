"""The FastAPI app factory: mounts the routers and maps errors to HTTP statuses."""

from __future__ import annotations

import json
import logging
from typing import Any

from celery import Celery
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.adapters.metrics import METRICS
from service.api.deps import check_request_text
from service.api.observability import INTERNAL_ERROR, Observed
from service.api.pages import mount_pages
from service.api.responses import vietnamese
from service.api.routes import (
    administration,
    batches,
    class_lists,
    documents,
    finding,
    health,
    jobs,
    metrics,
    office,
    records,
    session,
    signatures,
    templates,
    verify,
    webhooks,
)
from service.config import Settings, get_settings
from service.errors import FieldError, InvalidRequest, TooManyAttempts, VanbanError, http_status
from service.runtime import Runtime

log = logging.getLogger(__name__)


class ErrorResponse(JSONResponse):
    """An error body; a lone surrogate echoed from the request is written escaped rather than failing the answer."""

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=str)
        return text.encode("utf-8", "backslashreplace")


def _location(loc: tuple[Any, ...]) -> str:
    parts = [p for p in loc if p != "body"]
    return ".".join(str(p) for p in parts)


def create_app(settings: Settings | None = None, celery: Celery | None = None) -> FastAPI:
    settings = settings or get_settings()
    if celery is None:
        from service.worker import make_celery

        celery = make_celery(settings)
    app = FastAPI(
        title="vanban",
        version="0.1.0",
        description="Văn bản: official documents, signed.",
        max_body_size=settings.max_upload_bytes,
        dependencies=[Depends(check_request_text)],
    )
    app.state.runtime = Runtime(settings)
    app.state.celery = celery
    app.state.runtime.enqueue = lambda name, args: celery.send_task(name, args=args)
    app.add_middleware(Observed, metrics=METRICS)

    @app.exception_handler(VanbanError)
    async def _vanban_error(_: Request, exc: VanbanError) -> JSONResponse:
        status = http_status(exc)
        if status >= 500:
            log.error("request failed: %s", exc.message_en)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else {}
        if status == 401:  # how to authenticate, as HTTP asks of every 401: a bearer token (or the session's cookie)
            headers["WWW-Authenticate"] = "Bearer"
        return ErrorResponse(exc.to_dict(), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            FieldError(
                _location(tuple(e.get("loc", ()))),
                e.get("msg", "invalid"),
                vietnamese(dict(e)),
            )
            for e in exc.errors()
        ]
        return ErrorResponse(InvalidRequest(errors).to_dict(), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        vi = {
            401: "Hãy đăng nhập",
            403: "Không có quyền",
            404: "Không tìm thấy",
            405: "Phương thức không được hỗ trợ",
            413: "Dữ liệu gửi lên quá lớn",
            429: "Quá nhiều yêu cầu, hãy thử lại sau",
        }.get(exc.status_code, "Yêu cầu không hợp lệ")
        return ErrorResponse(
            {"code": f"http_{exc.status_code}", "message": str(exc.detail), "message_vi": vi},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        """A bug, not an input: logged with its traceback, answered with the error model (no traceback sent)."""
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return ErrorResponse(INTERNAL_ERROR, status_code=500)

    # Body limits from these settings (not read at import): JSON requests, templates, and the app's default for
    # uploads (class lists, PDFs to verify).
    limits = {id(documents.router): settings.max_body_bytes, id(templates.router): settings.max_template_bytes}
    for router in (  # class lists' and admin's paths first: /batches/{id} and /templates/{id} would take them
        class_lists.router,
        administration.router,
        administration.templates_router,
        health.router,
        metrics.router,
        webhooks.router,
        templates.router,
        documents.router,
        batches.router,
        jobs.router,
        signatures.router,
        office.router,
        records.router,
        session.router,
        verify.router,
        verify.public_router,
        finding.router,
    ):
        app.include_router(router, max_body_size=limits.get(id(router)))
    # A GET outside /api/ that no route answers is the web app's.
    mount_pages(app, settings.web_dir, settings.sign_agent_url)
    return app
