"""The browser's session: log in (a cookie), who am I (with the CSRF token for the page), log out."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from service.api.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    CurrentUser,
    RuntimeDep,
    client_address,
    idle_time,
    login_limits,
)
from service.api.responses import ERRORS, LOGIN
from service.api.schemas import Me
from service.domain.office import Principal
from service.services.sessions import csrf_token, end_session, open_session

router = APIRouter(prefix="/api/v1/session", tags=["session"], responses=ERRORS)


class LoginIn(BaseModel):
    username: Annotated[str, Field(min_length=1, max_length=100)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


class SessionOut(Me):
    csrf_token: str | None = Field(description="echo it in X-CSRF-Token on every request that changes something")
    idle_minutes: float = Field(description="the session ends after this long without a request")


def _out(who: Principal, session: str | None, rt: RuntimeDep) -> SessionOut:
    return SessionOut(
        **Me.model_validate(who).model_dump(),
        csrf_token=csrf_token(session) if session else None,
        idle_minutes=rt.settings.session_idle_minutes,
    )


@router.post("", responses=LOGIN)
async def log_in(body: LoginIn, request: Request, response: Response, rt: RuntimeDep) -> SessionOut:
    """Log in from a browser: the same users, passwords and throttling as ``/auth/token``. Sets the session cookie
    (HttpOnly, SameSite=Strict, Secure over HTTPS) and the CSRF cookie; the session ends after
    ``VANBAN_SESSION_IDLE_MINUTES`` without a request."""
    token, who = await run_in_threadpool(
        partial(open_session, address=client_address(request), limits=login_limits(rt)),
        rt.db,
        body.username,
        body.password,
        idle_time(rt),
    )
    secure = request.url.scheme == "https"
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")
    response.set_cookie(CSRF_COOKIE, csrf_token(token), httponly=False, samesite="strict", secure=secure, path="/")
    return _out(who, token, rt)


@router.get("")
def current(request: Request, who: CurrentUser, rt: RuntimeDep) -> SessionOut:
    """Who is logged in, and the session's CSRF token (none for a bearer-token caller)."""
    session = None if request.headers.get("authorization") else request.cookies.get(SESSION_COOKIE)
    return _out(who, session, rt)


@router.delete("", status_code=204)
def log_out(request: Request, response: Response, who: CurrentUser, rt: RuntimeDep) -> None:
    """Log out: the session ends at once on the server and both cookies are cleared."""
    session = request.cookies.get(SESSION_COOKIE)
    if session and not request.headers.get("authorization"):
        end_session(rt.db, session, who)
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", samesite="strict", httponly=name == SESSION_COOKIE)
