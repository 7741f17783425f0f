"""The template registry: shipped templates (templates_docx/) and versions registered over the API.

A version is the sha256 over its three files; documents record the version they used, and every version stays
available for them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from service.adapters.orm import TemplateVersionRow
from service.adapters.renderer import inspect_docx, refuse_unusable, render_docx
from service.adapters.template_files import TemplateFolder, template_version
from service.domain.clock import Clock
from service.domain.documents import BODY_ABBREVIATION
from service.domain.enrich import computed_paths
from service.domain.office import Principal, Role
from service.domain.placeholders import Inspection, Use, example_of, mismatches, object_schema, without
from service.domain.templates import Template
from service.errors import ArchiveMissing, FieldError, InvalidRequest, RenderError, TemplateNotFound, VanbanError
from service.services.auth import require
from service.services.ports import Archive, Database
from service.services.production import render_context
from service.services.validation import check_schema, check_text, validate

TEMPLATE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,60}$")
COMPUTED = {"document"}  # what the service adds to every context: number, date line
DOCUMENT_FIELDS = ("notation", "issued_on", "place_date")  # what it holds


def _refuse_own_document(found: Inspection) -> None:
    """A template's own field named ``document``, or ``document`` printed whole: the service fills that name itself
    (``document.notation``, ``.issued_on``, ``.place_date``), and the caller's value would be replaced by it."""
    use = found.placeholders.get("document")
    if use is not None and (use.kind != "object" or not set(use.fields) <= set(DOCUMENT_FIELDS)):
        fields = ", ".join(f"document.{f}" for f in DOCUMENT_FIELDS)
        raise InvalidRequest(
            [
                FieldError(
                    "docx",
                    f"'document' is the service's own field ({fields}): name the template's field otherwise",
                    f"'document' là trường hệ thống tự điền ({fields}): hãy đặt tên khác cho trường của mẫu",
                )
            ]
        )


@dataclass(frozen=True)
class VersionInfo:
    version: str
    source: str  # "shipped" or "registered"
    created_at: datetime | None


class TemplateCatalog:
    """Shipped templates, overridden by the newest registered version of the same id."""

    def __init__(self, folder: TemplateFolder, db: Database, archive: Archive, clock: Clock) -> None:
        self.folder, self.db, self.archive, self.clock = folder, db, archive, clock
        self._docx = lru_cache(maxsize=128)(lambda digest: self.archive.get(digest, ".docx"))

    def _rows(self, template_id: str | None = None) -> list[TemplateVersionRow]:
        with self.db.uow() as tx:
            return tx.repo.template_versions(template_id)

    def _from_row(self, row: TemplateVersionRow) -> Template:
        return Template(
            id=row.template_id,
            version=row.version,
            title=row.title,
            type_abbreviation=row.type_abbreviation,
            schema=row.schema_,
            example=row.example,
            docx=self._docx(row.docx_sha256),
        )

    def ids(self) -> list[str]:
        return sorted(set(self.folder.ids()) | {r.template_id for r in self._rows()})

    def get(self, template_id: str, version: str | None = None) -> Template:
        rows = self._rows(template_id)
        if version is None:
            return self._from_row(rows[-1]) if rows else self.folder.get(template_id)
        for row in rows:
            if row.version == version:
                return self._from_row(row)
        shipped = self.folder.get(template_id)
        if shipped.version == version:
            return shipped
        raise TemplateNotFound(f"{template_id}@{version[:12]}")

    def stored_file(self, digest: str) -> bytes:
        """A picture already in the archive, by its sha256 (``{"file": ...}`` in an image field)."""
        for suffix in (".png", ".jpg", ".jpeg"):
            try:
                return self.archive.get(digest, suffix)
            except ArchiveMissing:
                continue
        raise InvalidRequest([FieldError("file", f"no stored picture {digest}", f"không có ảnh đã lưu {digest}")])

    def _version(self, template_id: str, version: str) -> str:
        """The full version a prefix (at least 8 characters) names."""
        matches = [v.version for v in self.versions(template_id) if v.version.startswith(version)]
        if len(version) < 8 or len(set(matches)) != 1:
            raise TemplateNotFound(f"{template_id}@{version[:12]}")
        return matches[0]

    def make_current(self, who: Principal | None, template_id: str, version: str) -> Template:
        """Make an earlier version the one new documents use again (admin); documents keep the version they
        used. Versions are listed in the order they were made current."""
        if who is not None:
            require(who, Role.ADMIN)
        version = self._version(template_id, version)
        with self.db.uow() as tx:
            for row in tx.repo.template_versions(template_id):
                if row.version == version:
                    row.created_at = self.clock.now()
                    tx.commit()
                    return self.get(template_id)
        shipped = self.folder.get(template_id)  # the shipped files, registered again as the newest version
        with self.db.uow() as tx:
            tx.repo.add(
                TemplateVersionRow(
                    template_id=template_id,
                    version=shipped.version,
                    title=shipped.title,
                    type_abbreviation=shipped.type_abbreviation,
                    docx_sha256=self.archive.put(shipped.docx, ".docx"),
                    schema_=shipped.schema,
                    example=shipped.example,
                    placeholders=sorted(inspect_docx(shipped.docx).placeholders),
                    created_at=self.clock.now(),
                )
            )
            tx.commit()
        return self.get(template_id)

    def changes(self, template_id: str, old: str, new: str) -> dict[str, Any]:
        """What changed in the placeholders from version ``old`` to ``new``: added, removed, and those whose
        inferred type changed (``{"rows[].hours": ["text", "number"]}``)."""
        before = inspect_docx(self.get(template_id, self._version(template_id, old)).docx).kinds()
        after = inspect_docx(self.get(template_id, self._version(template_id, new)).docx).kinds()
        return {
            "added": sorted(set(after) - set(before)),
            "removed": sorted(set(before) - set(after)),
            "changed": {k: [before[k], after[k]] for k in sorted(set(before) & set(after)) if before[k] != after[k]},
        }

    def versions(self, template_id: str) -> list[VersionInfo]:
        out = []
        if template_id in self.folder.ids():
            out.append(VersionInfo(self.folder.get(template_id).version, "shipped", None))
        out += [VersionInfo(r.version, "registered", r.created_at) for r in self._rows(template_id)]
        if not out:
            raise TemplateNotFound(template_id)
        return out


