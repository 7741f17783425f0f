"""``vanban render``: one document, through the service functions the API and the workers use."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service.cli.common import console, fail, read_json
from service.config import get_settings
from service.errors import VanbanError


def render(
    template: str,
    data: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON payload (the template's data)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="where to write the PDF")],
    no_sign: Annotated[bool, typer.Option("--no-sign", help="an unsigned, unnumbered draft; nothing recorded")] = False,
) -> None:
    """Render one document. Signed (default): requested as ``POST /api/v1/documents`` does (direct, the local
    operator issuing without the office's review) and produced as a worker does, in this process: numbered in the
    register, signed with the organisation key, archived. ``--no-sign``: a preview PDF with no number."""
    from service.adapters.renderer import DocxRenderer
    from service.runtime import Runtime, prepare
    from service.services.production import preview_document
    from service.services.requesting import RequestDocument, request_document

    settings = get_settings()
    payload = read_json(data)
    prepare(settings)
    rt = Runtime(settings)
    try:
        if no_sign:
            pdf = preview_document(
                rt.templates,
                DocxRenderer(),
                rt.converter,
                rt.clock,
                template,
                payload,
                settings.organisation_abbreviation,
            )
        else:
            requested = request_document(
                rt.db,
                rt.templates,
                RequestDocument(template_id=template, data=payload, workflow="direct"),
                default_organisation=settings.organisation_abbreviation,
            )
            rt.production.produce_document(requested.document_id)
            with rt.db.uow() as tx:
                doc = tx.repo.document(requested.document_id)
            assert doc.pdf_sha256 is not None
            pdf = rt.archive.get(doc.pdf_sha256, ".pdf")
            console.print(f"issued {doc.notation} (document {doc.id})")
    except VanbanError as exc:
        fail(exc)
    finally:
        rt.converter.stop()
    output.write_bytes(pdf)
    console.print(f"wrote {output}")
