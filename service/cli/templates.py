"""``vanban templates``: the templates this service fills, and their example payloads."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from service.cli.common import console, fail
from service.config import get_settings
from service.errors import VanbanError
from service.services.templates import TemplateCatalog

app = typer.Typer(help="Document templates.")


def _catalog() -> TemplateCatalog:
    from service.runtime import Runtime, prepare

    settings = get_settings()
    prepare(settings)
    return Runtime(settings).templates


@app.command("list")
def templates_list() -> None:
    """The templates this service can fill (shipped and registered)."""
    catalog = _catalog()
    for template_id in catalog.ids():
        t = catalog.get(template_id)
        typer.echo(f"{t.id}\t{t.title}\t{t.version[:12]}")


@app.command("example")
def templates_example(
    template: str,
    batch: Annotated[bool, typer.Option("--batch", help='{"batch": ..., "rows": [...]} for a class list')] = False,
) -> None:
    """Print a template's example payload (the ``data`` of a request)."""
    from service.services.requesting import batch_example

    try:
        t = _catalog().get(template)
    except VanbanError as exc:
        fail(exc)
    example = t.example
    if batch:
        facts = t.schema.get("x-vanban", {})
        if "row" not in facts and "rows_into" not in facts:
            console.print(f"{template} is not made from a list / mẫu này không lập từ danh sách")
            raise typer.Exit(1)
        example = batch_example(t.example, facts)
    typer.echo(json.dumps(example, ensure_ascii=False, indent=2))
