"""The ``vanban`` command finds each of its commands, and loads only the one it runs."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from service.cli import _COMMANDS, app
from service.config import PROJECT_ROOT


@pytest.mark.parametrize("name", list(_COMMANDS))
def test_every_command_answers_its_help(name: str) -> None:
    run = CliRunner().invoke(app, [name, "--help"], prog_name="vanban")
    assert run.exit_code == 0, run.output
    assert f"vanban {name}" in run.output


def test_the_help_lists_every_command_and_an_unknown_one_is_refused() -> None:
    listed = CliRunner().invoke(app, ["--help"], prog_name="vanban")
    assert listed.exit_code == 0 and all(name in listed.output for name in _COMMANDS)
    unknown = CliRunner().invoke(app, ["nosuch"])
    assert unknown.exit_code == 2 and "No such command" in unknown.output


def test_verify_starts_without_loading_the_service() -> None:
    """``vanban verify`` needs the signing package only: not the database, the renderer or the API."""
    probe = (
        "import sys; from typer.testing import CliRunner; from service.cli import app; "
        "run = CliRunner().invoke(app, ['verify', '--help']); "
        "heavy = ('service.runtime', 'service.adapters.orm', 'docxtpl'); "
        "print(run.exit_code, sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=PROJECT_ROOT, check=True)
    assert out.stdout.strip() == "0 []", out.stdout + out.stderr
