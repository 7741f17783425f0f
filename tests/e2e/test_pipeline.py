"""The whole pipeline as a user meets it: `vanban serve` (+ workers) started with VANBAN_* settings, a document
requested over HTTP, a signed PDF out that qpdf and pdfsig accept. The pipeline on each backend; what is decided
before anything is stored (the catalogue, invalid requests, verifying a file) on the embedded default only."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader

from service.config import PROJECT_ROOT
from signing.appearance import SEAL_DIAMETER
from tests.backends import EMBEDDED, STORAGE_BACKENDS, ServiceProcesses, on, wait_job
from tests.pdftools import check_pdf, pdf_text, qr_code_clear_of_text

pytestmark = pytest.mark.slow
EXAMPLE = json.loads((PROJECT_ROOT / "templates_docx/giay-trieu-tap/example.json").read_text(encoding="utf-8"))


def test_health_names_every_component(service: ServiceProcesses) -> None:
    body = httpx.get(f"{service.url}/healthz").json()
    assert body["status"] == "ok"
    assert {k for k, v in body["components"].items() if v["ok"]} == {
        "database",
        "queue",
        "archive",
        "worker",
        "converter",
    }


@on(EMBEDDED)
def test_templates_expose_schema_and_example(service: ServiceProcesses) -> None:
    with service.client() as c:
        listed = c.get("/api/v1/templates").json()
        assert "giay-trieu-tap" in [t["id"] for t in listed]
        t = c.get("/api/v1/templates/giay-trieu-tap").json()
        assert t["schema"]["type"] == "object" and t["example"] == EXAMPLE
        assert len(t["version"]) == 64
        assert c.get("/api/v1/templates/khong-co").status_code == 404
        assert "/api/v1/documents" in c.get("/openapi.json").json()["paths"]


def test_document_is_numbered_signed_and_archived(service: ServiceProcesses, tmp_path: Path) -> None:
    with service.client() as c:
        r = c.post("/api/v1/documents", json={"template": "giay-trieu-tap", "data": EXAMPLE})
        assert r.status_code == 202, r.text
        accepted = r.json()
        assert r.headers["Location"] == f"/api/v1/documents/{accepted['id']}"
        job = wait_job(c, accepted["job_id"])
        assert job["status"] == "succeeded", job
        assert job["progress"] == {"done": 1, "total": 1}

        doc = c.get(f"/api/v1/documents/{accepted['id']}").json()
        assert doc["status"] == "issued" and doc["template"] == "giay-trieu-tap"
        assert doc["notation"] == f"{doc['number']:02d}/GTT-TCT"
        assert "DEMO" in doc["signer"]
        pdf = c.get(f"/api/v1/documents/{accepted['id']}/pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert hashlib.sha256(pdf.content).hexdigest() == doc["pdf_sha256"]
        docx = c.get(f"/api/v1/documents/{accepted['id']}/docx")
        assert hashlib.sha256(docx.content).hexdigest() == doc["docx_sha256"]

    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf.content)
    assert "1 signature(s)" in check_pdf(path)
    text = pdf_text(path)
    assert EXAMPLE["student"]["full_name"] in text
    assert f"Số: {doc['notation']}" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    # the organisation's seal shows in the signing block, at real size (about 36 mm)
    annots = [a.get_object() for a in PdfReader(path).pages[0].annotations or ()]
    (seal,) = [a for a in annots if a.get("/FT") == "/Sig"]
    x1, _, x2, _ = (float(v) for v in seal["/Rect"])
    assert abs((x2 - x1) - SEAL_DIAMETER) <= 1
    # The archive (its folder, or the S3 bucket of the scale-out backend) holds the signed file under its hash.
    assert service.stored(doc["pdf_sha256"], ".pdf") == pdf.content
    if "VANBAN_ARCHIVE_URL" in service.env:
        assert not (service.data_dir / "archive").exists()  # no local folder: API and workers share only the store


def test_numbers_follow_each_other(service: ServiceProcesses) -> None:
    with service.client() as c:
        numbers = []
        for _ in range(3):
            accepted = c.post("/api/v1/documents", json={"template": "giay-trieu-tap", "data": EXAMPLE}).json()
            assert wait_job(c, accepted["job_id"])["status"] == "succeeded"
            numbers.append(c.get(f"/api/v1/documents/{accepted['id']}").json()["number"])
    assert numbers == sorted(numbers) and len(set(numbers)) == 3


@on(STORAGE_BACKENDS)
def test_idempotency_key_returns_the_first_document(service: ServiceProcesses) -> None:
    key = str(uuid.uuid4())
    body = {"template": "giay-trieu-tap", "data": EXAMPLE}
    with service.client() as c:
        first = c.post("/api/v1/documents", json=body, headers={"Idempotency-Key": key})
        second = c.post("/api/v1/documents", json=body, headers={"Idempotency-Key": key})
        assert first.status_code == second.status_code == 202
        assert first.json() == second.json()
        changed = {**EXAMPLE, "place": "Việt Trì"}
        reused = c.post("/api/v1/documents", json={**body, "data": changed}, headers={"Idempotency-Key": key})
        assert reused.status_code == 422 and reused.json()["code"] == "idempotency_conflict"
        assert wait_job(c, first.json()["job_id"])["status"] == "succeeded"


@on(EMBEDDED)
def test_invalid_requests_get_4xx_with_every_field(service: ServiceProcesses) -> None:
    bad = json.loads(json.dumps(EXAMPLE))
    bad["student"]["date_of_birth"] = "12/03/1988"
    del bad["student"]["full_name"]
    bad["organisation"]["abbreviation"] = "tct"
    bad["surprise"] = 1
    with service.client() as c:
        r = c.post("/api/v1/documents", json={"template": "giay-trieu-tap", "data": bad})
        assert r.status_code == 422
        errors = {e["path"]: e for e in r.json()["errors"]}
        assert set(errors) == {
            "student.date_of_birth",
            "student.full_name",
            "organisation.abbreviation",
            "surprise",
        }
        assert errors["student.full_name"]["message_vi"] == "bắt buộc phải có"
        assert all(e["message"] and e["message_vi"] for e in errors.values())

        assert c.post("/api/v1/documents", json={"template": "khong-co", "data": {}}).status_code == 404
        bad_json = c.post("/api/v1/documents", content=b"{not json", headers={"content-type": "application/json"})
        assert bad_json.status_code == 422 and bad_json.json()["message_vi"]
        huge = c.post("/api/v1/documents", content=b"x" * 2_000_000, headers={"content-type": "application/json"})
        assert huge.status_code == 413
        assert c.get(f"/api/v1/documents/{uuid.uuid4()}").status_code == 404
        assert c.get(f"/api/v1/jobs/{uuid.uuid4()}").status_code == 404


def test_verify_and_two_step_signature_over_the_api(service: ServiceProcesses, tmp_path: Path) -> None:
    import base64

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, utils
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    from signing.keys import read_pkcs12
    from tests.e2e.test_office import Office, example

    with service.client() as c:
        accepted = c.post("/api/v1/documents", json={"template": "giay-trieu-tap", "data": EXAMPLE}).json()
        assert wait_job(c, accepted["job_id"])["status"] == "succeeded"
        doc_url = f"/api/v1/documents/{accepted['id']}"
        pdf = c.get(f"{doc_url}/pdf").content
        report = c.post("/api/v1/verify", files={"file": ("letter.pdf", pdf, "application/pdf")}).json()
        assert report["ok"] and report["signatures"][0]["revocation"] == "good"
        assert report["signatures"][0]["level"] == service.env.get("VANBAN_SIGNATURE_LEVEL", "B-B")
        broken = c.post("/api/v1/verify", files={"file": ("x.pdf", pdf[:-2000], "application/pdf")})
        assert broken.status_code == 422 and broken.json()["errors"][0]["path"] == "file", broken.text

    # The leader signs a reviewed document with a key the service never sees (a USB token behind a browser
    # plugin): a wrong value is refused, the right one embedded, the session used once; the clerk then issues it.
    office = Office(service)
    requester = office.person("chuyenvien", "TCT", ["requester"])
    clerk = office.person("vanthu", "TCT", ["clerk"])
    head = office.person("hieutruong", "TCT", ["signer"], "Hiệu trưởng", "leader.p12")
    data = example(requester, "giay-trieu-tap")
    asked = requester.post("/api/v1/documents", json={"template": "giay-trieu-tap", "data": data, "workflow": "review"})
    assert wait_job(requester, asked.json()["job_id"])["status"] == "succeeded"
    doc_url = f"/api/v1/documents/{asked.json()['id']}"
    assert requester.post(f"{doc_url}:submit", json={"signers": [head.username]}).status_code == 200
    key, cert, chain = read_pkcs12(service.data_dir / "pki" / "leader.p12", "demo")
    pem = "".join(x.public_bytes(serialization.Encoding.PEM).decode() for x in [cert, *chain])
    prepared = head.post(f"{doc_url}/signatures:prepare", json={"certificates": pem})
    assert prepared.status_code == 200, prepared.text
    assert isinstance(key, RSAPrivateKey)
    value = key.sign(base64.b64decode(prepared.json()["digest"]), padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
    session = prepared.json()["session_id"]
    bad = head.post(
        f"{doc_url}/signatures:complete",
        json={"session_id": session, "signature": base64.b64encode(b"\0" * 256).decode()},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "signature_refused", bad.text
    good = {"session_id": session, "signature": base64.b64encode(value).decode()}
    done = head.post(f"{doc_url}/signatures:complete", json=good)
    assert done.status_code == 200, done.text
    again = head.post(f"{doc_url}/signatures:complete", json=good)  # signed now: no second signature
    assert again.status_code == 409 and again.json()["code"] == "wrong_state", again.text
    assert clerk.post(f"{doc_url}:issue", json={}).status_code == 200
    signed = clerk.get(f"{doc_url}/pdf").content
    path = tmp_path / "two-signatures.pdf"
    path.write_bytes(signed)
    assert "2 signature(s)" in check_pdf(path)


@on(STORAGE_BACKENDS)
def test_every_template_renders_through_the_api(service: ServiceProcesses, tmp_path: Path) -> None:
    with service.client() as c:
        ids = [t["id"] for t in c.get("/api/v1/templates").json()]
        assert len(ids) >= 6
        jobs = {}
        for template_id in ids:
            example = c.get(f"/api/v1/templates/{template_id}").json()["example"]
            r = c.post("/api/v1/documents", json={"template": template_id, "data": example})
            assert r.status_code == 202, (template_id, r.text)
            jobs[template_id] = r.json()
        for template_id, accepted in jobs.items():
            assert wait_job(c, accepted["job_id"])["status"] == "succeeded", template_id
            path = tmp_path / f"{template_id}.pdf"
            path.write_bytes(c.get(f"/api/v1/documents/{accepted['id']}/pdf").content)
            doc = c.get(f"/api/v1/documents/{accepted['id']}").json()
            qr_code_clear_of_text(path)  # every type's page 1 leaves the bottom margin to its QR code
            if doc["workflow"] == "direct":
                check_pdf(path)
            else:  # a draft: blanks for the number and date, empty signature fields (tests/e2e/test_office.py)
                assert doc["status"] == "draft" and doc["number"] is None
                assert "Số:" in pdf_text(path)
            preview = c.get(f"/api/v1/documents/{accepted['id']}/preview.png", params={"page": 1})
            assert preview.status_code == 200 and preview.content.startswith(b"\x89PNG")
        assert c.get(f"/api/v1/documents/{accepted['id']}/preview.png", params={"page": 99}).status_code == 404


def _custom_docx(*paragraphs: str) -> bytes:
    from io import BytesIO

    from docx import Document
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    doc.styles["Normal"].font.name = "Times New Roman"
    doc.styles["Normal"].font.size = Pt(14)
    for text in paragraphs:
        doc.add_paragraph(text)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


@on(STORAGE_BACKENDS)
def test_a_template_naming_the_usual_fields_in_other_shapes_is_issued(
    service: ServiceProcesses, tmp_path: Path
) -> None:
    """A registered template may use the names the service reads itself in its own shapes: the body, the signer, the
    class and the recipients as text, the place as an object. Its document is issued (it failed as an internal error,
    in its register line, then in its signature's location)."""
    template_id = f"thong-bao-{uuid.uuid4().hex[:6]}"
    docx = _custom_docx(
        "{{ organisation }}",
        "Số: {{ document.notation }}",
        "{{ document.place_date }}",
        "Kính gửi: {{ recipients }}",
        "{{ place.name }} là nơi học của {{ class }}.",
        "{{ signer }}",
    )
    data = {
        "organisation": "TRƯỜNG CHÍNH TRỊ TỈNH PHÚ THỌ",
        "recipients": "Như trên;\nLưu: VT.",
        "place": {"name": "Phú Thọ"},
        "signer": "Nguyễn Văn An",
        "class": "Lớp K12",
    }
    with service.client() as c:
        registered = c.post(
            "/api/v1/templates",
            data={"id": template_id, "type_abbreviation": "TB"},
            files={"docx": ("t.docx", docx)},
        )
        assert registered.status_code == 201, registered.text
        accepted = c.post("/api/v1/documents", json={"template": template_id, "data": data}).json()
        job = wait_job(c, accepted["job_id"])
        assert job["status"] == "succeeded", job
        path = tmp_path / "thong-bao.pdf"
        path.write_bytes(c.get(f"/api/v1/documents/{accepted['id']}/pdf").content)
    check_pdf(path)
    text = " ".join(pdf_text(path).split())
    said = ("TRƯỜNG CHÍNH TRỊ TỈNH PHÚ THỌ", "Phú Thọ, ngày", "Phú Thọ là nơi học của Lớp K12.", "Nguyễn Văn An")
    for expected in said:
        assert expected in text, (expected, text)


@on(STORAGE_BACKENDS)
def test_registered_template_versions(service: ServiceProcesses, tmp_path: Path) -> None:
    import zipfile
    from io import BytesIO

    template_id = f"giay-moi-{uuid.uuid4().hex[:6]}"
    v1 = _custom_docx("Số: {{ document.notation }}", "Kính gửi: {{ recipient }}", "{{ body }}")
    with service.client() as c:

        def register(docx: bytes, **files: bytes) -> httpx.Response:
            parts = {"docx": ("t.docx", docx)} | {k: (f"{k}.json", v) for k, v in files.items()}
            return c.post("/api/v1/templates", data={"id": template_id, "type_abbreviation": "GM"}, files=parts)

        first = register(v1)
        assert first.status_code == 201, first.text
        derived = first.json()
        assert set(derived["schema"]["required"]) == {"recipient", "body"}  # introspected placeholders
        assert register(v1).status_code == 200  # the same files are the same version

        # a schema that does not cover the placeholders is refused, naming them
        partial = json.dumps({"type": "object", "properties": {"recipient": {"type": "string"}}}).encode()
        refused = register(v1, schema=partial)
        assert refused.status_code == 422
        assert [e["path"] for e in refused.json()["errors"]] == ["schema.properties.body"]

        v2 = _custom_docx("Số: {{ document.notation }}", "Kính gửi: {{ recipient|upper }}", "{{ body }}", "Hết.")
        second = register(v2)
        assert second.status_code == 201 and second.json()["version"] != derived["version"]
        versions = c.get(f"/api/v1/templates/{template_id}/versions").json()
        assert [v["version"] for v in versions] == [derived["version"], second.json()["version"]]
        old = c.get(f"/api/v1/templates/{template_id}", params={"version": derived["version"]})
        assert old.status_code == 200 and old.json()["version"] == derived["version"]

        data = {"recipient": "Ông Nguyễn Văn Nam", "body": "Mời dự họp."}
        accepted = c.post("/api/v1/documents", json={"template": template_id, "data": data}).json()
        assert wait_job(c, accepted["job_id"])["status"] == "succeeded"
        doc = c.get(f"/api/v1/documents/{accepted['id']}").json()
        assert doc["template_version"] == second.json()["version"] and doc["notation"].endswith("/GM-TCT")
        path = tmp_path / "custom.pdf"
        path.write_bytes(c.get(f"/api/v1/documents/{accepted['id']}/pdf").content)
        check_pdf(path)
        assert "ÔNG NGUYỄN VĂN NAM" in pdf_text(path)

        # escapes, bombs and broken files: 422 with a reason, never 500
        escape = _custom_docx("{{ ''.__class__.__mro__[1].__subclasses__() }}")
        r = c.post("/api/v1/templates", data={"id": "tro-lua"}, files={"docx": ("t.docx", escape)})
        assert r.status_code == 422 and "sandbox" in r.json()["message"]
        bomb = BytesIO()
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("word/document.xml", b"<w:document/>")
            z.writestr("word/media/huge.bin", b"\0" * 60_000_000)
        r = c.post("/api/v1/templates", data={"id": "bom-nen"}, files={"docx": ("t.docx", bomb.getvalue())})
        assert r.status_code == 422 and "bytes" in r.json()["message"]
        for junk in (b"not a docx at all", v1[: len(v1) // 2]):
            r = c.post("/api/v1/templates", data={"id": "hong"}, files={"docx": ("t.docx", junk)})
            assert r.status_code == 422, r.text
        broken_jinja = _custom_docx("{{ recipient ")
        r = c.post("/api/v1/templates", data={"id": "hong"}, files={"docx": ("t.docx", broken_jinja)})
        assert r.status_code == 422 and r.json()["message_vi"]
        too_big = c.post("/api/v1/templates", data={"id": "lon"}, files={"docx": ("t.docx", b"x" * 6_000_000)})
        assert too_big.status_code == 413


@on(EMBEDDED)
def test_verify_over_the_api_judges_revocation_from_the_file_and_refuses_unverifiable_files(
    service: ServiceProcesses, tmp_path: Path
) -> None:
    """A signature timestamped after its certificate was revoked, the CRL saying so in the file's DSS, is revoked
    (the service's own CRL does not list it); a file that cannot be verified is a 422 naming ``file``, in both
    languages."""
    import subprocess
    import time
    from datetime import UTC, datetime

    from cryptography import x509

    from signing.pki import DemoPki
    from signing.sign import Level, SignatureRequest, SigningContext, sign_pdf
    from signing.timestamps import local_tsa
    from tests.signing.revocation import blank_pdf, crl_revoking, new_signer, with_dss

    pki = DemoPki(service.data_dir / "pki")
    key, cert = new_signer(pki, tmp_path, "Revoked Before (DEMO)")
    revoked = crl_revoking(pki, cert, datetime.now(UTC).replace(microsecond=0))
    time.sleep(2)
    b_t = sign_pdf(blank_pdf(), key, SignatureRequest(level=Level.B_T), SigningContext(local_tsa(pki.tsa_p12, "demo")))
    ca = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    plain = blank_pdf()
    (tmp_path / "plain.pdf").write_bytes(plain)
    encrypted = tmp_path / "encrypted.pdf"
    subprocess.run(
        ["qpdf", "--encrypt", "u", "o", "256", "--", str(tmp_path / "plain.pdf"), str(encrypted)], check=True
    )
    with service.client() as c:
        answer = c.post(
            "/api/v1/verify", files={"file": ("r.pdf", with_dss(b_t, [cert, ca], [revoked]), "application/pdf")}
        )
        assert answer.status_code == 200, answer.text
        report = answer.json()
        (sig,) = report["signatures"]
        assert not report["ok"] and sig["revocation"] == "revoked" and sig["level"] == "B-LT", report
        assert sig["revocation_at"] == sig["timestamp_time"], sig

        hostile = {
            "garbage": bytes(range(256)) * 20,
            "empty": b"",
            "truncated": plain[: len(plain) // 2],
            "unsigned": plain,
            "encrypted": encrypted.read_bytes(),
        }
        for name, data in hostile.items():
            refused = c.post("/api/v1/verify", files={"file": (f"{name}.pdf", data, "application/pdf")})
            assert refused.status_code == 422, (name, refused.status_code, refused.text)
            (error,) = refused.json()["errors"]
            assert error["path"] == "file" and error["message"] != error["message_vi"], (name, error)
