"""Several processes starting at once on a new database (serve and workers) migrate it once, without an error."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from service.adapters.migrate import upgrade_apart
from service.config import PROJECT_ROOT
from service.errors import VanbanError
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


def test_the_api_and_worker_nodes_migrate_apart_and_never_hold_alembic_or_pypdf(tmp_path: Path) -> None:
    """``vanban serve`` and ``vanban worker`` migrate in a process of their own, and import what they run: Alembic,
    Mako and pypdf would take ~20 MB in them and in every worker process they fork."""
    code = (
        "import sys; from pathlib import Path; from service.config import Settings; "
        "from service.runtime import prepare; "
        f"prepare(Settings(data_dir=Path({str(tmp_path)!r}), pki_password='x' * 16), lives_on=True); "
        "import service.cli.server, service.main, service.tasks, celery.apps.worker; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'mako', 'pypdf'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
    with sqlite3.connect(tmp_path / "vanban.sqlite") as db:  # migrated all the same
        assert db.execute("select version_num from alembic_version").fetchone()


def test_a_migration_apart_that_fails_says_why_and_never_the_password() -> None:
    with pytest.raises(VanbanError, match=r"newest schema: OperationalError: .*refused") as failed:
        upgrade_apart("postgresql+psycopg://vanban:s3cret-pw@127.0.0.1:1/none")
    assert "lược đồ" in failed.value.message_vi
    assert "s3cret-pw" not in failed.value.message_en + failed.value.message_vi


def test_a_migration_apart_never_runs_a_service_folder_of_the_directory_it_was_started_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``python -m`` would import the working directory's ``service`` first, and hand it the database URL."""
    decoy = tmp_path / "cwd" / "service" / "adapters"
    decoy.mkdir(parents=True)
    for init in (decoy.parent / "__init__.py", decoy / "__init__.py"):
        init.write_text("")
    leaked = tmp_path / "leaked"
    (decoy / "migrate.py").write_text(f"import sys; open({str(leaked)!r}, 'w').write(sys.stdin.read())\n")
    monkeypatch.chdir(decoy.parent.parent)
    upgrade_apart(f"sqlite:///{tmp_path / 'x.sqlite'}")
    assert not leaked.exists()
    with sqlite3.connect(tmp_path / "x.sqlite") as db:
        assert db.execute("select version_num from alembic_version").fetchone()
