"""Finding issued documents (tra cứu): the find page's one route."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from service.api.deps import CurrentUser, RuntimeDep
from service.api.responses import ERRORS
from service.api.schemas import DocumentOut
from service.errors import FieldError, InvalidRequest
from service.services.finding import IssuedQuery, find_issued

router = APIRouter(prefix="/api/v1", tags=["find"], responses=ERRORS)


class FoundOut(BaseModel):
    items: list[DocumentOut]
    total: int


@router.get("/search")
def search_issued(
    rt: RuntimeDep,
    who: CurrentUser,
    q: Annotated[str, Query(max_length=200, description="words of the data: a name, a class (accents optional)")] = "",
    notation: Annotated[str, Query(max_length=80, description="the number, or part of số và ký hiệu")] = "",
    template: Annotated[str | None, Query(max_length=100, description="the document type")] = None,
    issued_from: Annotated[date | None, Query(description="issued on or after this day")] = None,
    issued_to: Annotated[date | None, Query(description="issued on or before this day")] = None,
    signer: Annotated[str, Query(max_length=200, description="words of the signer's name (accents optional)")] = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> FoundOut:
    """Issued documents the person may see, latest first: at most ``limit``, and how many match."""
    if issued_from and issued_to and issued_from > issued_to:
        raise InvalidRequest(
            [FieldError("issued_to", "the end of the period is before its start", "ngày kết thúc trước ngày bắt đầu")]
        )
    query = IssuedQuery(
        words=q, notation=notation, template=template, issued_from=issued_from, issued_to=issued_to, signer=signer
    )
    found = find_issued(rt.db, who, query, limit)
    return FoundOut(items=[DocumentOut.model_validate(d) for d in found.documents], total=found.total)
