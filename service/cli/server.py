"""``vanban serve`` and ``vanban worker``: the API (with its workers on the embedded default) and worker nodes."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from service.adapters.metrics import MULTIPROCESS_ENV, serve_node_metrics, use_folder
from service.cli.common import console
from service.config import Settings, get_settings
from service.logs import configure


def _people(settings: Settings) -> None:
    """The bootstrap API key (``VANBAN_BOOTSTRAP_API_KEY``) and, on a first demo start, the demo users."""
    from service.services.auth import bootstrap_api_key, create_demo_users
    from service.unit_of_work import Database

    db = Database(settings.database)
    try:
        demo = settings.demo_users if settings.demo_users is not None else not settings.production
        if demo:  # first: the demo names the school (the key's user would make it under its abbreviation)
            people = create_demo_users(db, settings.organisation_abbreviation, settings.pki, settings.pki_password)
            if people:
                console.print("[bold]Demo users (passwords shown this once / mật khẩu chỉ hiện một lần):[/bold]")
                for username, password, roles in people:
                    console.print(f"  {username:<12} {password:<14} {roles}")
        if settings.bootstrap_api_key:
            bootstrap_api_key(db, settings.bootstrap_api_key, settings.organisation_abbreviation)
    finally:
        db.dispose()


def _observe(settings: Settings, metrics_folder: Path, *, clear: bool) -> None:
    """Logs in the settings' format, and this process's metrics (and its children's) in ``metrics_folder``."""
    configure(settings.log_format, settings.log_level)
    use_folder(metrics_folder, clear=clear)


def serve() -> None:
    """Start the API (and, on the embedded default, the workers with it)."""
    import uvicorn

    from service.main import create_app
    from service.runtime import prepare

    settings = get_settings()
    _observe(settings, settings.metrics / "serve", clear=True)  # the workers started below record there too
    prepare(settings, lives_on=True)
    _people(settings)
    app = create_app(settings)
    node: WorkerNode | None = None
    if settings.start_workers:
        node = WorkerNode.fork(settings, beat=bool(settings.archive_check_hours))  # the schedule runs there too
        console.print(f"started {settings.worker_concurrency} worker process(es), pid {node.pid}")
    # uvicorn re-raises SIGTERM after its graceful shutdown; as SystemExit it lets `finally` stop the workers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        console.print(f"vanban on http://{settings.host}:{settings.port} (data in {settings.data_dir})")
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            log_config=None,  # uvicorn's records go to our handler (service.logs); requests are logged by the app
            access_log=False,
        )
    finally:
        if node is not None:
            node.stop(30)


class WorkerNode:
    """The embedded worker node: forked by ``vanban serve`` once the API and the workers' code are imported, so that
    the code is in memory once, shared by the API, the node and the worker processes the node forks in turn (a
    ``vanban worker`` started as a program of its own would load all of it again, about 100 MB). It dies with the
    API (SIGTERM when its parent dies) and is named ``vanban-worker`` (``ps``, ``/proc/PID/comm``)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    @classmethod
    def fork(cls, settings: Settings, *, beat: bool) -> WorkerNode:
        import celery.apps.worker  # noqa: F401  (the worker's own machinery, imported before the fork: shared)

        import service.tasks  # noqa: F401  (what the worker processes run)
        from service.adapters.process import die_with_parent, name_process, share_with_children

        parent = os.getpid()
        share_with_children()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid:
            return cls(pid)
        code = 1
        try:
            die_with_parent()
            if os.getppid() != parent:  # the API died before the line above: so does its node
                os._exit(1)
            name_process("vanban-worker")
            _run_worker(settings, settings.worker_concurrency, beat)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    def stop(self, timeout: float) -> None:
        """SIGTERM (Celery's warm shutdown: the tasks in hand end), then SIGKILL after ``timeout`` seconds."""
        import time

        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.waitpid(self.pid, os.WNOHANG)[0]:
                return
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="worker processes (default VANBAN_WORKER_CONCURRENCY)")
    ] = None,
    beat: Annotated[
        bool, typer.Option(help="also send the scheduled tasks (VANBAN_ARCHIVE_CHECK_HOURS); on one worker only")
    ] = False,
) -> None:
    """Start a Celery worker; run any number of them, on any machine that reaches the database and broker."""
    from service.runtime import prepare

    settings = get_settings()
    if not os.environ.get(MULTIPROCESS_ENV):  # started on its own, not by `vanban serve`: a folder of its own
        _observe(settings, settings.metrics / f"worker-{os.getpid()}", clear=True)
        if settings.worker_metrics_port:
            token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
            serve_node_metrics(settings.worker_metrics_port, settings.host, token)
    else:
        configure(settings.log_format, settings.log_level)
    prepare(settings, lives_on=True)
    _run_worker(settings, concurrency or settings.worker_concurrency, beat)


def _run_worker(settings: Settings, concurrency: int, beat: bool) -> None:
    from service.worker import make_celery

    make_celery(settings).worker_main(
        [
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            f"--queues={settings.queue_name}",
            f"--hostname=vanban-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
            *(["--beat"] if beat else []),
        ]
    )
