"""``vanban serve`` and ``vanban worker``: the API (with its workers on the embedded default) and worker nodes."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from service.adapters.metrics import MULTIPROCESS_ENV, serve_node_metrics, use_folder
from service.adapters.process import share_malloc_arenas
from service.cli.common import console
from service.config import Settings, get_settings
from service.logs import configure

if TYPE_CHECKING:
    import uvicorn


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
    _observe(settings, settings.metrics / "serve", clear=True)
    prepare(settings, lives_on=True)
    _people(settings)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's records go to our handler (service.logs); requests are logged by the app
        access_log=False,
        timeout_graceful_shutdown=10,  # a caller holding a long look at a job (``?wait=``) does not hold the stop
    )
    console.print(f"vanban on http://{settings.host}:{settings.port} (data in {settings.data_dir})")
    if not settings.start_workers:
        # uvicorn re-raises SIGTERM after its graceful shutdown: an exit of 0, as a stop asked for
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        uvicorn.Server(config).run()
        return
    _serve_with_workers(settings, uvicorn.Server(config))


SWITCH_INTERVAL = 0.0005
"""Seconds a thread holds the GIL while another waits for it (Python's default: 0.005): a thread back from
LibreOffice or the network waits at most this long for a thread rendering or signing; at 5 ms, the few such waits of
each conversion made it take twice as long."""


def _serve_with_workers(settings: Settings, api: uvicorn.Server) -> None:
    """The embedded default: the API and the workers in one process. The API answers on a thread of its own; the
    workers run ``settings.worker_threads`` tasks at once on threads of the main one (Celery's ``threads`` pool),
    which takes the signals: SIGTERM ends the tasks in hand, then the API. One process holds the code and the data
    once: a worker process forked beside the API copied half of it (~150 MiB more for a batch; LibreOffice, which
    does most of the work, runs in processes of its own either way)."""
    import threading

    working, stopping = threading.Event(), threading.Event()

    def answer() -> None:
        try:
            api.run()
        finally:
            if working.is_set() and not stopping.is_set():  # the API ended on its own: the workers end too
                os.kill(os.getpid(), signal.SIGTERM)

    sys.setswitchinterval(SWITCH_INTERVAL)
    share_malloc_arenas()
    thread = threading.Thread(target=answer, name="api")
    thread.start()
    try:
        while not api.started and thread.is_alive():
            thread.join(0.05)
        if not thread.is_alive():  # it could not start (its port taken, say)
            raise SystemExit(1)
        console.print(f"started {settings.worker_threads} worker thread(s)")
        working.set()
        _run_worker(settings, settings.worker_threads, bool(settings.archive_check_hours), pool="threads")
    finally:
        stopping.set()
        api.should_exit = True
        thread.join(30)


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


def _run_worker(settings: Settings, concurrency: int, beat: bool, pool: str = "prefork") -> None:
    from service.worker import make_celery

    app = make_celery(settings)
    app.conf.worker_pool = pool
    app.worker_main(
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
