"""QR codes (zxing-cpp): the dark modules of a code holding a text, for the PDF adapter to draw."""

from __future__ import annotations

import zxingcpp

_DARK = bytes.maketrans(b"\x00\xff", b"\x01\x00")  # the code's picture is black (0) on white (255)


def qr_modules(text: str) -> list[bytes]:
    """The code's modules, row by row from the top, a byte per module (1 dark, 0 light), without the quiet zone
    (error correction M). zxing-cpp's encoder, in C++: segno's, in Python, was a sixth of a batch letter's time in
    the worker; the tests read every issued code back."""
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    picture = code.to_image(scale=1, add_quiet_zones=False)
    size = picture.shape[1]
    modules = bytes(memoryview(picture)).translate(_DARK)  # type: ignore[arg-type]  # a buffer; its stubs don't say
    return [modules[start : start + size] for start in range(0, len(modules), size)]
