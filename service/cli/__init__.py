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

import typer

from service.cli import archive, audit, batches, documents, records, server, sign_agent, signatures, templates, users

app = typer.Typer(help="vanban: official documents of the school, filled, converted, numbered, signed.")
app.command()(server.serve)
app.command()(server.worker)
app.command()(documents.render)
app.command("batch")(batches.batch)
app.command()(signatures.sign)
app.command()(signatures.verify)
app.command("sign-agent")(sign_agent.sign_agent)
app.add_typer(templates.app, name="templates")
app.add_typer(signatures.pki_app, name="pki")
app.add_typer(users.app, name="users")
app.add_typer(audit.app, name="audit")
app.add_typer(archive.app, name="archive")
app.add_typer(records.app, name="records")

__all__ = ["app"]
