"""What a template uses (trường dữ liệu của mẫu): placeholders with the type their use implies, and the JSON Schema,
the example and the checks that follow from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.domain.rich import KIND, KINDS, content_schema
from service.domain.vietnamese import nfc

# How specific a kind is: a more specific use wins when one placeholder is used in two ways.
_RANK = {"any": 0, "text": 1, "date": 2, "datetime": 2, "number": 2, "object": 3, "array": 3, **{k: 4 for k in KINDS}}
SCALAR = {"type": ["string", "number", "integer", "boolean"]}
_PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


@dataclass
class Use:
    """How a template uses one value: ``kind`` (any, text, number, date, object, array, rich, paragraphs, image),
    whether it may be left out (tested with ``if``, given a ``|default``), the attributes used on it (an object)
    and how its items are used (an array)."""

    kind: str = "any"
    optional: bool = False
    fields: dict[str, Use] = field(default_factory=dict)
    item: Use | None = None
    conflicts: set[str] = field(default_factory=set)

    def refine(self, kind: str) -> None:
        if kind == self.kind or kind == "any":
            return
        structured = {"object", "array", *KINDS}
        if self.kind in structured and kind in structured:
            self.conflicts.add(kind)
        elif _RANK[kind] > _RANK[self.kind]:
            self.kind = kind

    def attribute(self, name: str) -> Use:
        self.refine("object")
        return self.fields.setdefault(name, Use())

    def items(self) -> Use:
        self.refine("array")
        if self.item is None:
            self.item = Use()
        return self.item


@dataclass
class Inspection:
    """A template's placeholders (top-level uses), and what is wrong or worth knowing about it."""

    placeholders: dict[str, Use]
    called: set[str] = field(default_factory=set)
    unknown_filters: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)

    def kinds(self) -> dict[str, str]:
        """``{"student.name": "text", "rows": "array", "rows[].hours": "number", ...}``"""
        out: dict[str, str] = {}

        def visit(prefix: str, use: Use) -> None:
            out[prefix] = use.kind + (" (optional)" if use.optional else "")
            for name, sub in sorted(use.fields.items()):
                visit(f"{prefix}.{name}", sub)
            if use.item is not None:
                visit(f"{prefix}[]", use.item)

        for name, use in sorted(self.placeholders.items()):
            visit(name, use)
        return out


def schema_of(use: Use) -> dict[str, Any]:
    """The JSON Schema of a value used as ``use``."""
    kind = use.kind
    if kind in KINDS:
        return content_schema(kind, use.optional)
    out: dict[str, Any]
    if kind == "object" or (kind == "any" and use.fields):
        out = object_schema(use.fields)
    elif kind == "array":
        out = {"type": "array", "items": schema_of(use.item or Use())}
    elif kind == "number":
        out = {"type": "number"}
    elif kind == "date":
        out = {"type": "string", "format": "date"}
    elif kind == "datetime":
        out = {"type": "string", "format": "date-time"}
    elif kind == "text":
        out = dict(SCALAR)
    else:
        return {}
    if use.optional and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    elif use.optional and isinstance(out.get("type"), list):
        out["type"] = [*out["type"], "null"]
    return out


def object_schema(fields: dict[str, Use]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": sorted(n for n, u in fields.items() if not u.optional),
        "properties": {n: schema_of(u) for n, u in sorted(fields.items())},
    }


def example_of(schema: Any, name: str = "", depth: int = 0) -> Any:
    """A value that satisfies ``schema`` (a generated example payload), Vietnamese where it is text."""
    if not isinstance(schema, dict) or depth > 16:
        return "Ví dụ"
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("examples"):
        return schema["examples"][0]
    kind = schema.get(KIND)
    if kind == "rich":
        return {"runs": [{"text": "Chữ đậm", "bold": True}, {"text": " và chữ thường"}]}
    if kind == "paragraphs":
        return {"paragraphs": ["Đoạn thứ nhất.", {"runs": [{"text": "Đoạn thứ hai, in nghiêng.", "italic": True}]}]}
    if kind == "image":
        return {"image": _PNG_1PX, "width_mm": 20}
    types = schema.get("type")
    kinds = types if isinstance(types, list) else [types]
    if "object" in kinds or "properties" in schema:
        return {k: example_of(v, k, depth + 1) for k, v in schema.get("properties", {}).items()}
    if "array" in kinds:
        return [example_of(schema.get("items", {}), name, depth + 1)]
    if "string" in kinds and schema.get("format") == "date":
        return "2026-01-05"
    if "string" in kinds and schema.get("format") == "date-time":
        return "2026-01-05T07:30:00+07:00"
    if "string" in kinds or not kinds or kinds == [None]:
        return f"Ví dụ {name}".strip()
    if "integer" in kinds or "number" in kinds:
        return schema.get("minimum", 1)
    if "boolean" in kinds:
        return True
    return None


