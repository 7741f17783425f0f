"""The ``vanban`` command, one module per group of commands. Each command calls the service function its API route
calls (or, for what has no route, the one the workers run): the command line is one more way in, not another path.

    serve, worker                  server.py      the API and the worker nodes
    render                         documents.py   one document, issued at once or as an unsigned preview
    batch                          batches.py     a class list in, letters out, made as the workers make them
    templates list / example / check / use / changes   templates.py
    users create                   users.py
    audit verify                   audit.py
    archive check                  archive.py     the archive's fixity: every stored file re-hashed
    records export                 records.py     a hồ sơ as a ZIP: PDFs, hoso.xml, SHA-256 manifest
    pki demo, sign, verify         signatures.py  PAdES signing and checking of any PDF
    sign-agent                     sign_agent.py  on a leader's computer: their USB token signs the inbox's digests
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperGroup

_COMMANDS = {
    "serve": ("server", "serve"),
    "worker": ("server", "worker"),
    "render": ("documents", "render"),
    "batch": ("batches", "batch"),
    "sign": ("signatures", "sign"),
    "verify": ("signatures", "verify"),
    "sign-agent": ("sign_agent", "sign_agent"),
    "templates": ("templates", "app"),
    "pki": ("signatures", "pki_app"),
    "users": ("users", "app"),
    "audit": ("audit", "app"),
    "archive": ("archive", "app"),
    "records": ("records", "app"),
}
"""Each command: the module of this package that holds it, and its function or its group (a ``typer.Typer``)."""


class _Commands(TyperGroup):
    """The commands, each imported when it is called: ``vanban verify`` loads the signing package, not the whole
    service (a command line that starts in a fraction of the two seconds everything takes)."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:  # contexts and commands of typer's own click
        if cmd_name not in _COMMANDS:
            return None
        module, attribute = _COMMANDS[cmd_name]
        found = getattr(importlib.import_module(f"service.cli.{module}"), attribute)
        if isinstance(found, typer.Typer):
            group = typer.main.get_group(found)
            group.name = cmd_name
            return group
        single = typer.Typer(add_completion=False)  # the completion options are the top command's
        single.command(cmd_name)(found)
        return typer.main.get_command(single)


app = typer.Typer(cls=_Commands, help="vanban: official documents of the school, filled, converted, numbered, signed.")


@app.callback()
def _vanban() -> None:
    """vanban: official documents of the school, filled, converted, numbered, signed."""


__all__ = ["app"]
