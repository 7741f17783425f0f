"""Checks a request's data against its template's JSON Schema; every wrong field, by path, in both languages."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError, ValidationError
from referencing.exceptions import Unresolvable

from service.domain.documents import BODY_ABBREVIATION
from service.domain.rich import KIND, ContentError, from_json, has_content
from service.errors import FieldError, InvalidRequest

MAX_DEPTH = 32  # documents nest a few levels; a bound checked before anything recursive runs
# Control characters other than tab, newline and carriage return, lone surrogates and the two non-characters XML
# refuses: lxml's recovery would silently drop parts of the document around them.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

_KIND_EN = {
    "rich": 'text or {"runs": [{"text": ..., "bold": true, ...}]}',
    "paragraphs": 'text, {"paragraphs": [...]}, {"template": id, "data": {...}} or {"docx": base64}',
    "image": '{"image": base64 PNG/JPEG, "width_mm": ..., "height_mm": ...} or {"file": sha256, ...}',
}
_KIND_VI = {
    "rich": 'văn bản hoặc {"runs": [{"text": ..., "bold": true, ...}]}',
    "paragraphs": 'văn bản, {"paragraphs": [...]}, {"template": mã mẫu, "data": {...}} hoặc {"docx": base64}',
    "image": 'ảnh {"image": PNG/JPEG dạng base64, "width_mm": ..., "height_mm": ...} hoặc {"file": sha256, ...}',
}
_FORMATS_VI = {"date": "ngày dạng YYYY-MM-DD", "date-time": "thời điểm dạng YYYY-MM-DDThh:mm:ss+07:00"}


def _path(parts: list[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _explain(error: ValidationError) -> FieldError:
    if error.validator in ("anyOf", "oneOf") and error.context and error.schema.get(KIND):
        # rich content: the alternative that got furthest says what is wrong (``photo.width_mm``, not ``photo``)
        deepest = max(error.context, key=lambda e: len(e.absolute_path))
        if len(deepest.absolute_path) > len(error.absolute_path):
            return _explain(deepest)
        kind = error.schema[KIND]
        return FieldError(
            _path(list(error.absolute_path)),
            f"must be {_KIND_EN[kind]}",
            f"phải là {_KIND_VI[kind]}",
        )
    path = list(error.absolute_path)
    v, value = error.validator, error.validator_value
    if v == "required":
        match = re.match(r"'(.+)' is a required property", error.message)
        name = match.group(1) if match else "?"
        return FieldError(_path([*path, name]), "is required", "bắt buộc phải có")
    if v == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return FieldError(
            _path([*path, extra[0]]) if len(extra) == 1 else _path(path),
            f"unknown field(s): {', '.join(extra)}",
            f"trường không có trong mẫu: {', '.join(extra)}",
        )
    return FieldError(_path(path), *_said(str(v), value, error.message))


def _said(validator: str, value: Any, message: str) -> tuple[str, str]:
    """What a schema's keyword refused, in English and Vietnamese; never the value itself (a 470-character name was
    repeated whole, and a value of the wrong type in Python's spelling)."""
    match validator:
        case "type":
            types = value if isinstance(value, list) else [value]
            return f"must be {' or '.join(types)}", f"phải có kiểu {' hoặc '.join(types)}"
        case "minLength" if value == 1:
            return "must not be empty", "không được để trống"
        case "minLength":
            return f"shorter than {value} characters", f"phải có ít nhất {value} ký tự"
        case "maxLength":
            return f"longer than {value} characters", f"dài quá {value} ký tự"
        case "pattern":
            return f"does not match the pattern {value}", f"không đúng định dạng (mẫu {value})"
        case "format":
            return f"must be a {value}", f"phải là {_FORMATS_VI.get(str(value), value)}"
        case "enum":
            listed = ", ".join(map(str, value))
            return f"must be one of: {listed}", f"phải là một trong: {listed}"
        case "minItems":
            return f"must have at least {value} item(s)", f"phải có ít nhất {value} mục"
        case "maxItems":
            return f"more than {value} items", f"có quá {value} mục"
        case "minimum":
            return f"must be at least {value}", f"phải từ {value} trở lên"
        case "maximum":
            return f"must be at most {value}", f"phải không quá {value}"
    return f"is not valid ({validator})", "giá trị không hợp lệ"


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_json), format_checker=FormatChecker())


