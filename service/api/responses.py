"""What every route may answer besides success: the one error model, documented once for the OpenAPI, and the
``Content-Disposition`` header of every file the API sends."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field


class FieldProblem(BaseModel):
    path: str = Field(description="JSON path of the wrong field, e.g. student.full_name; empty for the whole body")
    message: str
    message_vi: str


class Error(BaseModel):
    """Every error the API answers: a stable code, the message in English and Vietnamese, and for 422 every wrong
    field by path (a rejected batch also carries its row ``report``)."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(examples=["invalid"])
    message: str
    message_vi: str
    errors: list[FieldProblem] | None = None


_MEANING = {
    400: "the body cannot be parsed",
    401: "no token, or a bad or expired one",
    403: "the caller's role or organisation may not do this",
    404: "no such template, document, job, batch or user",
    409: "the document is not in a state that allows it (an issued record is never changed: record_kept), its file "
    "is not produced yet, or the hồ sơ is closed",
    410: "the signing session expired",
    413: "the body or an uploaded file is over its limit",
    422: "a wrong field, named by path; bad JSON",
    429: "too many attempts; see Retry-After",
}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a router or route: each status with its meaning and the ``Error`` model."""
    return {status: {"model": Error, "description": _MEANING[status]} for status in statuses}


# Every route of an authenticated router: the caller, their rights, what they name, what they send.
ERRORS = documented(400, 401, 403, 404, 409, 413, 422)
UPLOAD = documented(413)  # routes that take a file
LOGIN = documented(429)  # the token route: attempts are limited
QUEUE_FULL: dict[int | str, dict[str, Any]] = {  # routes that make new work: refused while too much waits
    429: {
        "model": Error,
        "description": "too much work queued (code queue_full); try again after Retry-After seconds",
        "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
    }
}


PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XML = "application/xml"
ZIP = "application/zip"


def file_of(media_type: str, what: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route that sends a file: its media type, documented for 200."""
    return {200: {"description": what, "content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}}


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """``attachment; filename="so-dang-ky.xlsx"; filename*=UTF-8''s%E1%BB%95...`` (RFC 6266 / RFC 5987): the
    ASCII fallback keeps letters, digits and ``.-_``; the UTF-8 form percent-encodes everything else, so no quote,
    ``;``, CR or LF in a name can end the value or add a parameter."""
    name = "".join(c for c in unicodedata.normalize("NFC", filename) if c.isprintable()) or "file"
    ascii_name = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in ".-_") else "_" for c in ascii_name if c.isascii())
    return f"{disposition}; filename=\"{fallback or 'file'}\"; filename*=UTF-8''{quote(name, safe='')}"


def attachment(filename: str) -> dict[str, str]:
    """The headers of a file the browser saves as ``filename``."""
    return {"Content-Disposition": content_disposition(filename)}


def download(data: bytes, media_type: str, filename: str) -> Response:
    """A file in memory, sent to be saved as ``filename``."""
    return Response(data, media_type=media_type, headers=attachment(filename))


_VIETNAMESE: dict[str, str] = {
    "missing": "bắt buộc phải có",
    "json_invalid": "không đọc được JSON",
    "extra_forbidden": "trường không được phép",
    "string_type": "phải là chuỗi ký tự",
    "string_too_long": "dài quá {max_length} ký tự",
    "string_pattern_mismatch": "không đúng định dạng",
    "greater_than_equal": "phải từ {ge} trở lên",
    "greater_than": "phải lớn hơn {gt}",
    "less_than_equal": "phải không quá {le}",
    "less_than": "phải nhỏ hơn {lt}",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "float_parsing": "phải là số",
    "float_type": "phải là số",
    "bool_parsing": "phải là true hoặc false",
    "bool_type": "phải là true hoặc false",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_type": "phải là ngày dạng YYYY-MM-DD",
    "datetime_parsing": "phải là thời điểm dạng YYYY-MM-DDThh:mm:ss+07:00",
    "datetime_from_date_parsing": "phải là thời điểm dạng YYYY-MM-DDThh:mm:ss+07:00",
    "datetime_type": "phải là thời điểm dạng YYYY-MM-DDThh:mm:ss+07:00",
    "literal_error": "phải là một trong: {expected}",
    "enum": "phải là một trong: {expected}",
    "list_type": "phải là một danh sách",
    "dict_type": "phải là một đối tượng JSON",
    "model_type": "phải là một đối tượng JSON",
    "too_long": "có quá {max_length} mục",
    "string_too_short": "phải có ít nhất {min_length} ký tự",
    "too_short": "phải có ít nhất {min_length} mục",
}


def vietnamese(error: dict[str, Any]) -> str:
    """A request's validation error (one of pydantic's ``errors()``) said in Vietnamese as precisely as its English:
    the limit it broke, the values it may take, in the words a template's data is refused with
    (``services.validation``); one not listed is "giá trị không hợp lệ"."""
    kind, context = str(error.get("type", "")), dict(error.get("ctx") or {})
    if kind == "string_too_short" and context.get("min_length") == 1:
        return "không được để trống"
    if "expected" in context:  # "'công khai' or 'hạn chế'"
        context["expected"] = str(context["expected"]).replace(" or ", " hoặc ")
    try:
        return _VIETNAMESE[kind].format(**context)
    except (KeyError, IndexError):  # a kind not listed, or a limit its context does not give
        return "giá trị không hợp lệ"
