"""The batch page's routes before a batch is requested: which templates a class list fills and their batch form,
an empty class list to download, and a dry run that reports every bad row with nothing numbered."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile
from fastapi.concurrency import run_in_threadpool

from service.api.batch_form import batch_command
from service.api.deps import CurrentUser, RuntimeDep, authenticated
from service.api.responses import ERRORS, XLSX, download, file_of
from service.services.class_lists import ListTemplate, empty_class_list, list_template, list_templates
from service.services.requesting import BatchLimits, check_batch

router = APIRouter(prefix="/api/v1/batches", tags=["batches"], dependencies=[Depends(authenticated)], responses=ERRORS)


def _out(t: ListTemplate) -> dict[str, Any]:
    return {
        "id": t.id,
        "title": t.title,
        "per_row": t.per_row,
        "columns": t.columns,
        "schema": t.schema,
        "example": t.example,
    }


@router.get("/templates")
def batch_templates(rt: RuntimeDep) -> list[dict[str, Any]]:
    """The templates a class list fills: per row (a letter per student) or one document with the whole list; each
    with the schema and example of its batch part (class, session, signer, ...) and the class list's columns."""
    return [_out(t) for t in list_templates(rt.templates)]


@router.get("/templates/{template_id}")
def batch_template(template_id: str, rt: RuntimeDep) -> dict[str, Any]:
    """One template's batch form (422 if a class list does not fill it)."""
    return _out(list_template(rt.templates, template_id))


@router.get(
    "/templates/{template_id}/class-list.xlsx",
    response_class=Response,
    responses=file_of(XLSX, "an empty class list"),
)
def class_list_xlsx(template_id: str, rt: RuntimeDep) -> Response:
    """An empty class list for the template: the heading row (Họ và tên, Ngày sinh, ...), no student."""
    return download(empty_class_list(rt.templates, template_id), XLSX, f"danh-sach-lop-{template_id}.xlsx")


@router.post(":check")
async def check_class_list(
    rt: RuntimeDep,
    who: CurrentUser,
    file: Annotated[UploadFile, File(description="class list: .xlsx or .csv with a header row")],
    template: Annotated[str, Form()],
    data: Annotated[str, Form(description="the batch part of the data, JSON")] = "{}",
) -> dict[str, Any]:
    """A dry run of ``POST /batches``: the same checks, the row report (each bad row by row number, column and
    reason, in both languages), nothing recorded, nothing numbered. A wrong batch part is a 422 naming its field."""
    command = await batch_command(who, file, template, data)
    checked = await run_in_threadpool(
        lambda: check_batch(
            rt.templates,
            command,
            default_organisation=rt.settings.organisation_abbreviation,
            limits=BatchLimits.of(rt.settings),
        )
    )
    return checked.report
