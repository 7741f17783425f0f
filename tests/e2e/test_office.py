"""A day at the school's office, through the API: a requester asks for a class-opening decision, a joint regulation
with a partner body and a plan; the leaders sign from their inboxes (one PIN for several documents); a plan is
rejected and sent again; the clerk issues them; numbers, registers, PDFs, forbidden moves and the audit chain are
checked. On every backend of the ``service`` fixture."""

from __future__ import annotations

import subprocess
import sys
import uuid
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from openpyxl import load_workbook

from service.config import PROJECT_ROOT
from tests.backends import ServiceProcesses, wait_job
from tests.e2e.records import check_issued_record
from tests.pdftools import check_pdf, pdf_text

pytestmark = pytest.mark.slow
PIN = "demo"  # the demo PKI's password, here the leaders' PIN


class Person(httpx.Client):
    """A client signed in as one person of the office, whose ``username`` the tests name."""

    def __init__(self, service: ServiceProcesses, username: str, token: str) -> None:
        super().__init__(base_url=service.url, timeout=30, headers={"Authorization": f"Bearer {token}"})
        self.username = username


class Office:
    def __init__(self, service: ServiceProcesses) -> None:
        self.service = service
        self.admin = service.client()
        self.suffix = uuid.uuid4().hex[:6]

    def person(self, name: str, organisation: str, roles: list[str], title: str = "", p12: str | None = None) -> Person:
        body: dict[str, Any] = {
            "username": f"{name}_{self.suffix}",
            "full_name": name,
            "organisation": organisation,
            "organisation_name": "Tỉnh đoàn" if organisation == "TDTN" else None,
            "roles": roles,
            "title": title,
            "password": f"mat-khau-{self.suffix}",
        }
        if p12:  # the key file, and the certificate an administrator records for two-step signing
            path = self.service.data_dir / "pki" / p12
            body["credential"] = {"kind": "pkcs12", "path": str(path), "certificate": certificate_pem(path)}
        r = self.admin.post("/api/v1/users", json=body)
        assert r.status_code == 201, r.text
        token = httpx.post(
            f"{self.service.url}/api/v1/auth/token",
            data={"username": body["username"], "password": body["password"]},
        )
        assert token.status_code == 200, token.text
        return Person(self.service, body["username"], token.json()["access_token"])


def certificate_pem(p12: Path) -> str:
    from cryptography.hazmat.primitives import serialization

    from signing.keys import read_pkcs12

    return read_pkcs12(p12, PIN)[1].public_bytes(serialization.Encoding.PEM).decode()


