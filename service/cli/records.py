"""``vanban records``: the files of records (hồ sơ). ``export`` writes the ZIP ``GET /api/v1/records/{code}/export``
sends, through the same service function."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service.cli.common import console, fail
from service.config import get_settings
from service.errors import VanbanError

app = typer.Typer(help="Files of records (hồ sơ): export for transfer to the archive.")


@app.command("export")
def export(
    file_code: Annotated[str, typer.Argument(help="the hồ sơ's code (mã hồ sơ)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="where to write the ZIP")],
) -> None:
    """Export a hồ sơ as a ZIP: its PDFs, hoso.xml (checked against the shipped hoso.xsd) and manifest-sha256.txt.
    Exit 1 naming the problem (no such hồ sơ, an archived file missing or changed, an XML the schema refuses)."""
    from service.runtime import Runtime
    from service.services.records import console_operator

    settings = get_settings()
    rt = Runtime(settings)
    try:
        file = rt.records.export(console_operator(settings.organisation_abbreviation), file_code)
    except VanbanError as exc:
        fail(exc)
    finally:
        rt.db.dispose()
    output.write_bytes(file.data)
    console.print(f"wrote {output} ({len(file.data)} bytes) / đã ghi {output}")
