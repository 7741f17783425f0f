"""The fields of a document's data the service reads itself: the issuing body (``organisation``), the signer
(``signer``), the recipients (``recipients``, nơi nhận) and the place (``place``, địa danh), as the built-in templates
give them (an object, an object, a list, a text). A registered template may give the same names other shapes: text is
read as what it says (the body's or the signer's name, the recipients one per line), an object by its ``name``,
anything else as nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def organisation_field(data: Mapping[str, Any], key: str) -> str:
    """``organisation.<key>`` (``name``, ``archive_unit``...); an organisation given as text is its name."""
    value = data.get("organisation")
    if isinstance(value, Mapping):
        found = value.get(key)
        return str(found) if found else ""
    return value.strip() if key == "name" and isinstance(value, str) else ""


def signer_name(data: Mapping[str, Any]) -> str:
    """``signer.name``; a signer given as text is its name."""
    value = data.get("signer")
    if isinstance(value, Mapping):
        name = value.get("name")
        return str(name) if name else ""
    return value.strip() if isinstance(value, str) else ""


def place_of(data: Mapping[str, Any]) -> str:
    """The place the document is issued at (the place-and-date line, a signature's location); a place given as an
    object is its ``name``."""
    value = data.get("place")
    if isinstance(value, Mapping):
        name = value.get("name")
        return str(name) if name else ""
    return value.strip() if isinstance(value, str) else ""


def recipients_of(data: Mapping[str, Any]) -> list[str]:
    """The recipients, in order: a list's items, or the lines of a text."""
    value = data.get("recipients")
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    if isinstance(value, list):
        return [str(r) for r in value]
    return []
