from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile
from fastapi.concurrency import run_in_threadpool

from service.api.deps import CurrentUser, RuntimeDep, authenticated
from service.api.responses import ERRORS
from service.api.schemas import TemplateOut, TemplateSummary
from service.services.templates import register_template

router = APIRouter(
    prefix="/api/v1/templates", tags=["templates"], dependencies=[Depends(authenticated)], responses=ERRORS
)


@router.get("")
def list_templates(rt: RuntimeDep) -> list[TemplateSummary]:
    out = []
    for template_id in rt.templates.ids():
        t = rt.templates.get(template_id)
        out.append(TemplateSummary.model_validate(t))
    return out


@router.post("", status_code=201)
async def register(
    response: Response,
    rt: RuntimeDep,
    who: CurrentUser,
    id: Annotated[str, Form(description="template id, e.g. giay-moi-hop")],
    docx: Annotated[UploadFile, File(description="the Word template, with docxtpl placeholders")],
    schema: Annotated[UploadFile | None, File(description="JSON Schema of the data (derived if absent)")] = None,
    example: Annotated[UploadFile | None, File(description="an example payload (made up if absent)")] = None,
    type_abbreviation: Annotated[str, Form(max_length=20, description="ký hiệu of the type, e.g. QĐ")] = "",
) -> TemplateOut:
    """Register a template, or a new version of one (admin). The same files twice are the same version (200)."""
    docx_bytes = await docx.read()
    schema_bytes = await schema.read() if schema is not None else None
    example_bytes = await example.read() if example is not None else None
    template, created = await run_in_threadpool(
        register_template, rt.templates, who, id, docx_bytes, schema_bytes, example_bytes, type_abbreviation
    )
    if not created:
        response.status_code = 200
    response.headers["Location"] = f"/api/v1/templates/{template.id}?version={template.version}"
    return TemplateOut.model_validate(template)


@router.get("/{template_id}/versions")
def versions(template_id: str, rt: RuntimeDep) -> list[dict[str, object]]:
    """Every version, oldest first: the shipped one and those registered since."""
    return [
        {"version": v.version, "source": v.source, "created_at": v.created_at}
        for v in rt.templates.versions(template_id)
    ]


@router.get("/{template_id}", response_model_by_alias=True)
def get_template(template_id: str, rt: RuntimeDep, version: str | None = None) -> TemplateOut:
    return TemplateOut.model_validate(rt.templates.get(template_id, version))


@router.post("/{template_id}/versions/{version}/current")
def make_current(template_id: str, version: str, rt: RuntimeDep, who: CurrentUser) -> TemplateOut:
    """Make an earlier version (its id or first 8+ characters) the one new documents use again (admin);
    documents made with other versions keep theirs."""
    return TemplateOut.model_validate(rt.templates.make_current(who, template_id, version))


@router.get("/{template_id}/changes")
def changes(template_id: str, rt: RuntimeDep, old: str, new: str) -> dict[str, object]:
    """Placeholders added, removed and retyped from version ``old`` to version ``new``."""
    return rt.templates.changes(template_id, old, new)
