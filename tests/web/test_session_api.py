"""The browser's session at the API: the cookie's flags, CSRF refusals, log-out, the idle end (a short setting), the
pages' security headers, the public verification and what a list shows to another body; and what a page does
when the session ended."""

from __future__ import annotations

import re
import time
from http.cookies import SimpleCookie
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.conftest import WebService, log_in

pytestmark = pytest.mark.slow

IDLE_SECONDS = 6
SERVICE_SETTINGS = {"VANBAN_SESSION_IDLE_MINUTES": str(IDLE_SECONDS / 60)}


def _log_in(web: WebService, username: str, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{web.url}/api/v1/session",
        json={"username": username, "password": web.passwords[username]},
        headers=headers,
    )


def _cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    out = {}
    for header in response.headers.get_list("set-cookie"):
        jar = SimpleCookie()
        jar.load(header)
        out.update({name: jar for name in jar})
    return out


def _browser(web: WebService, username: str) -> tuple[httpx.Client, str]:
    """A client holding the session cookie, as a browser would, and the session's CSRF token."""
    client = httpx.Client(base_url=web.url, timeout=30)
    r = client.post("/api/v1/session", json={"username": username, "password": web.passwords[username]})
    assert r.status_code == 200, r.text
    return client, r.json()["csrf_token"]


def test_log_in_sets_an_httponly_strict_cookie_secure_over_https(web: WebService) -> None:
    r = _log_in(web, "chuyenvien")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["username"] == "chuyenvien" and body["roles"] == ["requester"] and body["csrf_token"]
    assert "password" not in r.text
    cookies = _cookies(r)
    session = cookies["vanban_session"]["vanban_session"]
    assert session["httponly"] and session["samesite"] == "strict" and session["path"] == "/"
    assert not session["secure"]  # plain HTTP here: a Secure cookie would never come back
    csrf = cookies["vanban_csrf"]["vanban_csrf"]
    assert not csrf["httponly"] and csrf["samesite"] == "strict" and csrf.value == body["csrf_token"]
    # Behind a TLS proxy (uvicorn trusts X-Forwarded-Proto from 127.0.0.1): Secure.
    https = _cookies(_log_in(web, "chuyenvien", **{"X-Forwarded-Proto": "https"}))
    assert https["vanban_session"]["vanban_session"]["secure"]
    assert https["vanban_csrf"]["vanban_csrf"]["secure"]


def test_a_wrong_password_is_refused_in_both_languages(web: WebService) -> None:
    r = httpx.post(f"{web.url}/api/v1/session", json={"username": "chuyenvien", "password": "sai-mat-khau"})
    assert r.status_code == 401
    assert r.json()["message_vi"] == "Sai tên đăng nhập hoặc mật khẩu" and "set-cookie" not in r.headers


