from __future__ import annotations

from fastapi import APIRouter

from service.api.deps import RuntimeDep
from service.api.schemas import TemplateOut, TemplateSummary

router = APIRouter(prefix="/api/v1/templates", tags=["templates"])


@router.get("")
def list_templates(rt: RuntimeDep) -> list[TemplateSummary]:
    out = []
    for template_id in rt.templates.ids():
        t = rt.templates.get(template_id)
        out.append(TemplateSummary(id=t.id, title=t.title, version=t.version))
    return out


@router.get("/{template_id}", response_model_by_alias=True)
def get_template(template_id: str, rt: RuntimeDep) -> TemplateOut:
    t = rt.templates.get(template_id)
    return TemplateOut(
        id=t.id,
        title=t.title,
        version=t.version,
        type_abbreviation=t.type_abbreviation,
        schema=t.schema,
        example=t.example,
    )
