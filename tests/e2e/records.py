"""An issued PDF checked as a record through the running service: PDF/A-2b with its Vietnamese metadata, every
signature valid, and its QR code, read from the rendered page, opening the public verification of that document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.pdftools import pdfa_problems, qr_code_clear_of_text


def check_issued_record(client: httpx.Client, path: Path, notation: str, author: str) -> dict[str, Any]:
    """Assert that ``path``, the issued document ``notation``, is a PDF/A-2b record of ``author`` whose QR code
    leads to the service's public page of it (``VANBAN_PUBLIC_URL`` is the service's address in the tests), which
    shows it and finds an uploaded copy the very file issued. Returns what the page shows."""
    code = qr_code_clear_of_text(path)
    base = str(client.base_url).rstrip("/")
    assert code.text.startswith(f"{base}/v/"), code.text
    key = code.text.rsplit("/", 1)[1]
    page = httpx.get(code.text)  # the web app's page (its data from the API below)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    public = httpx.get(f"{base}/api/v1/public/verify/{key}")  # anyone: no login
    assert public.status_code == 200, public.text
    shown: dict[str, Any] = public.json()
    assert (shown["notation"], shown["issuing_body"]) == (notation, author), shown
    assert pdfa_problems(path, shown["title"], author) == []
    copy = httpx.post(f"{base}/api/v1/public/verify/{key}", files={"file": (path.name, path.read_bytes())})
    verdict = copy.json()
    assert verdict["same_file"] and verdict["verification"]["ok"] and verdict["document"] == shown, verdict
    assert httpx.get(f"{base}/api/v1/public/verify/{key[:-2]}xx").status_code == 404  # a made-up code
    return shown
