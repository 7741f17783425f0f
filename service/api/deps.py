"""FastAPI dependencies: the process's Runtime and Celery app, from app.state."""

from __future__ import annotations

from typing import Annotated

from celery import Celery
from fastapi import Depends, Request

from service.runtime import Runtime


def _runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def _celery(request: Request) -> Celery:
    app: Celery = request.app.state.celery
    return app


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
CeleryDep = Annotated[Celery, Depends(_celery)]
