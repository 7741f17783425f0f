"""``VANBAN_METRICS_TOKEN``: set, the metrics of the API and of a worker node started on its own ask for it as
Prometheus sends it (``Authorization: Bearer``); unset, anyone inside the network reads them."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError

from service.config import PROJECT_ROOT, Settings
from service.main import create_app
from service.runtime import prepare
from tests.backends import free_port

TOKEN = "metrics-token-for-prometheus-01"


def test_the_apis_metrics_ask_for_the_token_once_one_is_set(tmp_path: Path) -> None:
    for token, anyone in ((None, 200), (TOKEN, 401)):
        settings = Settings(data_dir=tmp_path / str(anyone), metrics_token=SecretStr(token) if token else None)
        prepare(settings)
        client = TestClient(create_app(settings))
        assert client.get("/metrics").status_code == anyone
    refused = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthenticated"
    assert "VANBAN_METRICS_TOKEN" in refused.json()["message"] and "Số liệu" in refused.json()["message_vi"]
    not_ascii = {"Authorization": "Bearer ẩn".encode()}
    assert client.get("/metrics", headers=not_ascii).status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"  # as HTTP asks of every 401
    scraped = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scraped.status_code == 200 and "vanban_queue_depth" in scraped.text
    assert client.get("/metrics", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200  # any case


@pytest.mark.parametrize("token", ["short", " " * 16, "sixteen or more but spaced"])
def test_a_token_easy_to_guess_or_to_mangle_is_refused_at_start(token: str) -> None:
    with pytest.raises(ValidationError, match="16 characters or more, no space"):
        Settings(metrics_token=SecretStr(token))


def test_a_worker_nodes_metrics_ask_for_the_token(tmp_path: Path) -> None:
    port = free_port()
    script = (
        "import sys, time; from pathlib import Path\n"
        "from service.adapters.metrics import serve_node_metrics, use_folder\n"
        "use_folder(Path(sys.argv[1]), clear=True)\n"
        "serve_node_metrics(int(sys.argv[2]), '127.0.0.1', sys.argv[3])\n"
        "time.sleep(120)\n"
    )
    node = subprocess.Popen([sys.executable, "-c", script, str(tmp_path), str(port), TOKEN], cwd=PROJECT_ROOT)
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        deadline = time.monotonic() + 30
        while True:
            try:
                refused = httpx.get(url)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and node.poll() is None, "the node's metrics did not start"
                time.sleep(0.2)
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert "Số liệu vận hành" in refused.text
        assert httpx.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
        assert httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    finally:
        node.send_signal(signal.SIGKILL)  # the test's own process, by PID
        node.wait()