def validator_for(schema: dict[str, Any]) -> Draft202012Validator:
    """The compiled validator of ``schema`` (compiled once per schema)."""
    return _validator(json.dumps(schema, sort_keys=True))


def check_schema(schema: dict[str, Any]) -> None:
    """Refuse a supplied schema that is not valid JSON Schema (draft 2020-12)."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise InvalidRequest(
            [
                FieldError(
                    "schema", f"not a valid JSON Schema: {exc.message}", f"JSON Schema không hợp lệ: {exc.message}"
                )
            ]
        ) from None


def validate(schema: dict[str, Any] | Draft202012Validator, data: Any) -> None:
    """Raise ``InvalidRequest`` listing every problem in ``data``."""
    validator = schema if isinstance(schema, Draft202012Validator) else validator_for(schema)
    try:
        errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    except Unresolvable as exc:  # a supplied schema's $ref to nowhere
        raise InvalidRequest(
            [FieldError("schema", f"a $ref leads nowhere: {exc}", f"schema có $ref không dẫn tới đâu: {exc}")]
        ) from None
    if errors:
        raise InvalidRequest([_explain(e) for e in errors])
    _check_body(data)
    if isinstance(schema, dict) and has_content(schema):
        content(schema, data)


def _check_body(data: Any) -> None:
    """The body's abbreviation the data names (``organisation.abbreviation``), whatever a registered template's own
    schema says of it: it names a register and is printed in every number."""
    body = data.get("organisation") if isinstance(data, dict) else None
    abbreviation = body.get("abbreviation") if isinstance(body, dict) else None
    if abbreviation is not None and not (
        isinstance(abbreviation, str) and re.fullmatch(BODY_ABBREVIATION, abbreviation)
    ):
        raise InvalidRequest(
            [
                FieldError(
                    "organisation.abbreviation",
                    "must be 1 to 12 capital letters or digits, as TCT",
                    "phải gồm 1 đến 12 chữ in hoa hoặc chữ số, như TCT",
                )
            ]
        )


def content(schema: dict[str, Any], data: Any) -> Any:
    """``data`` (valid against ``schema``) with its rich fields as ``service.domain.rich`` values; a picture that
    is not a PNG/JPEG or has too many pixels is refused at its field."""
    try:
        return from_json(schema, data)
    except ContentError as exc:
        raise InvalidRequest([FieldError(_path(exc.path), exc.message_en, exc.message_vi)]) from None


def check_text(data: Any, root: str = "") -> None:
    """Refuse, by path, data nested deeper than ``MAX_DEPTH`` and every string or key holding a control character
    (other than tab, newline, carriage return) or a lone surrogate. Walks ``data`` without recursion."""
    problems: list[FieldError] = []
    stack: list[tuple[Any, list[Any], int]] = [(data, [root] if root else [], 0)]
    while stack:
        value, at, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidRequest(
                [
                    FieldError(
                        _path(at),
                        f"nested deeper than {MAX_DEPTH} levels",
                        f"lồng nhau quá {MAX_DEPTH} cấp",
                    )
                ]
            )
        if isinstance(value, str):
            if (bad := _UNWRITABLE.search(value)) is not None:
                problems.append(_unwritable(_path(at), bad.group()))
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and (bad := _UNWRITABLE.search(key)) is not None:
                    problems.append(_unwritable(_path([*at, key.encode("utf-8", "replace").decode()]), bad.group()))
                    continue
                stack.append((item, [*at, key], depth + 1))
        elif isinstance(value, list):
            stack.extend((item, [*at, i], depth + 1) for i, item in enumerate(value))
    if problems:
        raise InvalidRequest(sorted(problems, key=lambda e: e.path))


def _unwritable(path: str, char: str) -> FieldError:
    code = f"U+{ord(char):04X}"
    return FieldError(
        path,
        f"holds the control character or lone surrogate {code}, which no document can contain",
        f"chứa ký tự điều khiển hoặc ký tự không hợp lệ {code}, văn bản không thể chứa ký tự này",
    )
