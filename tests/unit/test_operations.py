"""Running it as a service, on fakes: log lines (JSON, the bound request, never a secret), webhooks (registration,
Standard Webhooks signature checked here with hmac, retries, the delivery log, addresses refused), back-pressure."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
import re
from pathlib import Path

import pytest

from service.adapters.webhook_sender import HttpWebhookSender
from service.errors import Forbidden, InvalidRequest, NotFound, QueueFull, WebhookNotDelivered
from service.logs import JsonFormatter, TextFormatter, _ContextFilter, accept_request_id, bound
from service.services.admission import admit
from service.services.webhooks import Webhooks
from tests.fakes import FakeWebhookSender
from tests.rows import finished_job
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
    assert webhooks.deliver(str(delivery_id)) == "delivered"
    assert webhooks.deliver(str(delivery_id)) == "skipped"  # a redelivered task: nothing is sent again
    (log,) = webhooks.deliveries(REQUESTER, made.endpoint.id)
    assert (log.status, log.attempts, log.response_status, log.error) == ("delivered", 3, 204, None)

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


def test_new_work_is_refused_with_retry_after_past_the_queue_limit() -> None:
    service = Service()
    with service.db.uow() as tx:
        for status in ("queued", "running", "succeeded", "failed"):
            job = finished_job()
            job.status = status
            tx.repo.add(job)
        tx.commit()
    admit(service.db, 3, 7)  # two wait: under the limit
    admit(service.db, 0, 7)  # no limit
    with pytest.raises(QueueFull) as full:
        admit(service.db, 2, 7)
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
