"""Trust under attack, through the API of the real service (embedded default and PostgreSQL + Redis): two-step
signatures are refused with a forged certificate ("Kẻ Giả Mạo", self-signed), a certificate of another CA with the
leader's name, a signer's certificate that was never recorded, the right certificate on a made-up field; an issued
document takes no new signature and its bytes never change; an ``Idempotency-Key`` belongs to its caller; a wrong
PIN names no server path."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any

import httpx
import pytest

from signing.pki import DemoPki
from tests import forgeries
from tests.backends import STORAGE_BACKENDS, ServiceProcesses, on, wait_job
from tests.e2e.test_office import PIN, Office, certificate_pem, example, two_step_sign

pytestmark = [
    pytest.mark.slow,
    on(STORAGE_BACKENDS),
]


def _bilingual(r: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert body["message"] and body["message_vi"] and body["message"] != body["message_vi"], body
    if code:
        assert body["code"] == code, body
    return body


def _submitted_decision(requester: httpx.Client, signers: list[str]) -> str:
    r = requester.post(
        "/api/v1/documents", json={"template": "quyet-dinh-mo-lop", "data": example(requester, "quyet-dinh-mo-lop")}
    )
    assert r.status_code == 202, r.text
    assert wait_job(requester, r.json()["job_id"])["status"] == "succeeded"
    doc_id = str(r.json()["id"])
    submitted = requester.post(f"/api/v1/documents/{doc_id}:submit", json={"signers": signers})
    assert submitted.status_code == 200, submitted.text
    return doc_id


def _state(c: httpx.Client, doc_id: str) -> tuple[str, str, str | None, bytes]:
    doc = c.get(f"/api/v1/documents/{doc_id}").json()
    pdf = c.get(f"/api/v1/documents/{doc_id}/pdf")
    assert pdf.status_code == 200
    assert hashlib.sha256(pdf.content).hexdigest() == doc["pdf_sha256"]  # the archived bytes are the recorded ones
    return doc["status"], doc["pdf_sha256"], doc.get("signer"), pdf.content


def _prepare(signer: httpx.Client, doc_id: str, pem: str, field: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {"certificates": pem} | ({"field_name": field} if field else {})
    return signer.post(f"/api/v1/documents/{doc_id}/signatures:prepare", json=body)


def test_two_step_signing_takes_only_the_signers_recorded_certificate(service: ServiceProcesses) -> None:
    office = Office(service)
    requester = office.person("chuyenvien", "TCT", ["requester"], "Chuyên viên")
    clerk = office.person("vanthu", "TCT", ["clerk"], "Văn thư")
    head = office.person("hieutruong", "TCT", ["signer"], "Hiệu trưởng", "leader.p12")
    deputy = office.person("phohieutruong", "TCT", ["signer"], "Phó Hiệu trưởng")  # no certificate recorded
    pki = service.data_dir / "pki"
    doc_id = _submitted_decision(requester, [head.username])
    before = _state(requester, doc_id)

    forged_key, forged_cert, _ = forgeries.self_signed()  # "Kẻ Giả Mạo"
    refused = _bilingual(_prepare(head, doc_id, forgeries.pem(forged_cert)), 422)
    assert "certificates" in str(refused)
    _, other_ca_cert, other_chain = forgeries.from_another_ca()  # the leader's very name, from another CA
    _bilingual(_prepare(head, doc_id, forgeries.pem(other_ca_cert, other_chain)), 422)
    # The right certificate on a made-up field, or on the other party's field.
    right = certificate_pem(pki / "leader.p12")
    for field in ("Extra1", "DoiTac"):
        wrong_field = _bilingual(_prepare(head, doc_id, right, field), 422)
        assert wrong_field["errors"][0]["path"] == "field_name"
    assert _state(requester, doc_id) == before  # nothing was recorded

    # A signer with no certificate on record cannot sign in two steps until an administrator records one.
    other = _submitted_decision(requester, [deputy.username])
    unrecorded = _bilingual(_prepare(deputy, other, right), 403, "certificate_not_recorded")
    assert "quản trị" in unrecorded["message_vi"]
    self_sign = {"certificate": forgeries.pem(forged_cert)}  # an admin cannot record a forgery either
    bad = _bilingual(office.admin.put(f"/api/v1/users/{deputy.username}/certificate", json=self_sign), 422)
    assert bad["errors"][0]["path"] == "certificate"
    deputy_key, deputy_cert, deputy_chain = forgeries.issued_by(DemoPki(pki), "Trần Văn Bình (DEMO)")
    recorded = office.admin.put(
        f"/api/v1/users/{deputy.username}/certificate", json={"certificate": forgeries.pem(deputy_cert)}
    )
    assert recorded.status_code == 200, recorded.text
    prepared = _prepare(deputy, other, forgeries.pem(deputy_cert, deputy_chain))
    assert prepared.status_code == 200, prepared.text
    # The forger cannot finish the deputy's session with their own key either.
    value = forgeries.sign_digest(forged_key, base64.b64decode(prepared.json()["digest"]))
    complete = {"session_id": prepared.json()["session_id"], "signature": base64.b64encode(value).decode()}
    _bilingual(deputy.post(f"/api/v1/documents/{other}/signatures:complete", json=complete), 422)
    value = forgeries.sign_digest(deputy_key, base64.b64decode(prepared.json()["digest"]))
    complete["signature"] = base64.b64encode(value).decode()
    assert deputy.post(f"/api/v1/documents/{other}/signatures:complete", json=complete).status_code == 200
    assert requester.get(f"/api/v1/documents/{other}").json()["status"] == "signed"

    # The leader signs with the recorded certificate, in their field; the clerk issues.
    two_step_sign(head, doc_id, pki / "leader.p12")
    assert clerk.post(f"/api/v1/documents/{doc_id}:issue", json={}).status_code == 200
    issued = _state(requester, doc_id)
    assert issued[0] == "issued"

    # An issued document takes no new signature, whoever asks and whatever the field; its bytes never change.
    for any_field in ("Extra1", "LanhDao", None):
        _bilingual(_prepare(head, doc_id, right, any_field), 409)
    _bilingual(head.post("/api/v1/inbox:prepare", json={"document_ids": [doc_id], "certificates": right}), 409)
    _bilingual(head.post("/api/v1/inbox:sign", json={"document_ids": [doc_id], "pin": PIN}), 409)
    assert _state(requester, doc_id) == issued


def test_a_directly_issued_letter_takes_no_new_signature(service: ServiceProcesses) -> None:
    """The reproduction: ``signatures:prepare`` with ``field_name=Extra1`` on an issued call-up letter changed its
    pdf_sha256 and its signer."""
    office = Office(service)
    requester = office.person("chuyenvien", "TCT", ["requester"], "Chuyên viên")
    head = office.person("hieutruong", "TCT", ["signer"], "Hiệu trưởng", "leader.p12")
    letter = {"template": "giay-trieu-tap", "data": example(requester, "giay-trieu-tap")}
    r = requester.post("/api/v1/documents", json=letter)
    assert wait_job(requester, r.json()["job_id"])["status"] == "succeeded"
    doc_id = r.json()["id"]
    before = _state(requester, doc_id)
    assert before[0] == "issued"
    _, forged_cert, _ = forgeries.self_signed()
    for pem in (forgeries.pem(forged_cert), certificate_pem(service.data_dir / "pki" / "leader.p12")):
        _bilingual(_prepare(head, doc_id, pem, "Extra1"), 409)
    assert _state(requester, doc_id) == before


def test_idempotency_key_belongs_to_its_caller(service: ServiceProcesses) -> None:
    office = Office(service)
    alice = office.person("chuyenvien_a", "TCT", ["requester"], "Chuyên viên")
    bob = office.person("chuyenvien_b", "TCT", ["requester"], "Chuyên viên")
    key = f"shared-{uuid.uuid4().hex[:8]}"
    data = example(alice, "giay-trieu-tap")
    body = {"template": "giay-trieu-tap", "data": data}
    first = alice.post("/api/v1/documents", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 202, first.text
    # Bob, with the same key and the same body: his own document, not Alice's.
    theirs = bob.post("/api/v1/documents", json=body, headers={"Idempotency-Key": key})
    assert theirs.status_code == 202, theirs.text
    assert theirs.json()["id"] != first.json()["id"]
    # Bob, with the same key and another body: a new document, nothing said about Alice's key.
    changed = {**body, "data": {**data, "student": {**data["student"], "full_name": "Lê Văn Khác"}}}
    other = bob.post("/api/v1/documents", json=changed, headers={"Idempotency-Key": f"{key}-2"})
    assert other.status_code == 202
    reused = bob.post("/api/v1/documents", json=changed, headers={"Idempotency-Key": key})
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_conflict"  # his own key, his conflict
    alices = alice.post("/api/v1/documents", json=changed, headers={"Idempotency-Key": f"{key}-2"})
    assert alices.status_code == 202 and alices.json()["id"] != other.json()["id"]
    # Each replay returns the caller's own document.
    for c, r in ((alice, first), (bob, theirs)):
        replay = c.post("/api/v1/documents", json=body, headers={"Idempotency-Key": key})
        assert replay.status_code == 202 and replay.json()["id"] == r.json()["id"]
    for c, r in ((alice, first), (bob, theirs)):
        assert wait_job(c, r.json()["job_id"])["status"] == "succeeded"


def test_a_wrong_pin_names_no_server_path(service: ServiceProcesses) -> None:
    office = Office(service)
    requester = office.person("chuyenvien", "TCT", ["requester"], "Chuyên viên")
    head = office.person("hieutruong", "TCT", ["signer"], "Hiệu trưởng", "leader.p12")
    doc_id = _submitted_decision(requester, [head.username])
    wrong = head.post("/api/v1/inbox:sign", json={"document_ids": [doc_id], "pin": "0000"})
    body = _bilingual(wrong, 422, "credential_refused")
    assert "PIN" in body["message"] and "PIN" in body["message_vi"]
    assert str(service.data_dir) not in wrong.text and "leader.p12" not in wrong.text
    assert "/" not in body["message"] + body["message_vi"], body
    assert requester.get(f"/api/v1/documents/{doc_id}").json()["status"] == "submitted"
