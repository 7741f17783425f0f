"""What every command shares: the console (stderr; stdout is for what a command prints as its result), how a
service error is shown, reading a JSON file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console

from service.errors import InvalidRequest, VanbanError

console = Console(stderr=True, soft_wrap=True)  # a message is one line, whatever the terminal width


def fail(exc: VanbanError, code: int = 1) -> NoReturn:
    """Show a service error, in Vietnamese then English, every wrong field by path; exit ``code``."""
    console.print(f"[red]{exc.message_vi}[/red]\n{exc.message_en}")
    if isinstance(exc, InvalidRequest):
        for e in exc.errors:
            console.print(f"  {e.path}: {e.message_vi} / {e.message_en}")
    raise typer.Exit(code)


def read_json(path: Path) -> Any:
    """The JSON in ``path``; a file that does not parse ends the command (exit 1) naming it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        console.print(f"[red]Tệp JSON không đọc được[/red] / cannot read JSON {path}: {exc}")
        raise typer.Exit(1) from None
