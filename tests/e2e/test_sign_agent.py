"""A leader signs from the inbox with their own USB token (SoftHSM2 here), through ``vanban sign-agent`` on their
computer: ``inbox:prepare`` with the certificates the agent gives, the agent signs the digests after the leader says
yes on its terminal, ``inbox:complete`` with its answer; the clerk issues; the PDFs verify (pdfsig, qpdf, and the
service's own verification). The service never sees the PIN, the key or the token."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from signing.keys import read_pkcs12
from signing.pkcs11 import SOFTHSM2
from tests.backends import ServiceProcesses, wait_job
from tests.e2e.test_office import PIN, Office, example
from tests.pdftools import check_pdf
from tests.signing.agent_process import ORIGIN, started
from tests.signing.softhsm import PIN as TOKEN_PIN
from tests.signing.softhsm import add_token, softhsm_environment

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("service", ["embedded"], indirect=True)]


def _leader_with_token(office: Office, certificate_pem: str) -> httpx.Client:
    """A leader whose key is on a PKCS#11 token: the credential names it; the administrator records the
    certificate the agent gives, as the README tells."""
    service = office.service
    username, password = f"hieutruong_token_{office.suffix}", f"mat-khau-{office.suffix}"
    credential = {"kind": "pkcs11", "module": str(SOFTHSM2), "token": "vanban", "key": "leader"}
    body: dict[str, Any] = {
        "username": username,
        "full_name": "Nguyễn Văn An",
        "organisation": "TCT",
        "roles": ["signer"],
        "title": "Hiệu trưởng",
        "password": password,
        "credential": credential,
    }
    assert office.admin.post("/api/v1/users", json=body).status_code == 201
    recorded = office.admin.put(f"/api/v1/users/{username}/certificate", json={"certificate": certificate_pem})
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["subject"].startswith("CN=Nguyễn Văn An (DEMO)"), recorded.json()
    token = httpx.post(f"{service.url}/api/v1/auth/token", data={"username": username, "password": password})
    client = service.client(token.json()["access_token"])
    client.username = username  # type: ignore[attr-defined]
    return client


def _submitted(requester: httpx.Client, template: str, signer: str) -> str:
    r = requester.post("/api/v1/documents", json={"template": template, "data": example(requester, template)})
    assert r.status_code == 202, r.text
    assert wait_job(requester, r.json()["job_id"])["status"] == "succeeded"
    submitted = requester.post(f"/api/v1/documents/{r.json()['id']}:submit", json={"signers": [signer]})
    assert submitted.status_code == 200, submitted.text
    return str(r.json()["id"])


def test_the_leaders_usb_token_signs_the_inbox_through_the_agent(service: ServiceProcesses, tmp_path: Path) -> None:
    # The leader's token, made from the service's demo PKI: their key, certificate and the CA's certificate.
    key, cert, chain = read_pkcs12(service.data_dir / "pki" / "leader.p12", PIN)
    env = softhsm_environment(tmp_path / "softhsm")
    add_token(env, "vanban", key, cert, chain)

    office = Office(service)
    requester = office.person("chuyenvien", "TCT", ["requester"], "Chuyên viên")
    clerk = office.person("vanthu", "TCT", ["clerk"], "Văn thư")
    agent = started(env, TOKEN_PIN, "--origin", ORIGIN)  # the only token, the only key: no labels to know
    try:
        with agent.client() as to_agent:
            pem = to_agent.get("/v1/certificates").json()["certificates"]
            leader = _leader_with_token(office, pem)
            docs = [_submitted(requester, t, leader.username) for t in ("quyet-dinh-mo-lop", "ke-hoach")]  # type: ignore[attr-defined]
            assert sorted(d["id"] for d in leader.get("/api/v1/inbox").json()) == sorted(docs)

            prepared = leader.post("/api/v1/inbox:prepare", json={"document_ids": docs, "certificates": pem})
            assert prepared.status_code == 200, prepared.text
            # The page hands inbox:prepare's answer to the agent as it is; the leader says yes on the terminal.
            answer: list[httpx.Response] = []
            asking = threading.Thread(target=lambda: answer.append(to_agent.post("/v1/sign", json=prepared.json())))
            asking.start()
            agent.wait_for("Sign 2 document(s)?")
            agent.answer("c")
            asking.join(120)
        assert answer and answer[0].status_code == 200, answer
        # ... and the agent's answer to inbox:complete as it is.
        completed = leader.post("/api/v1/inbox:complete", json=answer[0].json())
        assert completed.status_code == 200, completed.text
        assert {d["status"] for d in completed.json()} == {"signed"}
        assert leader.get("/api/v1/inbox").json() == []
    finally:
        agent.stop()

    for doc_id in docs:
        issued = clerk.post(f"/api/v1/documents/{doc_id}:issue", json={})
        assert issued.status_code == 200, issued.text
        path = tmp_path / f"{doc_id}.pdf"
        path.write_bytes(clerk.get(f"/api/v1/documents/{doc_id}/pdf").content)
        assert "2 signature(s)" in check_pdf(path)  # the leader's, then the organisation's: pdfsig finds both valid
        report = clerk.post("/api/v1/verify", files={"file": (path.name, path.read_bytes())}).json()
        assert report["ok"], report
        assert report["signatures"][0]["signer"] == "Nguyễn Văn An (DEMO)", report
