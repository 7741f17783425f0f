"""FastAPI dependencies: the process's Runtime and Celery app, from app.state, and the caller."""

from __future__ import annotations

from typing import Annotated

from celery import Celery
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from service.domain.office import Principal
from service.runtime import Runtime
from service.services.auth import Unauthenticated, authenticate


def _runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def _celery(request: Request) -> Celery:
    app: Celery = request.app.state.celery
    return app


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
CeleryDep = Annotated[Celery, Depends(_celery)]


_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def _principal(rt: RuntimeDep, token: Annotated[str | None, Depends(_bearer)]) -> Principal:
    """The caller, from ``Authorization: Bearer <token or API key>``; 401 without one."""
    if not token:
        raise Unauthenticated()
    return authenticate(rt.db, token)


CurrentUser = Annotated[Principal, Depends(_principal)]
authenticated = _principal  # for routers whose every route needs a logged-in caller
