"""``vanban archive``: the archive's commands. ``check`` re-hashes every archived file the database refers to."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from service.config import get_settings
from service.errors import ArchiveRefused, ArchiveUnreachable, VanbanError

app = typer.Typer(help="The archive (lưu trữ): a local folder or an S3-compatible store.")
console = Console(stderr=True, soft_wrap=True)


@app.command("check")
def archive_check(
    as_json: Annotated[bool, typer.Option("--json", help="the report as JSON on stdout")] = False,
) -> None:
    """Re-hash every archived file the database refers to (documents' PDF and DOCX, templates); list the missing
    and changed ones. Exit 0 when all are intact, 1 naming each problem, 2 when the archive cannot be reached
    or opened."""
    from service.runtime import Runtime
    from service.services.fixity import check_and_record

    rt = Runtime(get_settings())
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("re-hashing / đang kiểm tra", total=None)
            report = check_and_record(
                rt.archive,
                rt.db,
                "cli",
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except (ArchiveUnreachable, ArchiveRefused) as exc:
        console.print(f"[red]{exc.message_vi}[/red]\n{exc.message_en}")
        raise typer.Exit(2) from None
    except VanbanError as exc:
        console.print(f"[red]{exc.message_vi}[/red]\n{exc.message_en}")
        raise typer.Exit(1) from None
    finally:
        rt.db.dispose()
    if as_json:
        typer.echo(json.dumps({**report.summary(), "problems": [p.to_dict() for p in report.problems]}, indent=2))
    for p in report.problems:
        console.print(f"{p.problem:<10} {p.stored.owner} {p.stored.owner_id} ({p.stored.role}) {p.key}")
    if report.problems:
        console.print(
            f"[red]{len(report.problems)} tệp lưu trữ bị thiếu hoặc bị thay đổi[/red] / "
            f"{len(report.problems)} archived file(s) missing or changed, of {report.checked} in {report.location}"
        )
        raise typer.Exit(1)
    console.print(
        f"archive intact: {report.checked} files in {report.location} / kho lưu trữ nguyên vẹn: {report.checked} tệp"
    )
