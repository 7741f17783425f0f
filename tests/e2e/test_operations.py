"""The service run as an office runs it (issue 17): a real batch through the real service shows its stages at
/metrics; the request id goes in, comes out, and reaches the worker's log lines, which hold no secret; a webhook
receiver started here gets a correctly signed ``batch.completed`` (checked with hmac) and, after answering 500, its
retry; a flood of new work gets 429 with Retry-After while /healthz stays OK."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from service.config import PROJECT_ROOT
from tests.backends import API_KEY, ServiceProcesses, wait_job
from tests.e2e.test_batches import class_list

pytestmark = pytest.mark.slow
EXAMPLE = json.loads((PROJECT_ROOT / "templates_docx/giay-trieu-tap/example.json").read_text(encoding="utf-8"))
BATCH = {k: v for k, v in EXAMPLE.items() if k != "student"}
QUEUE_LIMIT, RETRY_AFTER = 2, 7


@pytest.fixture(scope="module")
def ops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcesses]:
    data_dir = tmp_path_factory.mktemp("operations")
    svc = ServiceProcesses(
        {
            "VANBAN_DATA_DIR": str(data_dir),
            "VANBAN_QUEUE_NAME": f"ops-{uuid.uuid4().hex[:8]}",
            "VANBAN_LOG_FORMAT": "json",
            "VANBAN_BATCH_CHUNK_SIZE": "5",
            "VANBAN_WEBHOOK_ALLOW_PRIVATE": "1",  # the receiver listens on 127.0.0.1
            "VANBAN_WEBHOOK_BACKOFF_SECONDS": "0.5",
            "VANBAN_WEBHOOK_TIMEOUT": "60",  # an endpoint that hangs holds its delivery a minute
            "VANBAN_MAX_QUEUED_JOBS": str(QUEUE_LIMIT),
            "VANBAN_QUEUE_FULL_RETRY_SECONDS": str(RETRY_AFTER),
        }
    )
    try:
        svc.wait_healthy()
        yield svc
    finally:
        svc.stop()


def _metrics(svc: ServiceProcesses) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, parsed by prometheus_client's own parser: (name, labels) -> value."""
    text = httpx.get(f"{svc.url}/metrics", timeout=30).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _letters(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> float:
    return samples.get(("vanban_issued_total", (("kind", "letter"),)), 0.0)


def _post_batch(c: httpx.Client, rows: int, request_id: str | None = None) -> httpx.Response:
    xlsx, _ = class_list(rows)
    return c.post(
        "/api/v1/batches",
        data={"template": "giay-trieu-tap", "data": json.dumps(BATCH), "on_error": "skip"},
        files={"file": ("lop.xlsx", xlsx)},
        headers={"X-Request-ID": request_id} if request_id else {},
    )


def test_metrics_show_the_stages_of_a_real_batch_and_its_letters(ops: ServiceProcesses) -> None:
    before = _letters(_metrics(ops))
    with ops.client() as c:
        accepted = _post_batch(c, 12)
        assert accepted.status_code == 202, accepted.text
        letters = accepted.json()["documents"]
        assert letters == 12
        assert wait_job(c, accepted.json()["job_id"])["status"] == "succeeded"
    deadline = time.monotonic() + 60  # the last chunk counts its letters just after its commit: wait for it
    while _letters(samples := _metrics(ops)) < before + letters and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _letters(samples) - before == letters
    for stage in ("render", "convert", "split", "sign", "archive"):
        assert samples[("vanban_stage_duration_seconds_count", (("stage", stage),))] >= 3  # 12 letters, chunks of 5
    assert samples[("vanban_job_duration_seconds_count", (("kind", "batch"),))] >= 1
    assert samples[("vanban_signatures_total", (("level", "B-B"), ("signer", "organisation")))] >= letters
    route = (("method", "POST"), ("route", "/api/v1/batches"), ("status", "202"))
    assert samples[("vanban_http_requests_total", route)] >= 1
    assert ("vanban_queue_depth", (("status", "queued"),)) in samples
    assert ("vanban_converter_restarts_total", ()) in samples


def test_the_request_id_goes_in_comes_out_and_reaches_the_workers_log_lines_without_secrets(
    ops: ServiceProcesses,
) -> None:
    request_id = f"ops-{uuid.uuid4().hex}"
    password = f"sai-{uuid.uuid4().hex}"
    with ops.client() as c:
        accepted = c.post(
            "/api/v1/documents",
            json={"template": "giay-trieu-tap", "data": EXAMPLE},
            headers={"X-Request-ID": request_id},
        )
        assert accepted.status_code == 202 and accepted.headers["X-Request-ID"] == request_id
        document_id, job_id = accepted.json()["id"], accepted.json()["job_id"]
        assert wait_job(c, job_id)["status"] == "succeeded"
        mine = c.get("/api/v1/auth/me", headers={"X-Request-ID": "bad id with spaces"})
        assert mine.headers["X-Request-ID"] not in ("", "bad id with spaces")  # refused: a new one is made
        assert c.get("/api/v1/documents/nope").headers["X-Request-ID"]  # errors carry one too
    refused = httpx.post(f"{ops.url}/api/v1/auth/token", data={"username": "admin", "password": password})
    assert refused.status_code == 401 and refused.headers["X-Request-ID"]

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        lines = [json.loads(x) for x in _log(ops).splitlines() if x.startswith("{")]
        ours = [line for line in lines if line.get("request_id") == request_id]
        if any(line.get("document_id") == document_id for line in ours):
            break
        time.sleep(0.2)
    assert any(line["logger"] == "service.api.requests" and line["status"] == 202 for line in ours)
    produced = [line for line in ours if line["logger"] == "service.services.production"]
    assert produced and all(line["document_id"] == document_id and line["job_id"] == job_id for line in produced)
    log = _log(ops)
    assert API_KEY not in log and password not in log


def _log(svc: ServiceProcesses) -> str:
    return (svc.data_dir / "serve-0.log").read_text(errors="replace")


@dataclass
class Receiver:
    """An HTTP server of the test's own: answers the first request of each event with ``first_status``."""

    first_status: int = 500
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                with receiver.lock:
                    event = json.loads(body)["type"]
                    seen = sum(1 for _, b in receiver.received if json.loads(b)["type"] == event)
                    receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.first_status if seen == 0 else 200)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        return Handler

    def wait_for(self, event: str, count: int, timeout: float = 60) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                got = [r for r in self.received if json.loads(r[1])["type"] == event]
            if len(got) >= count:
                return got
            time.sleep(0.1)
        raise AssertionError(f"{count} {event} not received in {timeout} s: {self.received}")


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), state.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_port}/hooks/vanban"
    finally:
        server.shutdown()
        server.server_close()


