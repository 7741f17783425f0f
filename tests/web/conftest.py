"""The web pages in a real browser: Debian's chromium driven by Playwright, against a service started as a user
starts it (``vanban serve`` on the embedded default), one service per test module.

A module may set ``SERVICE_SETTINGS = {"VANBAN_...": ...}`` for its service. ``web`` is that service with the demo
users' passwords (printed once at its start, read from its log); ``page`` is a fresh browser context (no cookies) on
it; ``log_in(page, web, "chuyenvien")`` logs a demo user in through the log-in page. ``shoot(page, name)`` saves a
screenshot (into ``VANBAN_WEB_PICTURES`` when set, e.g. docs/pictures, for the README).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.config import PROJECT_ROOT
from tests.backends import ServiceProcesses, running_service, wait_job

CHROMIUM = "/usr/bin/chromium"
DEMO_USERS = ("admin", "chuyenvien", "vanthu", "hieutruong", "bithu", "vanthu_tdtn")
PIN = "demo"  # the demo PKI's password: the demo leaders' PIN


@dataclass
class WebService:
    service: ServiceProcesses
    passwords: dict[str, str]
    pictures: Path
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.service.url

    def client(self, username: str) -> httpx.Client:
        """An API client logged in as a demo user (bearer token): to prepare what a page then shows."""
        if username not in self.tokens:
            r = httpx.post(
                f"{self.url}/api/v1/auth/token", data={"username": username, "password": self.passwords[username]}
            )
            assert r.status_code == 200, r.text
            self.tokens[username] = r.json()["access_token"]
        return self.service.client(self.tokens[username])

    def make_document(self, username: str, template: str, **changes: Any) -> dict[str, Any]:
        """A document requested over the API from the template's example (with ``changes`` at top level), made."""
        c = self.client(username)
        data = c.get(f"/api/v1/templates/{template}").json()["example"] | changes
        r = c.post("/api/v1/documents", json={"template": template, "data": data})
        assert r.status_code == 202, r.text
        assert wait_job(c, r.json()["job_id"])["status"] == "succeeded"
        return dict(c.get(f"/api/v1/documents/{r.json()['id']}").json())


def demo_passwords(svc: ServiceProcesses) -> dict[str, str]:
    """The demo users' passwords, as ``vanban serve`` printed them once at its first start."""
    log = (svc.data_dir / "serve-0.log").read_text(errors="replace")
    found = {}
    for line in log.splitlines():
        m = re.match(r"^\s+(\S+)\s+(\S+)\s+\S", line)
        if m and m.group(1) in DEMO_USERS:
            found[m.group(1)] = m.group(2)
    assert set(found) == set(DEMO_USERS), f"demo users not printed at start: {found}\n{log[-2000:]}"
    return found


@pytest.fixture(scope="module")
def web(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebService]:
    built = PROJECT_ROOT / "web" / "dist" / "index.html"
    assert built.is_file(), "the web app is not built: run `make deps` (scripts/install-deps.sh builds web/dist)"
    data_dir = tmp_path_factory.mktemp("web")
    settings = dict(getattr(request.module, "SERVICE_SETTINGS", {}))
    pictures = Path(os.environ.get("VANBAN_WEB_PICTURES") or tmp_path_factory.mktemp("pictures"))
    with running_service("embedded", data_dir, settings) as svc:
        yield WebService(svc, demo_passwords(svc), pictures)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make deps` (installs Debian's chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, web: WebService) -> Iterator[Any]:
    """A fresh browser context (no cookies, no storage) at a tablet's width, with the service as base URL. Any
    error the page's scripts log (a CSP refusal among them) fails the test."""
    context = browser.new_context(base_url=web.url, viewport={"width": 1024, "height": 900}, locale="vi-VN")
    context.set_default_timeout(30_000)
    p = context.new_page()
    problems: list[str] = []
    p.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    p.on(
        "console",
        lambda msg: (
            problems.append(f"console: {msg.text}")
            if msg.type == "error" and "Failed to load resource" not in msg.text
            else None
        ),
    )
    yield p
    context.close()
    assert not problems, problems


def log_in(page: Any, web: WebService, username: str) -> None:
    """Through the log-in page, as a person does; ends on "my documents"."""
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(web.passwords[username])
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/documents")


def shoot(page: Any, web: WebService, name: str) -> None:
    page.screenshot(path=str(web.pictures / f"web-{name}.png"), full_page=True)
