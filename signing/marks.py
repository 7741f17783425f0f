"""Finds the marks a template leaves in its PDF (e.g. ``[[sig:leader]]`` in the signing block), so no signature
position is ever hard-coded per template."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Any

from signing.errors import SigningError


@dataclass(frozen=True)
class Mark:
    """Where a mark's text starts: page index (0-based), x and y (baseline) in PDF points."""

    page: int
    x: float
    y: float


def find_marks(pdf: bytes, names: list[str]) -> dict[str, Mark]:
    """Locate each ``[[name]]`` in ``pdf``; raise ``SigningError`` naming the marks that are missing."""
    from pypdf import PdfReader  # imported here: 10 MB that the service's processes, which never call this, skip

    wanted = {f"[[{n}]]": n for n in names}
    found: dict[str, Mark] = {}
    reader = PdfReader(BytesIO(pdf))
    for index, page in enumerate(reader.pages):

        def visit(text: str, cm: list[float], tm: list[float], _font: Any, _size: Any, index: int = index) -> None:
            for token, name in wanted.items():
                if token in text and name not in found:
                    # the text matrix, then the current transformation matrix, give page coordinates
                    x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                    y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                    found[name] = Mark(index, x, y)

        page.extract_text(visitor_text=visit)
        if len(found) == len(wanted):
            break
    missing = [n for n in names if n not in found]
    if missing:
        raise SigningError(f"the PDF has no mark for {', '.join(missing)} (expected text [[{missing[0]}]])")
    return found
