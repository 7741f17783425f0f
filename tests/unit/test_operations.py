"""Running it as a service, on fakes: log lines (JSON, the bound request, never a secret), webhooks (registration,
Standard Webhooks signature checked here with hmac, retries, the delivery log, addresses refused), back-pressure."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import io
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import pytest

from service.adapters import orm
from service.adapters.process import Turn
from service.adapters.webhook_sender import HttpWebhookSender
from service.errors import Forbidden, InvalidRequest, NotFound, QueueFull, VanbanError, WebhookNotDelivered
from service.logs import JsonFormatter, TextFormatter, _ContextFilter, accept_request_id, bound
from service.services.admission import Admission
from service.services.webhooks import Webhooks
from tests.fakes import FakeWebhookSender
from tests.rows import OWNER_CHANGES, change_owner, finished_job
from tests.unit.services import OTHER_REQUESTER, REQUESTER, Service

PIN, PASSWORD, API_KEY = "246813", "mat-khau-bi-mat", "vbk_live_0123456789abcdef"


def _lines(formatter: logging.Formatter, log: logging.Logger, *records: tuple[str, dict[str, object]]) -> str:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    handler.addFilter(_ContextFilter())
    log.addHandler(handler)
    try:
        for message, extra in records:
            log.warning(message, extra=extra)
    finally:
        log.removeHandler(handler)
    return out.getvalue()


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter()], ids=["json", "text"])
def test_log_lines_carry_the_bound_request_and_never_a_secret(formatter: logging.Formatter) -> None:
    log = logging.getLogger("tests.operations")
    with bound(request_id="req-1", document_id="doc-1"):
        text = _lines(
            formatter,
            log,
            (f"login of admin with password={PASSWORD} pin: {PIN}", {"job_id": "job-1"}),
            (
                f"Authorization: Bearer {API_KEY} and whsec_c2VjcmV0c2VjcmV0",
                {"pin": PIN, "headers": {"Authorization": API_KEY}},
            ),
        )
    for secret in (PIN, PASSWORD, API_KEY, "c2VjcmV0c2VjcmV0"):
        assert secret not in text
    lines = text.splitlines()
    assert len(lines) == 2
    if isinstance(formatter, JsonFormatter):
        first, second = (json.loads(line) for line in lines)
        assert (first["request_id"], first["document_id"], first["job_id"]) == ("req-1", "doc-1", "job-1")
        assert first["level"] == "WARNING" and first["logger"] == "tests.operations"
        assert second["pin"] == "[redacted]" and second["headers"] == {"Authorization": "[redacted]"}
    else:
        assert "request_id=req-1" in lines[0] and "job_id=job-1" in lines[0]
    assert "request_id" not in _lines(formatter, log, ("outside any request", {}))


def test_a_sane_request_id_is_kept_and_any_other_replaced() -> None:
    assert accept_request_id("4f1c-a.b:c_9") == "4f1c-a.b:c_9"
    for insane in (None, "", "x" * 129, "a b", 'a"}', "ý"):
        made = accept_request_id(insane)
        assert made != insane and len(made) == 32


def _webhooks(sender: FakeWebhookSender, service: Service) -> tuple[Webhooks, list[list[object]]]:
    """Webhooks over ``service``, whose database knows the requesters as users."""
    with service.db.uow() as tx:
        for who in (REQUESTER, OTHER_REQUESTER):
            if tx.repo.user(who.user_id) is None:
                tx.repo.add(
                    orm.UserRow(
                        id=who.user_id,
                        username=who.username,
                        full_name=who.full_name,
                        organisation=who.organisation,
                        roles=sorted(who.roles),
                        password_hash=None,
                        active=True,
                    )
                )
        tx.commit()
    queued: list[list[object]] = []
    return Webhooks(service.db, sender, service.clock, lambda name, args: queued.append(args), 3), queued


def _verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return headers["webhook-signature"] == f"v1,{expected}"


def test_an_event_is_delivered_signed_retried_until_taken_and_logged() -> None:
    service, sender = Service(), FakeWebhookSender([500, None, 204])
    webhooks, queued = _webhooks(sender, service)
    made = webhooks.register(REQUESTER, "https://hooks.example.vn/vanban", ["batch.completed", "job.failed"])
    assert made.secret.startswith("whsec_") and len(base64.b64decode(made.secret[6:])) == 32
    assert [e.id for e in webhooks.endpoints(OTHER_REQUESTER)] == []  # another person's endpoints are not theirs

    webhooks.publish("document.issued", "TCT", {"document_id": "d"})  # not asked for
    webhooks.publish("batch.completed", "TDTN", {"batch_id": "b"})  # another body's
    assert queued == []
    webhooks.publish("batch.completed", "TCT", {"batch_id": "b1", "documents": 3})
    ((delivery_id,),) = queued

    for attempt in (1, 2):
        with pytest.raises(WebhookNotDelivered):
            webhooks.deliver(str(delivery_id))
        (log,) = webhooks.deliveries(REQUESTER, made.endpoint.id)
        assert (log.status, log.attempts) == ("pending", attempt)
    assert log.response_status is None and log.error == "no answer from the endpoint"
    assert log.error_vi and log.error_vi != log.error  # the delivery log speaks Vietnamese too
    assert webhooks.deliver(str(delivery_id)) == "delivered"
    assert webhooks.deliver(str(delivery_id)) == "skipped"  # a redelivered task: nothing is sent again
    (log,) = webhooks.deliveries(REQUESTER, made.endpoint.id)
    assert (log.status, log.attempts, log.response_status, log.error, log.error_vi) == ("delivered", 3, 204, None, None)

    assert len(sender.sent) == 3
    assert {headers["webhook-id"] for _, headers, _ in sender.sent} == {delivery_id}
    for url, headers, body in sender.sent:
        assert url == "https://hooks.example.vn/vanban" and _verify(made.secret, headers, body)
        payload = json.loads(body)
        assert payload["type"] == "batch.completed" and payload["data"] == {"batch_id": "b1", "documents": 3}
    url, headers, body = sender.sent[0]
    assert not _verify(made.secret, headers, body.replace(b"b1", b"b2"))  # the signature covers the body


def test_a_delivery_is_given_up_after_its_last_attempt_and_a_test_delivery_can_be_sent() -> None:
    service, sender = Service(), FakeWebhookSender([500, 500, 503])
    webhooks, queued = _webhooks(sender, service)
    endpoint = webhooks.register(REQUESTER, "http://hooks.example.vn/", ["job.failed"]).endpoint
    test = webhooks.send_test(REQUESTER, endpoint.id)
    assert queued == [[test.id]] and test.event == "webhook.test"
    for _ in range(2):
        with pytest.raises(WebhookNotDelivered):
            webhooks.deliver(test.id)
    assert webhooks.deliver(test.id) == "failed"  # the third of 3 attempts: no further retry
    (log,) = webhooks.deliveries(REQUESTER, endpoint.id)
    assert (log.status, log.attempts, log.response_status) == ("failed", 3, 503)
    with pytest.raises(NotFound):
        webhooks.send_test(OTHER_REQUESTER, endpoint.id)
    webhooks.remove(REQUESTER, endpoint.id)
    assert webhooks.endpoints(REQUESTER) == []


def test_a_pending_delivery_is_not_sent_once_its_owner_no_longer_listens() -> None:
    """An endpoint hears its organisation's events while its owner is active (``webhook_subscribers``): a delivery
    still pending when the owner is deactivated (or moved to another body) is not sent on its next attempt."""
    service, sender = Service(), FakeWebhookSender([500, 204])
    webhooks, queued = _webhooks(sender, service)
    webhooks.register(REQUESTER, "https://hooks.example.vn/vanban", ["document.issued"])
    webhooks.publish("document.issued", "TCT", {"document_id": "d"})
    ((delivery_id,),) = queued
    with pytest.raises(WebhookNotDelivered):
        webhooks.deliver(str(delivery_id))
    with service.db.uow() as tx:
        owner = tx.repo.user(REQUESTER.user_id)
        assert owner is not None
        owner.active = False
        tx.commit()
    assert webhooks.deliver(str(delivery_id)) == "skipped" and len(sender.sent) == 1


@pytest.mark.parametrize(
    ("url", "events"),
    [
        ("ftp://hooks.example.vn/x", ["job.failed"]),
        ("file:///etc/passwd", ["job.failed"]),
        ("https://user:pw@hooks.example.vn/", ["job.failed"]),
        ("https:///no-host", ["job.failed"]),
        ("http://[::1/", ["job.failed"]),
        ("http://hooks.example.vn:99999/", ["job.failed"]),
        ("https://hooks.example.vn/", ["document.deleted"]),
        ("https://hooks.example.vn/", []),
        ("http://private.example/", ["job.failed"]),
    ],
)
def test_registration_refuses_other_schemes_unknown_events_and_refused_addresses(url: str, events: list[str]) -> None:
    webhooks, _ = _webhooks(FakeWebhookSender([], refused=("http://private.example/",)), Service())
    with pytest.raises(InvalidRequest) as refused:
        webhooks.register(REQUESTER, url, events)
    assert refused.value.errors[0].path in ("url", "events") and refused.value.errors[0].message_vi


def test_a_signer_alone_registers_no_endpoint() -> None:
    from service.domain.office import Principal

    signer = Principal("u-s", "hieutruong", "Hiệu trưởng", "", "TCT", frozenset({"signer"}))
    webhooks, _ = _webhooks(FakeWebhookSender([]), Service())
    with pytest.raises(Forbidden):
        webhooks.register(signer, "https://hooks.example.vn/", ["job.failed"])


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "http://[::1]/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(InvalidRequest):
        HttpWebhookSender(timeout=1, allow_private=False).check(url)
    with pytest.raises(WebhookNotDelivered, match="not allowed"):  # and at delivery, on the address called
        HttpWebhookSender(timeout=1, allow_private=False).post(url, {}, b"{}")
    HttpWebhookSender(timeout=1, allow_private=True).check(url)


@pytest.mark.parametrize("change", OWNER_CHANGES)
def test_an_endpoint_hears_nothing_once_its_owner_is_deactivated_moved_or_loses_the_role(change: str) -> None:
    service, sender = Service(), FakeWebhookSender([])
    webhooks, queued = _webhooks(sender, service)
    webhooks.register(REQUESTER, "https://hooks.example.vn/", ["job.failed"])
    webhooks.publish("job.failed", "TCT", {"job_id": "j1"})
    assert len(queued) == 1
    with service.db.uow() as tx:
        owner = tx.repo.user(REQUESTER.user_id)
        assert owner is not None
        change_owner(owner, change)
        tx.commit()
    webhooks.publish("job.failed", "TCT", {"job_id": "j2"})
    webhooks.publish("job.failed", "TDTN", {"job_id": "j3"})
    assert len(queued) == 1


def test_a_person_has_at_most_20_endpoints() -> None:
    webhooks, _ = _webhooks(FakeWebhookSender([]), Service())
    for n in range(20):
        webhooks.register(REQUESTER, f"https://hooks.example.vn/{n}", ["job.failed"])
    with pytest.raises(InvalidRequest) as refused:
        webhooks.register(REQUESTER, "https://hooks.example.vn/21", ["job.failed"])
    assert "20" in refused.value.errors[0].message_en and "20" in refused.value.errors[0].message_vi
    webhooks.register(OTHER_REQUESTER, "https://hooks.example.vn/other", ["job.failed"])  # another person's count


class _BrokenSender(FakeWebhookSender):
    def post(self, url: str, headers: dict[str, str], body: bytes) -> int:
        "thông-báo.vn".encode("ascii")  # what httpx did with an internationalised host
        return 204


def test_an_unexpected_failure_of_the_sender_is_an_attempt_logged_and_retried() -> None:
    service = Service()
    webhooks, _ = _webhooks(_BrokenSender([]), service)
    endpoint = webhooks.register(REQUESTER, "https://thông-báo.vn/hook", ["job.failed"]).endpoint
    delivery = webhooks.send_test(REQUESTER, endpoint.id)
    with pytest.raises(WebhookNotDelivered):
        webhooks.deliver(delivery.id)
    (log,) = webhooks.deliveries(REQUESTER, endpoint.id)
    assert (log.status, log.attempts) == ("pending", 1) and "UnicodeEncodeError" in (log.error or "")


@pytest.mark.parametrize(
    "url",
    [
        "http://[64:ff9b::a00:307]/",  # NAT64 of 10.0.3.7
        "http://[2002:a00:307::1]/",  # 6to4 of 10.0.3.7
        "http://[::a00:307]/",  # IPv4-compatible ::10.0.3.7
        "http://[::ffff:7f00:1]/",  # IPv4-mapped 127.0.0.1
    ],
)
def test_ipv6_addresses_carrying_a_private_ipv4_are_refused(url: str) -> None:
    with pytest.raises(InvalidRequest):
        HttpWebhookSender(timeout=1, allow_private=False).check(url)


def test_a_refusal_does_not_tell_the_inner_address_a_name_resolves_to() -> None:
    with pytest.raises(InvalidRequest) as refused:
        HttpWebhookSender(timeout=1, allow_private=False).check("http://localhost/hook")
    error = refused.value.errors[0]
    assert "localhost" in error.message_en
    for text in (error.message_en, error.message_vi):
        assert "127.0.0.1" not in text and "::1" not in text


class _Endpoint(http.server.BaseHTTPRequestHandler):
    """Answers 200 with ``body_bytes`` bytes, ``chunk`` at a time, ``pause`` seconds apart; notes whether the
    whole answer went out and the Host header it got."""

    body_bytes, chunk, pause = 0, 1, 0.0
    seen: ClassVar[dict[str, object]] = {}

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        self.seen["host"] = self.headers["host"]
        self.send_response(200)
        self.send_header("content-length", str(self.body_bytes))
        self.end_headers()
        try:
            for _ in range(self.body_bytes // self.chunk):
                self.wfile.write(b"x" * self.chunk)
                self.wfile.flush()
                time.sleep(self.pause)
            self.seen["finished"] = True
        except OSError:
            self.seen["finished"] = False

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def _endpoint(body_bytes: int, chunk: int, pause: float) -> Iterator[tuple[int, dict[str, object]]]:
    seen: dict[str, object] = {}
    handler = type("Handler", (_Endpoint,), {"body_bytes": body_bytes, "chunk": chunk, "pause": pause, "seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def _until(seen: dict[str, object], key: str) -> object:
    for _ in range(600):
        if key in seen:
            return seen[key]
        time.sleep(0.05)
    raise AssertionError(f"the endpoint never noted {key}")


def test_a_huge_answer_is_not_read_past_64_kib() -> None:
    with _endpoint(body_bytes=256 * 1024 * 1024, chunk=1024 * 1024, pause=0) as (port, seen):
        assert HttpWebhookSender(timeout=10, allow_private=True).post(f"http://127.0.0.1:{port}/", {}, b"{}") == 200
        assert _until(seen, "finished") is False  # the sender hung up long before the end


def test_an_answer_dripping_slowly_ends_at_the_overall_deadline() -> None:
    with _endpoint(body_bytes=40, chunk=1, pause=0.25) as (port, seen):  # 10 s in all, a byte every 0.25 s
        with pytest.raises(WebhookNotDelivered, match="within 1 s"):
            HttpWebhookSender(timeout=1, allow_private=True).post(f"http://127.0.0.1:{port}/", {}, b"{}")
        assert _until(seen, "finished") is False


def test_an_internationalised_host_is_called_by_its_idna_name() -> None:
    with _endpoint(body_bytes=2, chunk=1, pause=0) as (port, seen):
        url = f"http://ｌｏｃａｌｈｏｓｔ:{port}/hook"  # full-width letters: IDNA maps them to "localhost"
        assert HttpWebhookSender(timeout=10, allow_private=True).post(url, {}, b"{}") == 200
        assert seen["host"] == f"localhost:{port}"


def test_new_work_is_refused_with_retry_after_past_the_queue_limit() -> None:
    service = Service()
    with service.db.uow() as tx:
        for status in ("queued", "running", "succeeded", "failed"):
            job = finished_job()
            job.status = status
            tx.repo.add(job)
        tx.commit()
    Admission(3, 7).admit(service.db)  # two wait: under the limit
    Admission(0, 7).admit(service.db)  # no limit
    with pytest.raises(QueueFull) as full:
        Admission(2, 7).admit(service.db)
    assert full.value.retry_after == 7 and full.value.to_dict()["code"] == "queue_full"
    assert "2" in full.value.message_vi and full.value.status_code == 429


def test_the_dashboard_shows_only_metrics_the_service_exposes() -> None:
    from service.adapters.metrics import exposition

    dashboard = json.loads((Path(__file__).parents[2] / "docs" / "grafana-dashboard.json").read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    named = {re.sub(r"_(bucket|count|sum)$", "", n) for e in exprs for n in re.findall(r"vanban_[a-z_]+", e)}
    text = exposition({"queued": 0, "running": 0}).decode()
    exposed = set(re.findall(r"^# TYPE (vanban_[a-z_]+) ", text, re.MULTILINE))
    exposed |= {f"{n}_total" for n in exposed}
    assert named and named <= exposed, named - exposed


def test_a_turn_is_held_once_on_a_node_and_lost_by_a_holder_that_died() -> None:
    """The webhook deliveries' turn (``service.tasks``): one holder among a node's threads and forked processes;
    a process killed while it held it does not keep it."""
    turn = Turn()
    assert turn.take(longest=60)
    taken_elsewhere: list[bool] = []
    other = threading.Thread(target=lambda: taken_elsewhere.append(turn.take(longest=60)))
    other.start()
    other.join()
    assert taken_elsewhere == [False]
    turn.give_back()
    child = os.fork()
    if child == 0:  # takes the turn and dies holding it
        os._exit(0 if turn.take(longest=60) else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert turn.take(longest=60)
    turn.give_back()


def test_threads_measuring_for_the_first_time_at_once_make_the_metrics_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three worker threads taking chunks at once right after a restart: each asks for the metrics for the first
    time; they were made by each (``functools.cache`` is no lock), the second registration raised
    ``DuplicateTimeseries`` and its chunk failed for good, 25 letters with it."""
    import prometheus_client
    import prometheus_client.metrics

    from service.adapters import metrics

    made = metrics._instruments()  # those of this process, made by the tests before: taken away for a moment
    for instrument in vars(made).values():
        prometheus_client.REGISTRY.unregister(instrument)
    monkeypatch.setattr(metrics, "_made", None)
    init = prometheus_client.metrics.MetricWrapperBase.__init__

    def slow(self: Any, *args: Any, **kwargs: Any) -> None:  # a busy GIL's pause, made sure
        time.sleep(0.01)
        init(self, *args, **kwargs)

    monkeypatch.setattr(prometheus_client.metrics.MetricWrapperBase, "__init__", slow)
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def measure() -> None:
        start.wait()
        try:
            metrics.PrometheusMetrics().stage("render", 0.1)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=measure) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_a_metric_that_cannot_be_recorded_never_fails_the_work(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from service.adapters import metrics

    def broken() -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(metrics, "_instruments", broken)
    with caplog.at_level(logging.ERROR, logger="service.adapters.metrics"):
        metrics.PrometheusMetrics().stage("render", 0.1)
        metrics.PrometheusMetrics().issued("letter", 25)
    assert [r.getMessage() for r in caplog.records] == [
        "the metric stage was not recorded",
        "the metric issued was not recorded",
    ]


def test_an_unexpected_failure_of_a_task_is_final_and_said_in_both_languages() -> None:
    from service.tasks import attempt

    failed: list[tuple[VanbanError, bool]] = []

    def work() -> None:
        raise KeyError("slot")

    assert attempt(work, lambda error, final: failed.append((error, final)), "chunk 3", 0, 3) is False
    ((error, final),) = failed
    assert final and error.code == "internal" and "KeyError" in error.message_en
    assert error.message_vi.startswith("Lỗi nội bộ") and "KeyError" in error.message_vi
