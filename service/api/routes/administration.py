"""The admin page's routes (admin only): the people (listed, changed, a new password or API key shown once) and a
template version's placeholders and preview. Creating a person is ``POST /users`` and recording a signer's
certificate ``PUT /users/{username}/certificate`` (office routes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from service.api.deps import CurrentUser, RuntimeDep, authenticated
from service.api.responses import ERRORS, file_of
from service.api.schemas import TemplateOut
from service.services.administration import (
    Person,
    TemplatePreviews,
    UserChange,
    change_user,
    new_api_key,
    people,
    reset_password,
    template_details,
)

router = APIRouter(prefix="/api/v1/users", tags=["admin"], dependencies=[Depends(authenticated)], responses=ERRORS)
templates_router = APIRouter(
    prefix="/api/v1/templates", tags=["templates"], dependencies=[Depends(authenticated)], responses=ERRORS
)


class UserChangeIn(BaseModel):
    full_name: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=200)
    roles: list[str] | None = Field(default=None, max_length=4)
    active: bool | None = None
    credential: dict[str, Annotated[str, Field(max_length=1000)]] | None = Field(
        default=None,
        max_length=8,
        description='{"kind": "pkcs12", "path": ...}, {"kind": "pkcs11", "module", "token", "key"} or '
        '{"kind": "csc", "url", "credential_id"}; {} removes it (a recorded certificate is kept)',
    )


@router.get("")
def list_people(rt: RuntimeDep, who: CurrentUser) -> list[Person]:
    """Everyone, sorted by name the Vietnamese way (given name, middle, family name); a credential says where the
    signer's key is, never a PIN, and not the recorded certificate's text (``has_certificate``)."""
    return people(rt.db, who)


@router.patch("/{username}")
def change(username: str, body: UserChangeIn, rt: RuntimeDep, who: CurrentUser) -> Person:
    """Change a person's name, title, roles, credential, or deactivate / reactivate them (audited); a deactivated
    person's sessions end at once."""
    return change_user(rt.db, who, username, UserChange(**body.model_dump()))


@router.post("/{username}/password")
async def new_password(username: str, rt: RuntimeDep, who: CurrentUser) -> dict[str, str]:
    """A new random password, shown this once (audited); the person's sessions end."""
    return {"username": username, "password": await run_in_threadpool(reset_password, rt.db, who, username)}


@router.post("/{username}/api-keys", status_code=201)
def add_key(username: str, rt: RuntimeDep, who: CurrentUser) -> dict[str, str]:
    """A new API key, shown this once (audited)."""
    return {"username": username, "api_key": new_api_key(rt.db, who, username)}


@templates_router.get("/{template_id}/details")
def details(template_id: str, rt: RuntimeDep, who: CurrentUser, version: str | None = None) -> dict[str, Any]:
    """A version (the newest by default): the placeholders its .docx uses, its schema and example (admin)."""
    shown = template_details(rt.templates, who, template_id, version)
    return {**TemplateOut.model_validate(shown.template).model_dump(by_alias=True), "placeholders": shown.placeholders}


@templates_router.get(
    "/{template_id}/preview.png", response_class=Response, responses=file_of("image/png", "a page of the example")
)
async def preview(
    template_id: str,
    request: Request,
    rt: RuntimeDep,
    who: CurrentUser,
    version: str | None = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> Response:
    """A page of the version filled with its example (number 01/VD, today's date), as PNG (admin)."""
    previews: TemplatePreviews | None = getattr(request.app.state, "template_previews", None)
    if previews is None:
        previews = request.app.state.template_previews = TemplatePreviews(rt.templates, rt.converter, rt.clock)
    png = await run_in_threadpool(previews.page, who, template_id, version, page)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})