def _uses(found: Inspection, facts: Any) -> dict[str, Use]:
    """The placeholders a requester fills: less the document's number and date and what the enrichers compute."""
    computed = computed_paths(facts if isinstance(facts, dict) else {})
    return without({n: u for n, u in found.placeholders.items() if n not in COMPUTED}, computed)


def derive_schema(title: str, found: Inspection) -> dict[str, Any]:
    """The schema a template's use of its placeholders implies: loops are arrays of objects, dotted names nested
    objects, what is tested or given a ``|default`` optional, ``{{r}}``/``{{p}}`` rich content, numbers where it
    computes (see ``service.domain.placeholders``)."""
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        **object_schema(_uses(found, {})),
    }
    _state_body_abbreviation(schema)
    return schema


def _state_body_abbreviation(schema: dict[str, Any]) -> None:
    """A schema's ``organisation.abbreviation`` (the body's, printed in every number) says what the service
    accepts of it (``BODY_ABBREVIATION``) and gives TCT as its example, where the schema says nothing of its own."""
    body = schema.get("properties", {}).get("organisation")
    field = body.get("properties", {}).get("abbreviation") if isinstance(body, dict) else None
    if isinstance(field, dict):
        field.setdefault("pattern", f"^{BODY_ABBREVIATION}$")
        field.setdefault("examples", ["TCT"])


def schema_problems(schema: dict[str, Any], found: Inspection) -> list[FieldError]:
    """Where a supplied schema does not cover or does not fit what the template uses."""
    uses = Use("object", fields=_uses(found, schema.get("x-vanban", {})))
    return [FieldError(path, en, vi) for path, en, vi in mismatches(schema, uses, "schema")]


