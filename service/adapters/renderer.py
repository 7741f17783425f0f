"""Fills a .docx template (docxtpl) in a Jinja sandbox, with the Vietnamese format filters."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import TemplateError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from service.domain import vietnamese
from service.errors import VanbanError

FILTERS = {
    "date_dmy": vietnamese.date_dmy,
    "date_in_words": vietnamese.date_in_words,
    "time_and_date": vietnamese.time_and_date,
    "two_digits": vietnamese.two_digits,
    "number_in_words": vietnamese.number_in_words,
    "money_in_words": vietnamese.money_in_words,
    "thousands": vietnamese.thousands,
    "title_name": vietnamese.title_case_name,
    "slug": vietnamese.slug,
}


class RenderError(VanbanError):
    status_code = 422
    code = "render"


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(autoescape=False)
    env.filters.update(FILTERS)
    return env


def render_docx(template: bytes, context: dict[str, Any]) -> bytes:
    """Fill ``template`` with ``context``; returns the filled .docx."""
    doc = DocxTemplate(BytesIO(template))
    try:
        doc.render(context, jinja_env=_environment(), autoescape=True)
    except SecurityError as exc:
        raise RenderError(
            f"the template tried something the sandbox forbids: {exc}",
            f"Mẫu văn bản thực hiện thao tác bị cấm: {exc}",
        ) from None
    except TemplateError as exc:
        raise RenderError(f"the template cannot be filled: {exc}", f"Không điền được mẫu văn bản: {exc}") from None
    out = BytesIO()
    doc.save(out)
    return out.getvalue()
