"""Templates: a .docx with its JSON Schema, example payload and document-type facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Template:
    """One version of a document template.

    id: the template id, e.g. ``giay-trieu-tap``.
    version: sha256 over the template's files; every document records the version it used.
    title: the document type in Vietnamese, e.g. "Giấy triệu tập".
    type_abbreviation: the ký hiệu part for the type (GTT, QĐ); empty for a công văn.
    schema: the JSON Schema a request's ``data`` must satisfy.
    example: a payload that satisfies ``schema``.
    docx: the template file.
    """

    id: str
    version: str
    title: str
    type_abbreviation: str
    schema: dict[str, Any]
    example: dict[str, Any]
    docx: bytes = field(repr=False)

    @property
    def workflow(self) -> str:
        """``direct`` or ``review``: the template's default workflow (``x-vanban.workflow`` of its schema)."""
        facts = self.schema.get("x-vanban", {})
        return str(facts.get("workflow", "direct")) if isinstance(facts, dict) else "direct"
