"""The web application's pages: the built single-page app (``VANBAN_WEB_DIR``) served at ``/``, every client route
answered with its ``index.html``, and the security headers every answer carries (pages: a Content-Security-Policy
that allows no inline script, no framing)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, HTMLResponse


def page_policy(sign_agent_url: str) -> str:
    """The pages' Content-Security-Policy: scripts, styles and calls from the service only, and calls to the
    leader's signing agent on their own computer (``VANBAN_SIGN_AGENT_URL``)."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            f"connect-src 'self' {sign_agent_url}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


EVERY_ANSWER = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
NOT_BUILT = """<!doctype html><html lang="vi"><meta charset="utf-8"><title>vanban</title>
<p>Trang web chưa được dựng: hãy chạy <code>make run</code> (hoặc <code>scripts/install-deps.sh</code>).</p>
<p>The web pages are not built: run <code>make run</code> (or <code>scripts/install-deps.sh</code>).</p></html>"""


def mount_pages(app: FastAPI, folder: Path, sign_agent_url: str) -> None:
    """Serve ``folder`` (Vite's ``dist``) where no route answers: a GET outside ``/api/`` that would be a 404 gets
    the file of that path if the build has it (hashed assets may be cached for long), else ``index.html`` (the app
    routes it). Every route of the app, added before or after, keeps its own answers."""
    root = folder.resolve()
    policy = page_policy(sign_agent_url)

    @app.middleware("http")
    async def _pages(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        path = request.url.path
        if response.status_code == 404 and request.method in ("GET", "HEAD") and not path.startswith("/api/"):
            response = _page(root, path.lstrip("/"))
        for name, value in EVERY_ANSWER.items():
            response.headers.setdefault(name, value)
        if response.headers.get("content-type", "").startswith("text/html") and not path.startswith(
            ("/docs", "/redoc")
        ):
            response.headers["Content-Security-Policy"] = policy
        return response


def _page(root: Path, path: str) -> Response:
    index = root / "index.html"
    if not index.is_file():
        return HTMLResponse(NOT_BUILT, status_code=503)
    wanted = (root / path).resolve()
    if path and wanted.is_file() and wanted.is_relative_to(root):
        cache = "public, max-age=31536000, immutable" if path.startswith("assets/") else "no-cache"
        return FileResponse(wanted, headers={"Cache-Control": cache})
    return FileResponse(index, headers={"Cache-Control": "no-cache"})