def test_state_changes_with_the_cookie_need_the_csrf_token(web: WebService) -> None:
    client, csrf = _browser(web, "chuyenvien")
    me = client.get("/api/v1/session")  # reading needs no token
    assert me.status_code == 200 and me.json()["csrf_token"] == csrf
    example = client.get("/api/v1/templates/giay-trieu-tap").json()["example"]
    body = {"template": "giay-trieu-tap", "data": example}
    for headers in ({}, {"X-CSRF-Token": "0" * 64}, {"X-CSRF-Token": ""}):
        refused = client.post("/api/v1/documents", json=body, headers=headers)
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "csrf" and "X-CSRF-Token" in refused.json()["message_vi"]
    # another session's token is no good either
    _, other = _browser(web, "chuyenvien")
    assert client.post("/api/v1/documents", json=body, headers={"X-CSRF-Token": other}).status_code == 403
    accepted = client.post("/api/v1/documents", json=body, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 202, accepted.text
    # A bearer-token caller is not affected (no cookie, no CSRF token).
    api = web.client("chuyenvien")
    assert api.post("/api/v1/documents", json=body).status_code == 202


def test_log_out_ends_the_session_at_once(web: WebService) -> None:
    client, csrf = _browser(web, "vanthu")
    stolen = client.cookies["vanban_session"]
    assert client.delete("/api/v1/session").status_code == 403  # without the token: refused, still logged in
    assert client.get("/api/v1/session").status_code == 200
    out = client.delete("/api/v1/session", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 204
    assert {c.split("=")[0] for c in out.headers.get_list("set-cookie")} == {"vanban_session", "vanban_csrf"}
    replay = httpx.get(f"{web.url}/api/v1/session", cookies={"vanban_session": stolen})
    assert replay.status_code == 401 and replay.json()["code"] == "unauthenticated"


def test_the_session_ends_after_the_idle_time(web: WebService) -> None:
    client, _ = _browser(web, "hieutruong")
    assert client.get("/api/v1/session").json()["idle_minutes"] == IDLE_SECONDS / 60
    time.sleep(IDLE_SECONDS + 2)
    ended = client.get("/api/v1/session")
    assert ended.status_code == 401
    assert ended.json()["message_vi"] == "Phiên làm việc đã kết thúc; hãy đăng nhập lại"


def test_pages_carry_a_policy_without_inline_scripts_and_no_framing(web: WebService) -> None:
    for path in ("/", "/documents/any-client-route", "/verify"):
        r = httpx.get(f"{web.url}{path}")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), path
        policy = r.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy
        assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
        assert '<div id="root">' in r.text and "<script>" not in r.text  # the only script is a file of the build
    script = next(part.split('"')[0] for part in r.text.split('src="')[1:] if part.startswith("/assets/"))
    asset = httpx.get(f"{web.url}{script}")
    assert asset.status_code == 200 and "javascript" in asset.headers["content-type"]
    assert "immutable" in asset.headers["cache-control"]
    # The API keeps its own answers: an unknown API path is the JSON 404, not the app.
    missing = httpx.get(f"{web.url}/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.json()["message_vi"] == "Không tìm thấy"
    # A path out of the built folder gets the app, never the file.
    escape = httpx.get(f"{web.url}/%2e%2e/%2e%2e/pyproject.toml")
    assert '<div id="root">' in escape.text and "[project]" not in escape.text


def test_anyone_may_verify_without_logging_in(web: WebService) -> None:
    letter = web.make_document("chuyenvien", "giay-trieu-tap")
    pdf = web.client("chuyenvien").get(f"/api/v1/documents/{letter['id']}/pdf").content
    r = httpx.post(f"{web.url}/api/v1/verify", files={"file": ("letter.pdf", pdf, "application/pdf")})
    assert r.status_code == 200, r.text
    assert r.json()["ok"] and r.json()["signatures"][0]["organisation"]
    unsigned = httpx.post(f"{web.url}/api/v1/verify", files={"file": ("x.pdf", b"%PDF-1.4\n", "application/pdf")})
    assert unsigned.status_code == 422 and unsigned.json()["errors"][0]["path"] == "file"
    bad_token = httpx.post(
        f"{web.url}/api/v1/verify", files={"file": ("l.pdf", pdf)}, headers={"Authorization": "Bearer nope"}
    )
    assert bad_token.status_code == 401


def test_the_list_shows_a_body_its_own_documents_only(web: WebService) -> None:
    ours = web.make_document("chuyenvien", "giay-trieu-tap")
    mine = web.client("chuyenvien").get("/api/v1/documents", params={"page_size": 100}).json()
    assert ours["id"] in {d["id"] for d in mine["items"]} and mine["total"] >= 1
    partner = web.client("vanthu_tdtn")
    theirs = partner.get("/api/v1/documents", params={"page_size": 100}).json()
    assert theirs["total"] == 0 and theirs["items"] == []
    assert partner.get(f"/api/v1/documents/{ours['id']}").status_code == 403
    assert partner.get(f"/api/v1/documents/{ours['id']}/history").status_code == 403
    assert partner.get(f"/api/v1/documents/{ours['id']}/signatures").status_code == 403
    # Filters and paging
    one = web.client("chuyenvien").get("/api/v1/documents", params={"page_size": 1, "status": "issued"}).json()
    assert len(one["items"]) == 1 and one["total"] >= 1 and one["items"][0]["status"] == "issued"
    none = web.client("chuyenvien").get("/api/v1/documents", params={"status": "draft"}).json()
    assert none["total"] == 0
    history = web.client("chuyenvien").get(f"/api/v1/documents/{ours['id']}/history").json()
    assert [h["action"] for h in history][:2] == ["request", "render"]


def test_a_page_open_past_the_idle_time_asks_to_log_in_again(page: Any, web: WebService) -> None:
    log_in(page, web, "chuyenvien")
    expect(page.get_by_role("heading", name="Văn bản của tôi")).to_be_visible()
    time.sleep(IDLE_SECONDS + 2)
    page.get_by_role("link", name="Tạo văn bản").click()  # its call to the API is refused: 401
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fnew"))
    expect(page.get_by_text("Phiên làm việc đã kết thúc. Hãy đăng nhập lại.")).to_be_visible()
