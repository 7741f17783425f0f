"""``vanban audit``: the hash-chained audit trail."""

from __future__ import annotations

import typer

from service.cli.common import console
from service.config import get_settings

app = typer.Typer(help="The audit trail.")


@app.command("verify")
def audit_verify() -> None:
    """Recompute the audit chain; exit 1 naming the first entry that was changed, removed or reordered."""
    from service.domain.audit import first_break
    from service.unit_of_work import Database

    db = Database(get_settings().database)
    try:
        with db.uow() as tx:
            entries, head_seq, head_hash = tx.repo.audit_chain()
    finally:
        db.dispose()
    broken = first_break(entries, head_seq, head_hash)
    if broken is not None:
        console.print(f"[red]Nhật ký bị sửa: {broken.reason_vi}[/red]\naudit chain broken: {broken.reason_en}")
        raise typer.Exit(1)
    console.print(f"audit chain intact: {len(entries)} entries / nhật ký nguyên vẹn: {len(entries)} mục")