def _signed_by(secret: str, headers: dict[str, str], body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    message = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(f"v1,{expected}", s) for s in headers["webhook-signature"].split())


def test_a_webhook_receiver_gets_a_signed_batch_completed_and_its_retry_after_a_500(
    ops: ServiceProcesses, receiver: tuple[Receiver, str]
) -> None:
    state, url = receiver
    with ops.client() as c:
        made = c.post("/api/v1/webhooks", json={"url": url, "events": ["batch.completed", "job.failed"]})
        assert made.status_code == 201, made.text
        endpoint, secret = made.json()["id"], made.json()["secret"]
        assert secret.startswith("whsec_") and "secret" not in c.get("/api/v1/webhooks").json()[0]
        refused = c.post("/api/v1/webhooks", json={"url": "ftp://127.0.0.1/x", "events": ["job.failed"]})
        assert refused.status_code == 422 and refused.json()["errors"][0]["path"] == "url"

        accepted = _post_batch(c, 3)
        batch_id, job_id = accepted.json()["id"], accepted.json()["job_id"]
        assert wait_job(c, job_id)["status"] == "succeeded"
        first, retry = state.wait_for("batch.completed", 2)
        for headers, body in (first, retry):
            assert _signed_by(secret, headers, body)
            assert abs(int(headers["webhook-timestamp"]) - time.time()) < 600
            payload = json.loads(body)
            assert payload["data"]["batch_id"] == batch_id and payload["data"]["documents"] == 3
        assert first[0]["webhook-id"] == retry[0]["webhook-id"]  # the same message, attempted again
        assert not _signed_by(secret, first[0], first[1].replace(batch_id.encode(), b"x"))

        test = c.post(f"/api/v1/webhooks/{endpoint}:test")
        assert test.status_code == 202
        state.wait_for("webhook.test", 2)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            log = {d["event"]: d for d in c.get(f"/api/v1/webhooks/{endpoint}/deliveries").json()}
            if all(log.get(e, {}).get("status") == "delivered" for e in ("batch.completed", "webhook.test")):
                break
            time.sleep(0.2)
        assert (log["batch.completed"]["attempts"], log["batch.completed"]["response_status"]) == (2, 200)
        assert log["batch.completed"]["id"] == first[0]["webhook-id"]
    assert secret not in _log(ops)


