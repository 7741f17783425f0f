"""Settings are injected: nothing reads them at import, and two apps built in one process do not share them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from celery import Celery
from fastapi.testclient import TestClient

from service.config import Settings
from service.errors import ConfigurationError
from service.main import create_app
from service.worker import settings_of

ROOT = Path(__file__).resolve().parents[2]


def _post(client: TestClient, path: str, size: int) -> int:
    body = b"x" * size
    # starlette types TestClient over httpx2, which is not installed: mypy sees its methods as Any
    response: httpx.Response = client.post(path, content=body, headers={"content-type": "application/json"})
    return response.status_code


def test_two_apps_in_one_process_keep_their_own_settings(tmp_path: Path) -> None:
    small = Settings(data_dir=tmp_path / "a", max_body_bytes=4_000, max_template_bytes=8_000, queue_name="a-queue")
    large = Settings(data_dir=tmp_path / "b", queue_name="b-queue")
    a, b = create_app(small), create_app(large)
    with TestClient(a, raise_server_exceptions=False) as ca, TestClient(b, raise_server_exceptions=False) as cb:
        assert _post(ca, "/api/v1/documents", 10_000) == 413
        assert _post(cb, "/api/v1/documents", 10_000) != 413
        assert _post(ca, "/api/v1/templates", 20_000) == 413
        assert _post(cb, "/api/v1/templates", 20_000) != 413
    assert a.state.runtime.settings is small and b.state.runtime.settings is large
    assert settings_of(a.state.celery) is small and settings_of(b.state.celery) is large
    assert a.state.celery.conf.task_default_queue == "a-queue" and b.state.celery.conf.task_default_queue == "b-queue"


def test_no_module_reads_settings_at_import() -> None:
    """With settings that cannot even be parsed, importing every module of the service still works."""
    code = (
        "import importlib, pkgutil, service\n"
        "for m in pkgutil.walk_packages(service.__path__, 'service.'):\n"
        "    if '.migrations' not in m.name and m.name != 'service.adapters.office_server':\n"
        "        importlib.import_module(m.name)\n"
    )
    env = {**os.environ, "VANBAN_MAX_BODY_BYTES": "not a number", "VANBAN_QUEUE_NAME": ""}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_tasks_refuse_a_celery_app_not_built_from_settings() -> None:
    with pytest.raises(ConfigurationError):
        settings_of(Celery("vanban"))