def _parse_json(name: str, data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        return json.loads(data)
    except RecursionError:
        raise InvalidRequest([FieldError(name, "nested too deeply", "lồng nhau quá sâu")]) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest([FieldError(name, f"not valid JSON: {exc}", f"không phải JSON hợp lệ: {exc}")]) from None


def register_template(
    catalog: TemplateCatalog,
    who: Principal | None,
    template_id: str,
    docx: bytes,
    schema_file: bytes | None,
    example_file: bytes | None,
    type_abbreviation: str = "",
) -> tuple[Template, bool]:
    """Check and store a template version (``who``: an administrator; None from the local command line). Returns
    it and whether it is new (the same files twice are one version)."""
    if who is not None:
        require(who, Role.ADMIN)
    if not TEMPLATE_ID.match(template_id):
        raise InvalidRequest(
            [
                FieldError(
                    "id",
                    "lowercase letters, digits and hyphens, 2-61 characters",
                    "chữ thường, chữ số và gạch nối, 2-61 ký tự",
                )
            ]
        )
    found = inspect_docx(docx)
    refuse_unusable(found)
    _refuse_own_document(found)
    placeholders = set(found.placeholders)
    schema = _parse_json("schema", schema_file)
    check_text(schema, "schema")
    if schema is None:
        schema = derive_schema(template_id, found)
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise InvalidRequest(
            [FieldError("schema", "must be a JSON Schema of an object", "phải là JSON Schema kiểu object")]
        )
    problems = schema_problems(schema, found)
    if problems:
        raise InvalidRequest(problems)
    check_schema(schema)
    _state_body_abbreviation(schema)
    schema.setdefault("x-vanban", {}).setdefault("type_abbreviation", type_abbreviation)
    example = _parse_json("example", example_file)
    check_text(example, "example")
    if example is None:
        example = example_of(schema)
    try:
        validate(schema, example)
    except InvalidRequest as exc:
        raise InvalidRequest(
            [FieldError(f"example.{e.path}", e.message_en, e.message_vi) for e in exc.errors]
        ) from None
    schema_bytes = json.dumps(schema, ensure_ascii=False, sort_keys=True).encode()
    example_bytes = json.dumps(example, ensure_ascii=False, sort_keys=True).encode()
    version = template_version(docx, schema_bytes, example_bytes)
    template = Template(
        template_id,
        version,
        str(schema.get("title", template_id)),
        schema["x-vanban"]["type_abbreviation"],
        schema,
        example,
        docx,
    )
    # Render the example once, in the sandbox: a template that tries to escape it is refused here.
    render_docx(docx, render_context(template, example, "01/VD", catalog.clock.today(), catalog))
    known = {v.version for v in catalog.versions(template_id)} if template_id in catalog.ids() else set()
    if version in known:  # the same files again: that version becomes current again if it was not
        if catalog.get(template_id).version != version:
            catalog.make_current(who, template_id, version)
        return template, False
    row = TemplateVersionRow(
        template_id=template_id,
        version=version,
        title=template.title,
        type_abbreviation=template.type_abbreviation,
        docx_sha256=catalog.archive.put(docx, ".docx"),
        schema_=schema,
        example=example,
        placeholders=sorted(placeholders),
    )
    with catalog.db.uow() as tx:
        tx.repo.add(row)
        tx.commit()
    return template, True


@dataclass(frozen=True)
class TemplateCheck:
    """What a template author needs before uploading (``vanban templates check``)."""

    kinds: dict[str, str]
    schema: dict[str, Any]
    example: Any
    warnings: list[str]
    errors: list[str]


def check_template(docx: bytes, title: str = "mau-moi", today: date | None = None) -> TemplateCheck:
    """Read a .docx as registration would, without storing anything: placeholders and the type each use implies,
    the derived schema, a generated example (filled once), what would refuse it and what is worth a look."""
    found = inspect_docx(docx)
    errors: list[str] = []
    for part in (
        Inspection(found.placeholders, called=found.called),
        Inspection({}, unknown_filters=found.unknown_filters),
    ):
        try:
            refuse_unusable(part)
        except RenderError as exc:
            errors.append(exc.message_en)
    try:
        _refuse_own_document(found)
    except InvalidRequest as exc:
        errors.extend(e.message_en for e in exc.errors)
    warnings = list(found.warnings)
    for path, kind in found.kinds().items():
        base = kind.split(" ")[0]
        if base in ("rich", "paragraphs"):
            warnings.append(f"{path}: {{{{r}}}}/{{{{p}}}} placeholder: send rich content (runs/paragraphs) or text")
        elif base == "image":
            warnings.append(f"{path}: taken for a picture from its name; send {{'image': base64, 'width_mm': ...}}")
        elif base == "any":
            warnings.append(f"{path}: its use says nothing of its type: any JSON value is accepted")
    schema = derive_schema(title, found)
    example = example_of(schema)
    if not errors:
        template = Template(title, "check", title, "", schema, example, docx)
        try:
            render_docx(docx, render_context(template, example, "01/VD", today or date.today()))
        except VanbanError as exc:
            errors.append(f"the generated example does not fill it: {exc.message_en}")
    return TemplateCheck(found.kinds(), schema, example, warnings, errors)
