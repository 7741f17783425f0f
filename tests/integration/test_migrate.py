"""Several processes starting at once on a new database (serve and workers) migrate it once, without an error."""

from __future__ import annotations

import subprocess
import sys

from service.config import PROJECT_ROOT
from tests.backends import postgres_database


def test_processes_migrating_a_new_postgresql_database_at_once_all_succeed() -> None:
    with postgres_database() as url:
        code = f"from service.adapters.migrate import upgrade; upgrade({url!r})"
        procs = [
            subprocess.Popen([sys.executable, "-c", code], cwd=PROJECT_ROOT, stderr=subprocess.PIPE, text=True)
            for _ in range(4)
        ]
        errors = [p.communicate(timeout=120)[1] for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0, 0], "\n".join(errors)[-3000:]
