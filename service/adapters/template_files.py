"""Templates shipped as folders: ``templates_docx/<id>/template.docx, schema.json, example.json``."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from service.domain.templates import Template
from service.errors import TemplateNotFound

FILES = ("template.docx", "schema.json", "example.json")


class TemplateFolder:
    """Reads templates from a folder; a template's version is the sha256 over its three files."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def ids(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if (p / "template.docx").is_file())

    def get(self, template_id: str) -> Template:
        folder = self.root / template_id
        if "/" in template_id or template_id.startswith(".") or not (folder / "template.docx").is_file():
            raise TemplateNotFound(template_id)
        stamps = tuple((folder / f).stat().st_mtime_ns for f in FILES)
        return _load(folder, stamps)


def template_version(docx: bytes, schema: bytes, example: bytes) -> str:
    """A template version's identity: sha256 over the sha256 of each of its three files."""
    digest = hashlib.sha256()
    for name, blob in zip(FILES, (docx, schema, example), strict=True):
        digest.update(name.encode() + b"\0" + hashlib.sha256(blob).digest())
    return digest.hexdigest()


@lru_cache(maxsize=64)
def _load(folder: Path, _stamps: tuple[int, ...]) -> Template:
    blobs = {name: (folder / name).read_bytes() for name in FILES}
    schema = json.loads(blobs["schema.json"])
    facts = schema.get("x-vanban", {})
    return Template(
        id=folder.name,
        version=template_version(*(blobs[name] for name in FILES)),
        title=schema.get("title", folder.name),
        type_abbreviation=facts.get("type_abbreviation", ""),
        schema=schema,
        example=json.loads(blobs["example.json"]),
        docx=blobs["template.docx"],
    )
