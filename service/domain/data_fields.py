"""The fields of a document's data the service reads itself, as the built-in templates give them: objects named
by an entry (``organisation.name``, ``signer.name``, ``class.name``, ``student.full_name``, ``place.name``), texts
(``place``) and lists (``recipients``, nơi nhận). A registered template may give the same names other shapes: a text
is read as the name it says, the recipients one per line; anything else as nothing, never as an error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def field_part(data: Mapping[str, Any], field: str, key: str) -> str:
    """``<field>.<key>`` where the field is an object (``organisation.archive_unit``), else nothing."""
    value = data.get(field)
    found = value.get(key) if isinstance(value, Mapping) else None
    return str(found) if found else ""


def field_name(data: Mapping[str, Any], field: str, key: str = "name") -> str:
    """The name of what ``field`` holds: its ``key`` entry where it is an object, itself where it is text."""
    value = data.get(field)
    return value.strip() if isinstance(value, str) else field_part(data, field, key)


def recipients_of(data: Mapping[str, Any]) -> list[str]:
    """The recipients, in order: a list's items, or the lines of a text."""
    value = data.get("recipients")
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    if isinstance(value, list):
        return [str(r) for r in value]
    return []


def organisation_of(data: Any, default: str) -> str:
    """The body a request is for: its data's ``organisation.abbreviation``, else ``default``."""
    named = data.get("organisation") if isinstance(data, Mapping) else None
    organisation = named.get("abbreviation") if isinstance(named, Mapping) else None
    return organisation if isinstance(organisation, str) and organisation else default