def two_step_sign(signer: httpx.Client, document_id: str, p12: Path) -> None:
    """Sign as a USB token plugin or a phone app would: the digest out, the signature value back."""
    import base64

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, utils

    from signing.keys import read_pkcs12

    key, cert, chain = read_pkcs12(p12, PIN)
    pem = "".join(x.public_bytes(serialization.Encoding.PEM).decode() for x in [cert, *chain])
    url = f"/api/v1/documents/{document_id}/signatures"
    prepared = signer.post(f"{url}:prepare", json={"certificates": pem})
    assert prepared.status_code == 200, prepared.text
    assert isinstance(key, RSAPrivateKey)
    value = key.sign(base64.b64decode(prepared.json()["digest"]), padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
    body = {"session_id": prepared.json()["session_id"], "signature": base64.b64encode(value).decode()}
    assert signer.post(f"{url}:complete", json=body).status_code == 200


def example(c: httpx.Client, template_id: str) -> dict[str, Any]:
    return dict(c.get(f"/api/v1/templates/{template_id}").json()["example"])


def test_a_day_at_the_office(service: ServiceProcesses, tmp_path: Path) -> None:
    office = Office(service)
    requester = office.person("chuyenvien", "TCT", ["requester"], "Chuyên viên")
    clerk = office.person("vanthu", "TCT", ["clerk"], "Văn thư")
    head = office.person("hieutruong", "TCT", ["signer"], "Hiệu trưởng", "leader.p12")
    partner = office.person("bithu", "TDTN", ["signer"], "Bí thư Tỉnh đoàn", "partner.p12")
    partner_clerk = office.person("vanthu_doan", "TDTN", ["clerk", "requester"], "Văn thư")

    # On the embedded default the demo users were printed once at start, and can log in.
    if "VANBAN_DATABASE_URL" not in service.env:
        log = (service.data_dir / "serve-0.log").read_text(errors="replace")
        line = next(x for x in log.splitlines() if x.strip().startswith("hieutruong "))
        password = line.split()[1]
        demo = httpx.post(f"{service.url}/api/v1/auth/token", data={"username": "hieutruong", "password": password})
        me = service.client(demo.json()["access_token"]).get("/api/v1/auth/me").json()
        assert me["roles"] == ["signer"] and me["title"] == "Hiệu trưởng"

    # Nobody gets in without logging in; a wrong password is refused (and audited).
    assert httpx.get(f"{service.url}/api/v1/inbox").status_code == 401
    wrong = httpx.post(f"{service.url}/api/v1/auth/token", data={"username": head.username, "password": "sai-mat-khau"})
    assert wrong.status_code == 401 and wrong.json()["message_vi"]

    # The requester asks for a decision, a joint regulation and a plan: review documents, drafts first.
    asked = {
        "qd": {"template": "quyet-dinh-mo-lop", "signers": [head.username]},
        "qc": {"template": "quy-che-phoi-hop", "signers": [partner.username, head.username]},
        "kh": {"template": "ke-hoach", "signers": [head.username]},
    }
    docs: dict[str, str] = {}
    for key, body in asked.items():
        r = requester.post("/api/v1/documents", json={**body, "data": example(requester, str(body["template"]))})
        assert r.status_code == 202, r.text
        assert wait_job(requester, r.json()["job_id"])["status"] == "succeeded"
        docs[key] = r.json()["id"]
    for key, doc_id in docs.items():
        doc = requester.get(f"/api/v1/documents/{doc_id}").json()
        assert doc["status"] == "draft" and doc["workflow"] == "review" and doc["number"] is None, (key, doc)
    draft = requester.get(f"/api/v1/documents/{docs['qd']}/pdf")
    assert draft.status_code == 200
    # Forbidden moves: a clerk does not request, a signer does not submit, a partner body does not see our drafts,
    # a review template cannot be asked for directly.
    qd_data = example(requester, "quyet-dinh-mo-lop")
    assert clerk.post("/api/v1/documents", json={"template": "ke-hoach", "data": qd_data}).status_code == 403
    assert head.post(f"/api/v1/documents/{docs['qd']}:submit", json={}).status_code == 403
    assert partner_clerk.get(f"/api/v1/documents/{docs['qd']}").status_code == 403
    direct = requester.post(
        "/api/v1/documents", json={"template": "quyet-dinh-mo-lop", "data": qd_data, "workflow": "direct"}
    )
    assert direct.status_code == 422 and direct.json()["errors"][0]["path"] == "workflow"
    # Review may be asked for on a direct template (a call-up letter), not the other way round.
    letter = example(requester, "giay-trieu-tap")
    reviewed = requester.post(
        "/api/v1/documents", json={"template": "giay-trieu-tap", "data": letter, "workflow": "review"}
    )
    assert wait_job(requester, reviewed.json()["job_id"])["status"] == "succeeded"
    assert requester.get(f"/api/v1/documents/{reviewed.json()['id']}").json()["status"] == "draft"
    assert partner_clerk.get(f"/api/v1/jobs/{reviewed.json()['job_id']}").status_code == 403
    # A joint document needs a leader of each party.
    lone = requester.post(f"/api/v1/documents/{docs['qc']}:submit", json={"signers": [head.username]})
    assert lone.status_code == 422 and lone.json()["errors"][0]["path"] == "signers"

    for doc_id in docs.values():
        r = requester.post(f"/api/v1/documents/{doc_id}:submit", json={})
        assert r.status_code == 200 and r.json()["status"] == "submitted", r.text

    # The regulation waits for the partner's leader first, in the order the request set.
    assert {d["id"] for d in head.get("/api/v1/inbox").json()} == {docs["qd"], docs["kh"]}
    assert head.post("/api/v1/inbox:sign", json={"document_ids": [docs["qc"]], "pin": PIN}).status_code == 403
    assert [d["id"] for d in partner.get("/api/v1/inbox").json()] == [docs["qc"]]
    bad_pin = partner.post("/api/v1/inbox:sign", json={"document_ids": [docs["qc"]], "pin": "0000"})
    assert bad_pin.status_code == 422 and "PIN" in bad_pin.json()["message_vi"]
    # The partner's leader signs on their own device (two steps: the service never sees the key).
    assert (
        head.post(f"/api/v1/documents/{docs['qc']}/signatures:prepare", json={"certificates": "x"}).status_code == 403
    )
    two_step_sign(partner, docs["qc"], service.data_dir / "pki" / "partner.p12")
    assert partner.get(f"/api/v1/documents/{docs['qc']}").json()["status"] == "submitted"  # waiting for our leader

    # The head rejects the plan with a reason: back to the requester.
    rejected = head.post(f"/api/v1/documents/{docs['kh']}:reject", json={"reason": "Bổ sung chỉ tiêu tuyển sinh"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    kh = requester.get(f"/api/v1/documents/{docs['kh']}").json()
    assert kh["rejection"]["reason"] == "Bổ sung chỉ tiêu tuyển sinh" and kh["rejection"]["by"] == head.username
    assert requester.post(f"/api/v1/documents/{docs['kh']}:submit", json={}).json()["status"] == "submitted"

    # One PIN, three documents.
    inbox = [d["id"] for d in head.get("/api/v1/inbox").json()]
    assert sorted(inbox) == sorted(docs.values())
    r = head.post("/api/v1/inbox:sign", json={"document_ids": inbox, "pin": PIN})
    assert r.status_code == 200, r.text
    assert {d["status"] for d in r.json()} == {"signed"}
    assert head.get("/api/v1/inbox").json() == []

    # Only the clerk of the issuing body issues.
    assert requester.post(f"/api/v1/documents/{docs['qd']}:issue", json={}).status_code == 403
    assert partner_clerk.post(f"/api/v1/documents/{docs['qc']}:issue", json={}).status_code == 403
    issued = {}
    for key in ("qd", "qc"):
        r = clerk.post(f"/api/v1/documents/{docs[key]}:issue", json={})
        assert r.status_code == 200, r.text
        issued[key] = r.json()
    assert issued["qc"]["number"] == issued["qd"]["number"] + 1
    assert issued["qd"]["notation"] == f"{issued['qd']['number']:02d}/QĐ-TCT"
    assert issued["qc"]["notation"] == f"{issued['qc']['number']:02d}/QC-TCT"
    again = clerk.post(f"/api/v1/documents/{docs['qd']}:issue", json={})
    assert again.status_code == 409
    # A number entered by hand that was already issued is refused, naming the first document.
    duplicate = clerk.post(f"/api/v1/documents/{docs['kh']}:issue", json={"number": issued["qd"]["number"]})
    assert duplicate.status_code == 409 and docs["qd"] in duplicate.json()["message"]
    issued["kh"] = clerk.post(f"/api/v1/documents/{docs['kh']}:issue", json={}).json()
    assert issued["kh"]["number"] == issued["qc"]["number"] + 1

    # Every PDF passes check-pdf with all its signatures valid; the leaders' signatures stay valid after the number,
    # the date and the organisation's signature went in.
    expected = {"qd": 2, "qc": 3, "kh": 2}
    for key, doc_id in docs.items():
        path = tmp_path / f"{key}.pdf"
        path.write_bytes(clerk.get(f"/api/v1/documents/{doc_id}/pdf").content)
        assert f"{expected[key]} signature(s)" in check_pdf(path)
        text = pdf_text(path)
        assert issued[key]["notation"].split("/")[0] in text
        report = clerk.post("/api/v1/verify", files={"file": (path.name, path.read_bytes())}).json()
        assert report["ok"], report
        first = report["signatures"][0]
        assert first["certified"] and first["later_changes"].startswith("allowed")
    # The decision is a PDF/A-2b record with its QR code, which opens its public page.
    shown = check_issued_record(clerk, tmp_path / "qd.pdf", issued["qd"]["notation"], "Trường Chính trị tỉnh")
    signed_by = [s["name"] for s in clerk.get(f"/api/v1/documents/{docs['qd']}").json()["signatures"]]
    assert shown["title"].startswith("Quyết định") and shown["signers"] == signed_by != []
    attached = " ".join(pdf_text(tmp_path / "qd.pdf").split())  # the attached list names the decision too
    assert f"(Kèm theo Quyết định số {issued['qd']['number']:02d} /QĐ-TCT" in attached

    # The registers: ours has the three, the partner's records the joint regulation with its own number.
    year = issued["qd"]["issued_on"][:4]
    ours = clerk.get("/api/v1/registers/TCT/entries", params={"year": year}).json()["entries"]
    mine = {e["document_id"]: e for e in ours}
    assert [mine[docs[k]]["notation"] for k in ("qd", "qc", "kh")] == [
        issued[k]["notation"] for k in ("qd", "qc", "kh")
    ]
    theirs = partner_clerk.get("/api/v1/registers/TDTN/entries", params={"year": year}).json()["entries"]
    assert [e["document_id"] for e in theirs] == [docs["qc"]]
    assert partner_clerk.get(f"/api/v1/documents/{docs['qc']}/pdf").status_code == 200  # a party to it
    assert partner_clerk.get("/api/v1/registers/TCT/entries").status_code == 403
    xlsx = clerk.get("/api/v1/registers/TCT/entries.xlsx", params={"year": year})
    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Số, ký hiệu văn bản" and rows[0][3] == "Người ký"
    assert issued["qd"]["notation"] in [r[0] for r in rows[1:]]

    # The audit chain verifies.
    audit = subprocess.run(
        [sys.executable, "-m", "service.cli", "audit", "verify"],
        cwd=PROJECT_ROOT,
        env=service.env,
        capture_output=True,
        text=True,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
