"""``vanban users``: people and their roles, as an administrator adds them through ``POST /api/v1/users``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service.cli.common import console, fail
from service.config import get_settings
from service.errors import VanbanError

app = typer.Typer(help="People and their roles.")


@app.command("create")
def users_create(
    username: str,
    organisation: Annotated[str, typer.Option(help="abbreviation of the user's body, e.g. TCT")],
    role: Annotated[list[str], typer.Option(help="requester, clerk, signer or admin (repeat for several)")],
    full_name: Annotated[str, typer.Option(help="full name")] = "",
    title: Annotated[str, typer.Option(help="e.g. Hiệu trưởng")] = "",
    organisation_name: Annotated[str | None, typer.Option(help="the body's name, if it is new")] = None,
    p12: Annotated[Path | None, typer.Option(help="a signer's PKCS#12 key file")] = None,
    certificate: Annotated[
        Path | None, typer.Option(help="the signer's certificate (PEM), needed for two-step and remote signing")
    ] = None,
    api_key: Annotated[bool, typer.Option(help="also print a new API key")] = False,
) -> None:
    """Create a user (the first admin, say); the password is asked for and never shown."""
    from service.adapters.migrate import upgrade
    from service.services.auth import NewUser, register_user
    from service.unit_of_work import Database

    settings = get_settings()
    upgrade(settings.database)
    password = typer.prompt("password / mật khẩu", hide_input=True, confirmation_prompt=True)
    credential = {"kind": "pkcs12", "path": str(p12.resolve())} if p12 else None
    if certificate is not None:
        credential = (credential or {}) | {"certificate": certificate.read_text()}
    new = NewUser(username, full_name or username, organisation, role, title, password, organisation_name, credential)
    db = Database(settings.database)
    try:
        added = register_user(db, new, api_key=api_key)
    except VanbanError as exc:
        fail(exc)
    finally:
        db.dispose()
    console.print(f"created {username} ({', '.join(role)}) in {organisation}")
    if added.api_key:
        typer.echo(added.api_key)
