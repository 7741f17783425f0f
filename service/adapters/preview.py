"""Page pictures of a PDF with poppler's pdftoppm."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from service.errors import NotFound, VanbanError


def page_count(pdf_path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf_path)], capture_output=True, text=True, timeout=30).stdout
    return next((int(line.split()[-1]) for line in out.splitlines() if line.startswith("Pages:")), 0)


def pdf_page_count(pdf: bytes) -> int:
    with tempfile.TemporaryDirectory(prefix="vanban-preview-") as tmp:
        src = Path(tmp) / "doc.pdf"
        src.write_bytes(pdf)
        return page_count(src)


def page_picture(pdf: bytes, page: int, dpi: int = 80) -> bytes:
    """PNG of page ``page`` (1-based)."""
    with tempfile.TemporaryDirectory(prefix="vanban-preview-") as tmp:
        src = Path(tmp) / "doc.pdf"
        src.write_bytes(pdf)
        pages = page_count(src)
        if not 1 <= page <= pages:
            raise NotFound(
                f"the document has {pages} page(s), not page {page}", f"Văn bản có {pages} trang, không có trang {page}"
            )
        result = subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                str(dpi),
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(src),
                str(Path(tmp) / "page"),
            ],
            capture_output=True,
            timeout=60,
        )
        if result.returncode != 0:
            raise VanbanError(
                f"pdftoppm failed: {result.stderr.decode(errors='replace')[:200]}", "Không tạo được ảnh trang văn bản"
            )
        return (Path(tmp) / "page.png").read_bytes()
