"""QR codes (segno): the dark modules of a code holding a text, for the PDF adapter to draw."""

from __future__ import annotations

import segno


def qr_modules(text: str) -> list[list[bool]]:
    """The code's modules, row by row from the top, dark as True, without the quiet zone (error correction M)."""
    code = segno.make_qr(text, error="m", boost_error=False)
    return [[bool(module) for module in row] for row in code.matrix]