def _types(schema: dict[str, Any]) -> set[str]:
    types = schema.get("type")
    found = set(types if isinstance(types, list) else [types] if isinstance(types, str) else [])
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []):
        if isinstance(branch, dict):
            found |= _types(branch)
    return found


def mismatches(schema: Any, use: Use, path: str) -> list[tuple[str, str, str]]:
    """Where a supplied schema does not fit what the template does with a value: ``(path, en, vi)`` each."""
    if not isinstance(schema, dict) or schema == {} or schema is True:
        return []
    out: list[tuple[str, str, str]] = []
    types = _types(schema)
    kind = use.kind
    if kind in KINDS and schema.get(KIND) != kind:
        out.append(
            (
                path,
                f'the template uses it as {kind}: the schema must say "{KIND}": "{kind}"',
                f'mẫu dùng trường này dạng {kind}: schema phải ghi "{KIND}": "{kind}"',
            )
        )
    elif kind in ("object", "array") and types and kind not in types:
        out.append(
            (path, f"the template uses it as an {kind}", f"mẫu dùng trường này dạng {kind}, schema ghi {sorted(types)}")
        )
    elif kind == "number" and types and not types & {"number", "integer"}:
        out.append(
            (path, "the template computes with it: it must be a number", "mẫu tính toán với trường này: phải là số")
        )
    if kind == "object" or (kind == "any" and use.fields):
        properties = schema.get("properties", {})
        open_ = schema.get("additionalProperties", True) is not False and not properties
        for name, sub in sorted(use.fields.items()):
            if name in properties:
                out += mismatches(properties[name], sub, f"{path}.properties.{name}")
            elif not open_:
                out.append(
                    (
                        f"{path}.properties.{name}",
                        "placeholder used by the .docx but missing from the schema",
                        "trường dữ liệu có trong .docx nhưng thiếu trong schema",
                    )
                )
    if kind == "array" and use.item is not None and isinstance(schema.get("items"), dict):
        out += mismatches(schema["items"], use.item, f"{path}.items")
    return out


TRIM = "x-vanban-trim"


def as_sent(schema: Any, data: Any) -> Any:
    """``data`` in NFC, trimmed only where its schema says ``"x-vanban-trim": true`` (names, codes); free text
    keeps its spaces, tabs and line ends."""
    return _trimmed(schema, nfc(data), 0)


def _trimmed(schema: Any, data: Any, depth: int) -> Any:
    if not isinstance(schema, dict) or depth > 64:
        return data
    if isinstance(data, str):
        return data.strip() if schema.get(TRIM) is True else data
    if isinstance(data, dict):
        properties = schema.get("properties", {})
        if not isinstance(properties, dict):
            return data
        return {k: _trimmed(properties.get(k), v, depth + 1) for k, v in data.items()}
    if isinstance(data, list):
        return [_trimmed(schema.get("items"), v, depth + 1) for v in data]
    return data


def without(uses: dict[str, Use], computed: set[str], prefix: str = "") -> dict[str, Use]:
    """``uses`` less the data paths the service computes (``student.salutation``, ``results[].average``)."""
    out: dict[str, Use] = {}
    for name, use in uses.items():
        path = f"{prefix}{name}"
        if path in computed:
            continue
        item = use.item
        if item is not None:
            item = Use(
                item.kind, item.optional, without(item.fields, computed, f"{path}[]."), item.item, item.conflicts
            )
        out[name] = Use(use.kind, use.optional, without(use.fields, computed, f"{path}."), item, use.conflicts)
    return out
