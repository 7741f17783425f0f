"""Issue 16 over the API, in-process on a real SQLite: versions made current again and compared, hostile uploads
answered with a 4xx, a rich field of the wrong kind named in the 422."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from service.adapters.converter import Converter
from service.config import Settings
from service.main import create_app
from service.runtime import Runtime, prepare
from service.services.auth import bootstrap_api_key
from tests.template_corpus import PNG_B64, docx_with, zip_of
from tests.unit.test_template_uploads import HOSTILE

KEY = "template-api-key-0123456789abcdef"


def test_template_versions_and_hostile_uploads_over_the_api(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    prepare(settings)
    bootstrap_api_key(Runtime(settings).db, KEY, "TCT")
    client = TestClient(create_app(settings), raise_server_exceptions=False)
    auth = {"Authorization": f"Bearer {KEY}"}

    def register(template_id: str, docx: bytes, **files: bytes) -> httpx.Response:
        parts = {"docx": ("t.docx", docx)} | {k: (f"{k}.json", v) for k, v in files.items()}
        response: httpx.Response = client.post(
            "/api/v1/templates", data={"id": template_id, "type_abbreviation": "GM"}, files=parts, headers=auth
        )
        return response

    first = register("giay-moi", docx_with("Kính gửi: {{r recipient}}", "{{ logo }}"))
    assert first.status_code == 201, first.text
    assert first.json()["schema"]["properties"]["recipient"]["x-vanban-kind"] == "rich"
    second = register("giay-moi", docx_with("Kính gửi: {{ recipient }}", "{{ fee|thousands }}"))
    assert second.status_code == 201, second.text
    v1, v2 = first.json()["version"], second.json()["version"]
    diff = client.get("/api/v1/templates/giay-moi/changes", params={"old": v1, "new": v2}, headers=auth).json()
    assert diff == {"added": ["fee"], "removed": ["logo"], "changed": {"recipient": ["rich", "text"]}}
    current = client.post(f"/api/v1/templates/giay-moi/versions/{v1[:10]}/current", headers=auth)
    assert current.status_code == 200 and current.json()["version"] == v1
    assert client.get("/api/v1/templates/giay-moi", headers=auth).json()["version"] == v1
    unknown = client.post("/api/v1/templates/giay-moi/versions/00000000/current", headers=auth)
    assert unknown.status_code == 404

    wrong = client.post(
        "/api/v1/documents",
        json={"template": "giay-moi", "data": {"recipient": {"runs": [{"text": "Ông An"}]}, "logo": "logo.png"}},
        headers=auth,
    )
    assert wrong.status_code == 422 and [e["path"] for e in wrong.json()["errors"]] == ["logo"]
    bad_png = {"recipient": "Ông An", "logo": {"image": PNG_B64[:40]}}
    wrong = client.post("/api/v1/documents", json={"template": "giay-moi", "data": bad_png}, headers=auth)
    assert wrong.status_code == 422 and [e["path"] for e in wrong.json()["errors"]] == ["logo"]

    for name, docx, schema, example in [*HOSTILE, ("no-docx-body", zip_of({"a": b"b"}), None, None)]:
        files = {k: v for k, v in (("schema", schema), ("example", example)) if v is not None}
        r = register(f"hostile-{name}", docx, **files)
        assert 400 <= r.status_code < 500, (name, r.status_code, r.text)
        assert r.json()["message_vi"], name


def test_rich_content_reaches_the_pdf(tmp_path: Path, converter: Converter) -> None:
    """Issue 16's conversions: formatted runs, a hyperlink, paragraphs, an included document, a header, a footer,
    notes and a comment (which LibreOffice once aborted on) through the real LibreOffice; what the PDF says, read by
    pdftotext."""
    from datetime import date

    from service.adapters.renderer import render_docx
    from service.domain.placeholders import as_sent
    from service.services.production import render_context
    from service.services.templates import register_template
    from tests.pdftools import pdf_text
    from tests.template_corpus import corpus
    from tests.unit.services import Service

    catalog = Service().templates
    texts = []
    for case in corpus():
        if case.name not in ("rich", "subdoc", "parts"):
            continue
        template, _ = register_template(catalog, None, f"pdf-{case.name}", case.docx, None, None)
        docx = render_docx(case.docx, render_context(template, as_sent(template.schema, case.data), "", date.today()))
        path = tmp_path / f"{case.name}.pdf"
        path.write_bytes(converter.to_pdf(docx))
        texts.append(" ".join(pdf_text(path).split()))
    said = " ".join(texts)
    for expected in (
        "Kính gửi: Ông Nguyễn Văn An (xem tại đây).",
        "Đoạn hai",
        "Phụ lục I: lịch học",
        "Sáng thứ Hai",
        "TRƯỜNG CHÍNH TRỊ TỈNH PHÚ THỌ",
        "Trang của Hiệu trưởng",
        "Nội dung: Mở lớp",
        "Chú thích: theo Kế hoạch 05",
        "Cuối: hết",
    ):
        assert expected in said, (expected, said)
    assert "Phòng Đào tạo" not in said  # the comment's filled text: not printed
