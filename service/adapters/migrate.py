"""Brings a database to the newest schema with Alembic (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from service.errors import VanbanError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def upgrade(database_url: str) -> None:
    """The schema brought to the newest, in this process."""
    from alembic import command  # here, not at import: see upgrade_apart
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(cfg, "head")


def upgrade_apart(database_url: str, timeout: float = 600.0) -> None:
    """``upgrade`` in a Python process of its own (0.4 s), for the processes that live on (the API, a worker node):
    they never hold Alembic and Mako (~15 MB) that every worker process forked from them would share. The URL goes
    on stdin, never on a command line that ``ps`` shows; ``-P``: the child imports this project, never a ``service``
    folder in the directory it was started from. What Alembic said is logged."""
    try:
        done = subprocess.run(
            [sys.executable, "-P", "-m", __name__],
            input=database_url,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        done = subprocess.CompletedProcess([], 1, "", f"no answer within {timeout:g} s")
    for line in done.stderr.splitlines():
        log.log(logging.ERROR if done.returncode else logging.INFO, "migration: %s", line)
    if done.returncode:
        reason = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise VanbanError(
            f"the database could not be brought to the newest schema: {reason}",
            f"Không đưa được cơ sở dữ liệu lên lược đồ mới nhất: {reason}",
        )


if __name__ == "__main__":
    try:
        upgrade(sys.stdin.read())
    except Exception as exc:  # the traceback, then the first line of the error: what upgrade_apart reports
        import traceback

        traceback.print_exc()
        sys.exit(f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}")