def test_endpoints_that_hang_never_hold_up_the_letters(ops: ServiceProcesses) -> None:
    """Six endpoints that take a minute to answer: their deliveries wait their turn (one at a time on a worker
    node), the letters asked for meanwhile are issued. Before, each delivery held one of the node's production
    threads for its whole wait, and a requester's slow endpoints stopped all issuing."""
    release, received = threading.Event(), []

    class Hanging(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            release.wait(120)
            received.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hanging)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with ops.client() as c:
            made = [
                c.post(
                    "/api/v1/webhooks",
                    json={"url": f"http://127.0.0.1:{server.server_port}/{i}", "events": ["document.issued"]},
                )
                for i in range(6)
            ]
            assert all(r.status_code == 201 for r in made), made[0].text
            for _ in range(3):
                asked = c.post("/api/v1/documents", json={"template": "giay-trieu-tap", "data": EXAMPLE})
                assert asked.status_code == 202, asked.text
                assert wait_job(c, asked.json()["job_id"], timeout=40)["status"] == "succeeded"
            release.set()
            for r in made:
                c.delete(f"/api/v1/webhooks/{r.json()['id']}")
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def test_a_flood_of_new_work_gets_429_with_retry_after_and_the_service_stays_healthy(ops: ServiceProcesses) -> None:
    with ops.client() as c:
        openapi = c.get("/openapi.json").json()
        for path in ("/api/v1/documents", "/api/v1/batches"):
            assert "Retry-After" in openapi["paths"][path]["post"]["responses"]["429"]["headers"]
        big = [_post_batch(c, 50) for _ in range(QUEUE_LIMIT)]  # each one job of 50 letters: the limit is reached
        assert [r.status_code for r in big] == [202] * QUEUE_LIMIT

        def ask(_: int) -> httpx.Response:
            return c.post("/api/v1/documents", json={"template": "giay-trieu-tap", "data": EXAMPLE})

        with ThreadPoolExecutor(8) as pool:
            flood = list(pool.map(ask, range(24)))
            health = httpx.get(f"{ops.url}/healthz", timeout=30)
        refused = [r for r in flood if r.status_code == 429]
        assert refused and all(r.status_code in (202, 429) for r in flood)
        assert _post_batch(c, 3).status_code == 429
        for token in ({}, {"Authorization": "Bearer garbage"}):  # the caller is known first: never told the queue
            anonymous = httpx.post(f"{ops.url}/api/v1/documents", json={"template": "x", "data": {}}, headers=token)
            assert anonymous.status_code == 401, anonymous.text
        assert health.status_code == 200, health.text
        for r in refused:
            body = r.json()
            assert r.headers["Retry-After"] == str(RETRY_AFTER) and body["retry_after"] == RETRY_AFTER
            assert body["code"] == "queue_full" and body["message"] and body["message_vi"] != body["message"]

        for r in big:
            assert wait_job(c, r.json()["job_id"], timeout=300)["status"] == "succeeded"
        for r in flood:
            if r.status_code == 202:
                assert wait_job(c, r.json()["job_id"])["status"] == "succeeded"
        assert ask(0).status_code == 202  # the queue drained: new work is taken again
        assert httpx.get(f"{ops.url}/healthz", timeout=30).status_code == 200
        samples = _metrics(ops)
        assert samples[
            ("vanban_http_requests_total", (("method", "POST"), ("route", "/api/v1/documents"), ("status", "429")))
        ] == len(refused)
