"""Checks of produced PDFs with tools this project did not write: qpdf, and poppler's pdfinfo, pdffonts, pdfsig.

The suite needs nothing outside the repository: these helpers call the Debian tools directly.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

TOOLS = ("qpdf", "pdfinfo", "pdffonts", "pdfsig", "pdftotext")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    assert shutil.which(args[0]), f"{args[0]} is missing (apt-get install -y poppler-utils qpdf)"
    return subprocess.run(args, capture_output=True, text=True)


def pdf_problems(path: Path) -> tuple[list[str], int, str]:
    """What is wrong with ``path``: qpdf --check, A4 pages, every font embedded, every signature valid.

    Returns (problems, number of signatures, page size as pdfinfo prints it)."""
    problems: list[str] = []
    if _run("qpdf", "--check", str(path)).returncode != 0:
        problems.append("qpdf --check fails")
    info = _run("pdfinfo", str(path)).stdout
    size = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("Page size:")), "")
    if not re.search(r"595(\.\d+)? x 84[12](\.\d+)?", size):
        problems.append(f"page size is {size!r}, not A4")
    # pdffonts: two header lines, then one font a line; the "emb" column is the fifth from the right.
    for line in _run("pdffonts", str(path)).stdout.splitlines()[2:]:
        if line.split()[-5] != "yes":
            problems.append(f"a font is not embedded: {line.split()[0]}")
    out = _run("pdfsig", str(path)).stdout
    signatures = len(re.findall(r"^Signature #", out, re.M))
    valid = out.count("Signature Validation: Signature is Valid")
    if signatures == 0:
        problems.append("no signature")
    elif valid != signatures:
        problems.append(f"only {valid} of {signatures} signatures valid")
    return problems, signatures, size


def check_pdf(path: Path) -> str:
    """Assert that ``path`` passes every check; returns ``ok PATH (N signature(s), SIZE)``."""
    problems, signatures, size = pdf_problems(path)
    assert not problems, f"{path}: {'; '.join(problems)}"
    return f"ok    {path} ({signatures} signature(s), {size})"


def pdf_text(path: Path) -> str:
    return _run("pdftotext", "-layout", str(path), "-").stdout
