"""Rows written straight into a test's database: a finished job and a document of it, with only what a test says."""

from __future__ import annotations

import uuid
from typing import Any

from service.adapters.orm import DocumentRow, JobRow, UserRow

OWNER_CHANGES = ("deactivated", "moved", "lost_role")
"""What takes from a webhook endpoint's owner the right to have it."""


def finished_job(documents: int = 1) -> JobRow:
    return JobRow(
        id=str(uuid.uuid4()), kind="document", status="succeeded", done=documents, total=documents, attempts=1
    )


def document_row(job: JobRow, status: str, **values: Any) -> DocumentRow:
    """A call-up letter of ``job`` in ``status`` for the default organisation, with ``values`` (its files...)."""
    return DocumentRow(
        id=str(uuid.uuid4()),
        job_id=job.id,
        template_id="giay-trieu-tap",
        template_version="0" * 64,
        data={},
        status=status,
        organisation="TCT",
        register="default",
        request_hash="0" * 64,
        **values,
    )


def change_owner(user: UserRow, change: str) -> None:
    """One of ``OWNER_CHANGES`` made to ``user``: deactivated, moved to TDTN, or left only the signer role."""
    if change == "deactivated":
        user.active = False
    elif change == "moved":
        user.organisation = "TDTN"
    else:
        user.roles = ["signer"]
