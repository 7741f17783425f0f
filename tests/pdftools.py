"""Checks of produced PDFs with tools this project did not write (shared/check-pdf, poppler)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from service.config import PROJECT_ROOT

CHECK_PDF = PROJECT_ROOT.parent / "shared" / "check-pdf"


def check_pdf(path: Path) -> str:
    """Run shared/check-pdf (qpdf, pdfinfo, pdffonts, pdfsig: tools this project did not write)."""
    assert CHECK_PDF.exists(), f"{CHECK_PDF} is missing: tests expect shared/ beside the checkout"
    result = subprocess.run(["bash", str(CHECK_PDF), str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def pdf_text(path: Path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils is missing"
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
