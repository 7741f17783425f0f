"""QR codes (segno): the dark modules of a code holding a text, for the PDF adapter to draw."""

from __future__ import annotations

import segno

MASK = 2


def qr_modules(text: str) -> list[bytes]:
    """The code's modules, row by row from the top, a byte per module (1 dark, 0 light), without the quiet zone
    (error correction M). One mask, always: choosing the best of the eight took four times as long as the rest of a
    letter's record, and any mask reads (the tests read every issued code back)."""
    code = segno.make_qr(text, error="m", boost_error=False, mask=MASK)
    return [bytes(row) for row in code.matrix]
