"""The error contract in-process: the Content-Disposition helper, the checks of document text, the render-time
refusal of a called placeholder, the OpenAPI's one error model, and a JSON body for an unexpected error."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from service.adapters.renderer import inspect_docx, refuse_unusable, render_docx
from service.adapters.template_files import TemplateFolder
from service.api.responses import content_disposition, vietnamese
from service.api.schemas import RecordFileIn
from service.config import PROJECT_ROOT, Settings
from service.errors import InvalidRequest, RenderError
from service.main import create_app
from service.services.production import render_context
from service.services.validation import MAX_DEPTH, check_text


@pytest.mark.parametrize(
    "name",
    [
        "so-dang-ky-van-ban-di-ĐTN-2026.xlsx",
        'a"; filename="evil.exe',
        "x;\r\nSet-Cookie: a=b.pdf",
        "05-QĐ-TCT\x00\x07.pdf",
        "Nguyễn\ud800.pdf",
        "",
    ],
)
def test_content_disposition_is_latin1_and_injects_no_parameter(name: str) -> None:
    header = content_disposition(name)
    header.encode("latin-1")  # what the HTTP server writes; "Đ" made a 500 here
    assert "\r" not in header and "\n" not in header
    assert re.fullmatch(r"attachment; filename=\"[A-Za-z0-9._-]+\"; filename\*=UTF-8''[A-Za-z0-9%._~-]+", header)
    utf8 = unquote(header.split("filename*=UTF-8''", 1)[1], errors="strict")  # the whole name, in one value
    assert utf8 == ("".join(c for c in name if c.isprintable()) or "file")


def test_content_disposition_keeps_the_vietnamese_name() -> None:
    header = content_disposition("so-dang-ky-ĐTN.xlsx")
    assert 'filename="so-dang-ky-DTN.xlsx"' in header
    assert "filename*=UTF-8''so-dang-ky-%C4%90TN.xlsx" in header


def test_check_text_accepts_tab_newline_and_carriage_return() -> None:
    check_text({"a": "dòng 1\r\ndòng 2\tcột", "b": ["Phú Thọ"], "c": 1, "d": None})


def test_check_text_names_every_bad_field() -> None:
    with pytest.raises(InvalidRequest) as caught:
        check_text({"a": {"b": ["ok", "x\x07"]}, "c": "\ud800", "d\x1b": "y", "e": "\x85"}, "data")
    paths = [e.path for e in caught.value.errors]
    assert paths == ["data.a.b[1]", "data.c", "data.d\x1b", "data.e"], paths
    assert "U+0007" in caught.value.errors[0].message_en


def test_check_text_bounds_the_depth_without_recursion() -> None:
    deep: object = "x"
    for _ in range(200_000):  # far deeper than Python's recursion limit
        deep = [deep]
    with pytest.raises(InvalidRequest) as caught:
        check_text({"place": deep})
    assert f"deeper than {MAX_DEPTH}" in caught.value.errors[0].message_en
    check_text(json.loads("[" * MAX_DEPTH + "]" * MAX_DEPTH))


def _calling(placeholder: str) -> bytes:
    source = (PROJECT_ROOT / "templates_docx/giay-trieu-tap/template.docx").read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                data = re.sub(
                    rb"<w:t([ >][^<]*?)>([^<{]+)</w:t>",
                    rb"<w:t\1>{{ " + placeholder.encode() + rb"(place) }}</w:t>",
                    data,
                    count=1,
                )
            dst.writestr(item.filename, data)
    return out.getvalue()


def test_a_called_placeholder_is_named_at_registration_and_at_render() -> None:
    docx = _calling("iteritems")
    with pytest.raises(RenderError) as caught:
        refuse_unusable(inspect_docx(docx))
    assert "iteritems" in caught.value.message_en and "iteritems" in caught.value.message_vi
    with pytest.raises(RenderError) as caught:  # a version stored before the check: refused when filled
        shipped = TemplateFolder(PROJECT_ROOT / "templates_docx").get("giay-trieu-tap")
        example = {**shipped.example, "iteritems": "một chuỗi"}
        render_docx(docx, render_context(shipped, example, "01/GTT-TCT", date(2026, 12, 1)))
    assert caught.value.status_code == 422
    assert "iteritems" in caught.value.message_en, caught.value.message_en


@pytest.fixture
def app_client(tmp_path: Path) -> TestClient:
    app = create_app(Settings(data_dir=tmp_path))

    @app.get("/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("a bug, not an input")

    return TestClient(app, raise_server_exceptions=False)


def test_an_unexpected_error_answers_the_error_model(app_client: TestClient) -> None:
    r = app_client.get("/boom")
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["code"] == "internal" and body["message"] and body["message_vi"]
    assert "a bug" not in r.text and "Traceback" not in r.text


def test_every_operation_documents_its_errors_with_the_one_error_model(app_client: TestClient) -> None:
    spec = app_client.get("/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert set(spec["components"]["schemas"]["Error"]["required"]) == {"code", "message", "message_vi"}
    checked = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status, response in responses.items():
                if status.startswith("4"):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/Error", (method, path, status)
            if path == "/healthz":
                assert "503" in responses
                continue
            if path == "/metrics":  # Prometheus scrapes it, with VANBAN_METRICS_TOKEN when one is set
                assert "text/plain" in next(iter(responses["200"]["content"]))
                continue
            assert {"401", "422"} <= set(responses), (method, path, sorted(responses))
            checked += 1
    assert checked >= 25
    assert "429" in spec["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert "413" in spec["paths"]["/api/v1/batches"]["post"]["responses"]
    for new_work in ("/api/v1/documents", "/api/v1/batches"):  # refused while too much is queued
        assert "Retry-After" in spec["paths"][new_work]["post"]["responses"]["429"]["headers"]


def test_a_request_refused_by_its_schema_is_said_in_vietnamese_as_precisely_as_in_english() -> None:
    """Each field's limit in both languages (the Vietnamese said "giá trị không hợp lệ" for every one of them)."""
    bad = {"code": "", "title": "x" * 501, "start_date": "31/02/2026", "retention_years": 0, "rights": "mở"}
    with pytest.raises(ValidationError) as refused:
        RecordFileIn.model_validate(bad)
    said = {str(e["loc"][0]): vietnamese(dict(e)) for e in refused.value.errors()}
    assert said == {
        "code": "không được để trống",
        "title": "dài quá 500 ký tự",
        "start_date": "phải là ngày dạng YYYY-MM-DD",
        "retention_years": "phải từ 1 trở lên",
        "rights": "phải là một trong: 'công khai' hoặc 'hạn chế'",
    }
    with pytest.raises(ValidationError) as refused:
        RecordFileIn.model_validate({"title": "t", "start_date": "2026-01-01", "retention_years": "10 năm"})
    assert [vietnamese(dict(e)) for e in refused.value.errors()] == ["bắt buộc phải có", "phải là số nguyên"]
