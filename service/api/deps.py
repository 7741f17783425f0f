"""FastAPI dependencies: the process's Runtime and Celery app, from app.state, and the caller."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from celery import Celery
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer

from service.domain.office import Principal
from service.errors import Unauthenticated
from service.runtime import Runtime
from service.services.admission import Admission
from service.services.auth import LoginLimits, authenticate
from service.services.sessions import check_csrf, session_principal
from service.services.validation import check_text

SESSION_COOKIE = "vanban_session"  # HttpOnly: the browser sends it, the page's scripts never see it
CSRF_COOKIE = "vanban_csrf"  # readable by the page, echoed in CSRF_HEADER (double submit)
CSRF_HEADER = "X-CSRF-Token"


def _runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def _celery(request: Request) -> Celery:
    app: Celery = request.app.state.celery
    return app


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
CeleryDep = Annotated[Celery, Depends(_celery)]


_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def idle_time(rt: Runtime) -> timedelta:
    return timedelta(minutes=rt.settings.session_idle_minutes)


def login_limits(rt: Runtime) -> LoginLimits:
    """The throttling of wrong passwords (``VANBAN_LOGIN_*``), the same for the token route and the session."""
    s = rt.settings
    return LoginLimits(
        s.login_max_failures,
        s.login_address_max_failures,
        s.login_window_seconds,
        s.login_lockout_seconds,
        s.login_max_lockout_seconds,
    )


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _principal(request: Request, rt: RuntimeDep, token: Annotated[str | None, Depends(_bearer)]) -> Principal:
    """The caller, from ``Authorization: Bearer <token or API key>``, or else from the browser's session cookie
    (a request that changes something must then carry the session's CSRF token); 401 without either."""
    if token:
        return authenticate(rt.db, token)
    session = request.cookies.get(SESSION_COOKIE)
    if not session:
        raise Unauthenticated()
    check_csrf(request.method, session, request.headers.get(CSRF_HEADER))
    return session_principal(rt.db, session, idle_time(rt))


CurrentUser = Annotated[Principal, Depends(_principal)]
authenticated = _principal  # for routers whose every route needs a logged-in caller


async def check_request_text(request: Request) -> None:
    """Every route: no control character (other than tab, newline, carriage return) nor lone surrogate in a path
    or query parameter, a JSON body or a form field, nor JSON nested too deeply; 422 naming it. SQLite would store
    a NUL that PostgreSQL refuses, and a document would lose text around one."""
    check_text(dict(request.path_params))
    check_text(dict(request.query_params.multi_items()))
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()  # parsed once: FastAPI reads the same cached form
        check_text({k: v for k, v in form.multi_items() if isinstance(v, str)})
    elif "json" in content_type and await request.body():
        try:
            body = await request.json()  # parsed once: FastAPI already did, this is the cached value
        except Exception:  # a body that does not parse is FastAPI's own 400/422, not this check's
            return
        check_text(body)


def admission(rt: Runtime) -> Admission:
    """``VANBAN_MAX_QUEUED_JOBS``, checked again where new work is recorded."""
    return Admission(rt.settings.max_queued_jobs, rt.settings.queue_full_retry_seconds)


async def admitted(rt: RuntimeDep) -> None:
    """New work only while fewer than ``VANBAN_MAX_QUEUED_JOBS`` jobs wait: else 429 with ``Retry-After`` (early:
    before the request is read; ``admission`` holds it exactly)."""
    await run_in_threadpool(admission(rt).admit, rt.db)
