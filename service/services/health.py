"""Is the service able to work? Database, queue, archive, a live worker, and that worker's converter."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from celery import Celery

from service.adapters.orm import utcnow
from service.config import Settings
from service.errors import ArchiveError
from service.services.ports import Archive, Database


def check_health(settings: Settings, db: Database, celery: Celery, archive: Archive) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    workers: list[Any] = []
    try:
        with db.uow() as tx:
            tx.repo.ping()
            since = utcnow() - timedelta(seconds=3 * settings.heartbeat_seconds)
            workers = tx.repo.heartbeats_since(since)
        result["database"] = {"ok": True}
    except Exception as exc:
        result["database"] = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}
    try:
        if settings.local_queue:
            if not os.access(settings.queue_dir, os.W_OK):
                raise OSError(f"queue folder {settings.queue_dir} is not writable")
        else:
            with celery.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=3)
        result["queue"] = {"ok": True}
    except Exception as exc:
        result["queue"] = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}
    try:
        archive.ping()
        result["archive"] = {"ok": True, "location": archive.location}
    except ArchiveError as exc:
        result["archive"] = {"ok": False, "location": archive.location, "detail": exc.message_en}
    result["worker"] = (
        {"ok": True, "count": len(workers)}
        if workers
        else {"ok": False, "detail": "no worker has reported in the last heartbeats"}
    )
    ready = [w for w in workers if w.converter_ok]
    result["converter"] = (
        {"ok": True, "count": len(ready)} if ready else {"ok": False, "detail": "no worker has a converter ready"}
    )
    return result
