"""A batch request's form, as ``POST /batches`` and its dry run ``POST /batches:check`` take it: the class list,
the template and the batch part of the data (JSON)."""

from __future__ import annotations

import json

from fastapi import UploadFile

from service.domain.office import Principal
from service.errors import FieldError, InvalidRequest
from service.services.requesting import RequestBatch


async def batch_command(
    who: Principal, file: UploadFile, template: str, data: str, on_error: str = "reject"
) -> RequestBatch:
    """The form as a ``RequestBatch``; data that is not JSON is a 422 naming ``data``."""
    try:
        batch_data = json.loads(data)
    except ValueError as exc:
        raise InvalidRequest([FieldError("data", f"not valid JSON: {exc}", f"không phải JSON hợp lệ: {exc}")]) from None
    except RecursionError:
        raise InvalidRequest([FieldError("data", "nested too deeply", "lồng nhau quá sâu")]) from None
    return RequestBatch(
        template_id=template,
        class_list=await file.read(),
        filename=file.filename or "",
        data=batch_data,
        requested_by=who,
        on_error=on_error,
    )
