"""The Celery app: built from the Settings it is given (never read at import), tasks from service.tasks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import Celery
from celery.signals import before_task_publish, setup_logging

from service.config import Settings
from service.errors import ConfigurationError
from service.logs import current


@before_task_publish.connect
def _carry_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    """A task sent while serving a request (or running a task) carries its request id; the task logs with it."""
    request_id = current().get("request_id")
    if headers is not None and request_id:
        headers["vanban_request_id"] = request_id


@setup_logging.connect
def _keep_our_logging(**_: Any) -> None:
    """The worker's logging is ours (``service.logs.configure``, called by ``vanban worker``): Celery adds none."""


def settings_of(app: Celery) -> Settings:
    """The Settings a Celery app was built from by ``make_celery``: its tasks and worker signals run with them."""
    settings = getattr(app, "vanban_settings", None)
    if not isinstance(settings, Settings):
        raise ConfigurationError("the Celery app was not built by make_celery(settings)")
    return settings


def make_celery(settings: Settings) -> Celery:
    app = Celery("vanban", broker=settings.broker_url, include=["service.tasks"])
    app.vanban_settings = settings
    options: dict[str, object] = {}
    if settings.local_queue:
        app.conf.broker_transport = "service.adapters.local_queue:Transport"  # messages appear whole
        folder = str(settings.queue_dir)
        control = str(settings.queue_dir / "control")  # kombu's default is ./control, in whatever folder we run
        options = {
            "data_folder_in": folder,
            "data_folder_out": folder,
            "control_folder": control,
            "polling_interval": 0.05,  # a task put by another process waits at most this long (local_queue)
        }
    else:  # Redis: a message a worker took and never acknowledged (it died) is delivered again after this
        options = {"visibility_timeout": settings.task_visibility_seconds}
    app.conf.update(
        broker_transport_options=options,
        broker_connection_retry_on_startup=True,
        task_default_queue=settings.queue_name,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # a worker process killed: its task goes back to the queue after this, not Celery's 10 s spent waiting for
        # a result it might have sent first (results are ignored here)
        worker_lost_wait=1.0,
        worker_hijack_root_logger=False,
        task_serializer="json",
        accept_content=["json"],
    )
    if settings.archive_check_hours:  # fixity: the worker started with --beat sends it on schedule
        app.conf.beat_schedule = {
            "archive-check": {"task": "vanban.check_archive", "schedule": timedelta(hours=settings.archive_check_hours)}
        }
        app.conf.beat_schedule_filename = str(settings.data_dir / "beat-schedule")
    return app
