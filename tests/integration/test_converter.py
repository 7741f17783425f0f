"""The real LibreOffice behind unoserver: converts, and survives a hang or a crash."""

from __future__ import annotations

import os
import signal

import pytest

from service.adapters.converter import Converter
from service.errors import ConversionError


def test_converts_docx_to_pdf(converter: Converter, letter_docx: bytes) -> None:
    pdf = converter.to_pdf(letter_docx)
    assert pdf.startswith(b"%PDF")


def test_a_broken_file_fails_clearly_and_the_converter_stays_usable(converter: Converter, letter_docx: bytes) -> None:
    broken = letter_docx[: len(letter_docx) // 2]  # a .docx cut in half
    try:
        converter.to_pdf(broken)
    except ConversionError as exc:
        assert exc.message_vi and exc.message_en
    assert converter.to_pdf(letter_docx).startswith(b"%PDF")


def test_a_hang_is_cut_off_and_the_next_call_works(converter: Converter, letter_docx: bytes) -> None:
    with pytest.raises(ConversionError, match="did not finish"):
        converter.to_pdf(letter_docx, timeout=0.001)
    assert converter.pid is None  # LibreOffice was stopped, not left hanging
    assert converter.to_pdf(letter_docx).startswith(b"%PDF")  # restarted on demand


def test_a_crash_is_reported_and_recovered(converter: Converter, letter_docx: bytes) -> None:
    converter.to_pdf(letter_docx)
    pid = converter.pid
    assert pid is not None
    os.killpg(pid, signal.SIGKILL)  # LibreOffice and unoserver die together
    outcomes: list[bytes | str] = []
    for _ in range(2):
        try:
            outcomes.append(converter.to_pdf(letter_docx)[:4])
        except ConversionError as exc:
            outcomes.append(exc.message_en)
    assert outcomes[-1] == b"%PDF", outcomes
