"""Page-level work on PDFs: where each letter of a chunk starts and where its signature mark is (one pdftotext
call for the whole chunk), and cutting the chunk into one PDF per letter (pikepdf)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from html import unescape
from io import BytesIO
from pathlib import Path

import pikepdf

from service.errors import ConversionError

_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


@dataclass(frozen=True)
class WordBox:
    """A word and its box in PDF coordinates (origin bottom left)."""

    text: str
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class PageWords:
    height: float
    text: str
    words: list[tuple[str, float, float]]  # word, x, y (PDF coordinates, origin bottom left)
    boxes: list[WordBox]


def page_words(pdf: bytes) -> list[PageWords]:
    with tempfile.TemporaryDirectory(prefix="vanban-pages-") as tmp:
        path = Path(tmp) / "chunk.pdf"
        path.write_bytes(pdf)
        result = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise ConversionError(f"pdftotext failed: {result.stderr[:200]}", "Không đọc được chữ trong tệp PDF")
    pages = []
    for chunk in result.stdout.split("<page ")[1:]:
        height = float(re.search(r'height="([\d.]+)"', chunk).group(1))  # type: ignore[union-attr]
        boxes = [
            WordBox(unescape(w), float(a), height - float(d), float(c), height - float(b))
            for a, b, c, d, w in _WORD.findall(chunk)
        ]
        words = [(b.text, b.x1, b.y1) for b in boxes]
        pages.append(PageWords(height, " ".join(w for w, _, _ in words), words, boxes))
    return pages


def split_pages(pdf: bytes, ranges: list[tuple[int, int]]) -> list[bytes]:
    """One PDF per (first, last) page range, 0-based inclusive."""
    out = []
    with pikepdf.open(BytesIO(pdf)) as source:
        for first, last in ranges:
            part = pikepdf.new()
            part.pages.extend(source.pages[first : last + 1])
            buffer = BytesIO()
            part.save(buffer)
            out.append(buffer.getvalue())
    return out


class Merged:
    """One PDF for printing, the documents one after the other, built as they come (``add`` in order), saved once."""

    def __init__(self) -> None:
        self._pdf = pikepdf.new()
        self._sources: list[pikepdf.Pdf] = []

    def add(self, pdf: bytes) -> None:
        source = pikepdf.open(BytesIO(pdf))
        self._sources.append(source)  # open until the save: its pages are copied then
        self._pdf.pages.extend(source.pages)

    def __len__(self) -> int:
        return len(self._sources)

    def save(self) -> bytes:
        try:
            buffer = BytesIO()
            self._pdf.save(buffer)
            return buffer.getvalue()
        finally:
            for source in self._sources:
                source.close()


def merge(pdfs: list[bytes]) -> bytes:
    """One PDF for printing, the documents one after the other."""
    merged = Merged()
    for pdf in pdfs:
        merged.add(pdf)
    return merged.save()


class PdfPageTools:
    """``service.services.ports.PdfPages`` with pdftotext and pikepdf."""

    def words(self, pdf: bytes) -> list[PageWords]:
        return page_words(pdf)

    def split(self, pdf: bytes, ranges: list[tuple[int, int]]) -> list[bytes]:
        return split_pages(pdf, ranges)

    def count(self, pdf: bytes) -> int:
        with pikepdf.open(BytesIO(pdf)) as opened:
            return len(opened.pages)
