"""The web application's pages: the built single-page app (``VANBAN_WEB_DIR``) served at ``/``, every client route
answered with its ``index.html``, and the security headers every answer carries (pages: a Content-Security-Policy
that allows no inline script, no framing)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


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
    """Serve ``folder`` (Vite's ``dist``) after every API route: a file that exists is sent as it is (hashed
    assets may be cached for long), any other path outside ``/api/`` gets ``index.html`` (the app routes it)."""
    root = folder.resolve()
    policy = page_policy(sign_agent_url)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in EVERY_ANSWER.items():
            response.headers.setdefault(name, value)
        if response.headers.get("content-type", "").startswith("text/html") and not request.url.path.startswith(
            ("/docs", "/redoc")
        ):
            response.headers["Content-Security-Policy"] = policy
        return response

    @app.get("/{path:path}", include_in_schema=False)
    def page(path: str) -> Response:
        if path.startswith("api/") or path == "api":
            raise StarletteHTTPException(404, "Not Found")
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503)
        wanted = (root / path).resolve()
        if path and wanted.is_file() and wanted.is_relative_to(root):
            immutable = path.startswith("assets/")
            cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
            return FileResponse(wanted, headers={"Cache-Control": cache})
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
