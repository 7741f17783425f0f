"""``vanban templates``: the templates this service fills, and their example payloads."""

from __future__ import annotations

import json
from pathlib import Path
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


@app.command("check")
def templates_check(file: Path) -> None:
    """What a .docx template uses, before uploading it: placeholders and their inferred types, the derived
    schema, a generated example, warnings. Exit code 1 when registration would refuse it."""
    from service.services.templates import check_template

    try:
        report = check_template(file.read_bytes(), file.stem.lower())
    except VanbanError as exc:
        fail(exc)
    except OSError as exc:
        console.print(f"[red]Không đọc được tệp[/red] / cannot read {file}: {exc}")
        raise typer.Exit(1) from None
    typer.echo("Placeholders / trường dữ liệu:")
    for path, kind in report.kinds.items():
        typer.echo(f"  {path}: {kind}")
    typer.echo("Schema:")
    typer.echo(json.dumps(report.schema, ensure_ascii=False, indent=2))
    typer.echo("Example / dữ liệu mẫu:")
    typer.echo(json.dumps(report.example, ensure_ascii=False, indent=2))
    for warning in report.warnings:
        typer.echo(f"warning / lưu ý: {warning}")
    for error in report.errors:
        typer.echo(f"error / lỗi: {error}")
    if report.errors:
        raise typer.Exit(1)


@app.command("use")
def templates_use(template: str, version: str) -> None:
    """Make an earlier version (its id or first 8+ characters) current again."""
    try:
        t = _catalog().make_current(None, template, version)
    except VanbanError as exc:
        fail(exc)
    typer.echo(f"{t.id}\t{t.version[:12]}\tcurrent / đang dùng")


@app.command("changes")
def templates_changes(template: str, old: str, new: str) -> None:
    """Placeholders added, removed and retyped from version OLD to version NEW."""
    try:
        diff = _catalog().changes(template, old, new)
    except VanbanError as exc:
        fail(exc)
    typer.echo(json.dumps(diff, ensure_ascii=False, indent=2))
