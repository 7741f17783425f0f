"""What the batch page needs before a batch is requested (lô văn bản từ danh sách lớp): the templates made from a
class list, the batch part of one's form, an empty class list with the right headings, and a dry run that shows
every bad row before anything is numbered is ``requesting.check_batch``, the batch request's own checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.adapters.spreadsheet import write_table
from service.domain.batch import LABELS
from service.errors import FieldError, InvalidRequest
from service.services.requesting import batch_example, batch_schema
from service.services.templates import TemplateCatalog


@dataclass(frozen=True)
class ListTemplate:
    """A template a class list fills: one document per row (``per_row``) or one with the whole list."""

    id: str
    title: str
    per_row: bool
    columns: list[str]
    schema: dict[str, Any]
    example: dict[str, Any]


def _row_field(facts: dict[str, Any]) -> str | None:
    if "row" in facts:
        return str(facts["row"][0])
    return str(facts["rows_into"]) if "rows_into" in facts else None


def list_templates(templates: TemplateCatalog) -> list[ListTemplate]:
    """Every template made from a class list, by id."""
    out = []
    for template_id in templates.ids():
        facts = templates.get(template_id).schema.get("x-vanban", {})
        if isinstance(facts, dict) and _row_field(facts) is not None:
            out.append(list_template(templates, template_id))
    return out


def list_template(templates: TemplateCatalog, template_id: str) -> ListTemplate:
    """The template's batch form: the schema of its batch part (the row field left to the list), that part of its
    example, and the class list's column headings; 422 for a template not made from a list."""
    template = templates.get(template_id)
    facts = template.schema.get("x-vanban", {})
    row_field = _row_field(facts) if isinstance(facts, dict) else None
    if row_field is None:
        raise InvalidRequest(
            [
                FieldError(
                    "template", f"{template_id} is not made from a list", f"mẫu {template_id} không lập từ danh sách"
                )
            ]
        )
    schema = batch_schema(template.schema)
    schema = {**schema, "properties": {k: v for k, v in schema.get("properties", {}).items() if k != row_field}}
    row_schema = template.schema["properties"][row_field]
    row_properties = (row_schema if "row" in facts else row_schema.get("items", {})).get("properties", {})
    columns = [label for name, label in LABELS.items() if name in row_properties]
    columns += [name for name in row_properties if name not in LABELS]
    return ListTemplate(
        template.id,
        template.title,
        "row" in facts,
        columns,
        schema,
        batch_example(template.example, facts)["batch"],
    )


def empty_class_list(templates: TemplateCatalog, template_id: str) -> bytes:
    """An XLSX with the heading row a class list for ``template_id`` needs, and no student."""
    return write_table("Danh sách lớp", list_template(templates, template_id).columns, [])
