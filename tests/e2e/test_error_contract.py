"""Inputs that used to make a 500 get a 4xx with the error model, on the embedded default: a register export for a
body whose abbreviation has "Đ", odd register paths, control characters and lone surrogates in document data, deep
nesting, batch data missing its parts, a template with a bad CRC, a template whose example calls a placeholder.
Control characters in every other request field on PostgreSQL + Redis too, which refuses a NUL that SQLite stores."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from service.config import PROJECT_ROOT
from tests.backends import EMBEDDED, STORAGE_BACKENDS, ServiceProcesses, Services, on

pytestmark = pytest.mark.slow
EXAMPLE = json.loads((PROJECT_ROOT / "templates_docx/giay-trieu-tap/example.json").read_text(encoding="utf-8"))
TEMPLATE_DOCX = (PROJECT_ROOT / "templates_docx/giay-trieu-tap/template.docx").read_bytes()
CLASS_LIST = "Họ và tên,Ngày sinh,Đơn vị công tác,Giới tính\nNguyễn Văn An,01/02/1980,UBND xã Thanh Ba,Nam\n".encode()


@pytest.fixture(scope="module", params=EMBEDDED)  # the error contract: once (tests/e2e/conftest.py)
def svc(request: pytest.FixtureRequest, services: Services) -> ServiceProcesses:
    """The session's service on the backend (tests/e2e/conftest.py): what these tests send is refused, or makes one
    document, so they share it."""
    return services.of(request)


def call(svc: ServiceProcesses, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request on its own connection: a server that drops the connection fails this request only."""
    with svc.client() as c:
        return c.request(method, url, **kwargs)


def assert_error(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("application/json"), r.headers
    body = r.json()
    assert body["code"] and body["message"] and body["message_vi"], body
    return dict(body)


def post_call_ups(svc: ServiceProcesses, data: str, rows: bytes = CLASS_LIST) -> httpx.Response:
    """A batch of call-up letters: ``data`` the batch part as sent (JSON text), ``rows`` the class list (CSV)."""
    return call(
        svc,
        "POST",
        "/api/v1/batches",
        data={"template": "giay-trieu-tap", "data": data},
        files={"file": ("lop.csv", rows)},
    )


def paths(body: dict[str, Any]) -> list[str]:
    return [e["path"] for e in body.get("errors") or []]


def post_document(svc: ServiceProcesses, data: object) -> httpx.Response:
    raw = json.dumps({"template": "giay-trieu-tap", "data": data})  # ensure_ascii: a lone surrogate goes as \ud800
    return call(svc, "POST", "/api/v1/documents", content=raw.encode(), headers={"content-type": "application/json"})


def test_register_export_for_a_body_with_d_in_its_abbreviation(svc: ServiceProcesses) -> None:
    body = f"Đ{uuid.uuid4().hex[:4].upper()}"
    r = call(
        svc,
        "POST",
        "/api/v1/users",
        json={"username": f"vt-{body}", "full_name": "Văn thư", "organisation": body, "roles": ["clerk"]},
    )
    assert r.status_code == 201, r.text
    r = call(svc, "GET", f"/api/v1/registers/{body}/entries.xlsx")
    assert r.status_code == 200, r.text[:300]
    disposition = r.headers["content-disposition"]
    assert f"filename*=UTF-8''so-dang-ky-van-ban-di-%C4%90{body[1:]}-" in disposition, disposition
    fallback = re.search(r'filename="([^"]*)"', disposition)
    assert fallback and fallback.group(1).isascii() and f"D{body[1:]}" in fallback.group(1), disposition
    assert r.content[:2] == b"PK"


@pytest.mark.parametrize("segment", ["%14", "%0D%0A", "%0A", "%22%3B%20x%3D1", "%00", "a%2Fb"])
@pytest.mark.parametrize("suffix", ["entries", "entries.xlsx"])
def test_odd_register_paths_are_refused(svc: ServiceProcesses, segment: str, suffix: str) -> None:
    r = call(svc, "GET", f"/api/v1/registers/{segment}/{suffix}")
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    if r.status_code != 404:  # a path that matches no route is the router's 404
        assert_error(r, 422)


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("place", "Phú Thọ\ud800"),  # lone surrogate
        ("place", "Phú\x07 Thọ"),  # BEL: lxml's recovery then drops every < > & of the body
        ("student.full_name", "Nguyễn\x00 An"),
        ("session.bring[1]", "Quyết định\x1b"),
        ("signer.name", "\udfff"),
    ],
)
def test_control_characters_and_lone_surrogates_are_refused_by_path(
    svc: ServiceProcesses, where: str, value: str
) -> None:
    data = json.loads(json.dumps(EXAMPLE))
    target: Any = data
    parts = re.findall(r"[^.\[\]]+", where)
    for p in parts[:-1]:
        target = target[int(p)] if p.isdigit() else target[p]
    last = parts[-1]
    target[int(last) if last.isdigit() else last] = value
    body = assert_error(post_document(svc, data), 422)
    assert f"data.{where}" in paths(body), body  # the path in the request body


def test_a_key_with_a_control_character_is_refused(svc: ServiceProcesses) -> None:
    body = assert_error(post_document(svc, {**EXAMPLE, "pla\x07ce": "x"}), 422)
    assert any("pla" in p for p in paths(body)), body


@pytest.mark.parametrize("depth", [100, 500, 900, 5_000, 100_000])
def test_deeply_nested_json_is_a_4xx(svc: ServiceProcesses, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    raw = '{"template": "giay-trieu-tap", "data": {"place": ' + nested + "}}"
    r = call(svc, "POST", "/api/v1/documents", content=raw.encode(), headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    assert r.json()["code"]
    r = post_call_ups(svc, '{"place": ' + nested + "}")
    assert_error(r, 422)


BATCH = {k: v for k, v in EXAMPLE.items() if k != "student"}


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({**BATCH, "organisation": "TCT"}, "data.organisation"),
        ({**BATCH, "organisation": ["TCT"]}, "data.organisation"),
        ({k: v for k, v in BATCH.items() if k != "session"}, "data.session"),
        ({**BATCH, "signer": {"name": "Trần Văn Bình"}}, "data.signer.title"),
        ({**BATCH, "place": "Phú\x07 Thọ"}, "data.place"),
    ],
)
def test_batch_data_is_checked_against_the_batch_schema(svc: ServiceProcesses, data: object, named: str) -> None:
    r = post_call_ups(svc, json.dumps(data))
    body = assert_error(r, 422)
    assert named in paths(body), body


def test_batch_data_is_checked_even_when_no_row_is_valid(svc: ServiceProcesses) -> None:
    rows = "Họ và tên,Ngày sinh,Đơn vị công tác\n,,\nAn,không phải ngày,\n".encode()
    r = post_call_ups(svc, json.dumps({k: v for k, v in BATCH.items() if k != "session"}), rows)
    body = assert_error(r, 422)
    assert "data.session" in paths(body), body


def _with_document_xml(docx: bytes, change: Callable[[bytes], bytes], stored: bool) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                data = change(data)
            dst.writestr(item.filename, data, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _bad_crc(docx: bytes) -> bytes:
    """The same file with one byte of the stored word/document.xml changed after its CRC was written."""
    packed = bytearray(_with_document_xml(docx, lambda d: d, stored=True))
    at = bytes(packed).index(b"<w:body>") + 3
    packed[at] = ord("B") if packed[at] != ord("B") else ord("b")
    return bytes(packed)


def _bad_deflate(docx: bytes) -> bytes:
    packed = bytearray(_with_document_xml(docx, lambda d: d, stored=False))
    with zipfile.ZipFile(io.BytesIO(bytes(packed))) as z:
        info = z.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 10, start + min(info.compress_size, 400)):
        packed[i] ^= 0xFF
    return bytes(packed)


@pytest.mark.parametrize("damage", [_bad_crc, _bad_deflate])
def test_a_template_with_a_damaged_zip_is_a_422(svc: ServiceProcesses, damage: Callable[[bytes], bytes]) -> None:
    r = call(
        svc,
        "POST",
        "/api/v1/templates",
        data={"id": f"hong-{uuid.uuid4().hex[:6]}"},
        files={"docx": ("mau.docx", damage(TEMPLATE_DOCX))},
    )
    body = assert_error(r, 422)
    assert ".docx" in body["message"], body


def _calling(placeholder: str) -> bytes:
    """The shipped template with ``{{ placeholder(place) }}`` in its first text."""

    def change(xml: bytes) -> bytes:
        return re.sub(
            rb"<w:t([ >][^<]*?)>([^<{]+)</w:t>",
            rb"<w:t\1>{{ " + placeholder.encode() + rb"(place) }}</w:t>",
            xml,
            count=1,
        )

    return _with_document_xml(TEMPLATE_DOCX, change, stored=False)


def test_a_template_that_calls_a_placeholder_is_refused_naming_it(svc: ServiceProcesses) -> None:
    schema = json.loads((PROJECT_ROOT / "templates_docx/giay-trieu-tap/schema.json").read_text(encoding="utf-8"))
    schema["properties"]["iteritems"] = {"type": "string"}
    example = {**EXAMPLE, "iteritems": "không phải hàm"}
    r = call(
        svc,
        "POST",
        "/api/v1/templates",
        data={"id": f"goi-ham-{uuid.uuid4().hex[:6]}"},
        files={
            "docx": ("mau.docx", _calling("iteritems")),
            "schema": ("schema.json", json.dumps(schema).encode()),
            "example": ("example.json", json.dumps(example).encode()),
        },
    )
    body = assert_error(r, 422)
    assert "iteritems" in body["message"] and "iteritems" in body["message_vi"], body
    r = call(  # without schema and example: the derived example is a string too
        svc,
        "POST",
        "/api/v1/templates",
        data={"id": f"goi-ham-{uuid.uuid4().hex[:6]}"},
        files={"docx": ("mau.docx", _calling("iteritems"))},
    )
    body = assert_error(r, 422)
    assert "iteritems" in body["message"], body


def test_verify_without_a_file_is_a_422(svc: ServiceProcesses) -> None:
    body = assert_error(call(svc, "POST", "/api/v1/verify"), 422)
    assert "file" in paths(body), body


def test_a_control_character_in_a_class_list_names_its_row_and_column(svc: ServiceProcesses) -> None:
    rows = "Họ và tên,Ngày sinh,Đơn vị công tác\nNguyễn Văn An,01/02/1980,UBND xã\x07 Thanh Ba\n".encode()
    r = post_call_ups(svc, json.dumps(BATCH), rows)
    body = assert_error(r, 422)
    problems = body["report"]["problems"]
    assert [(p["row"], p["column"]) for p in problems] == [(2, "Đơn vị công tác")], problems
    assert "U+0007" in problems[0]["reason"], problems


@pytest.mark.parametrize("text", ["a\x00b", "a\ud800b", "a\x07b"])
@on(STORAGE_BACKENDS, "svc")  # PostgreSQL refuses a NUL that SQLite stores: a missed check shows on PostgreSQL only
def test_control_characters_in_other_request_fields_are_4xx(svc: ServiceProcesses, text: str) -> None:
    """PostgreSQL refuses a NUL in text where SQLite stores it: every field, not only document data, stays a 4xx."""
    user = {"username": text, "full_name": text, "organisation": "TCT", "roles": ["requester"], "title": text}
    r = call(svc, "POST", "/api/v1/users", content=json.dumps(user), headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    form = "username={0}&password={0}".format(quote(text.encode("utf-8", "surrogatepass")))  # raw, even not UTF-8
    r = call(
        svc, "POST", "/api/v1/auth/token", content=form, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    r = call(svc, "GET", f"/api/v1/documents/{quote(text.encode('utf-8', 'surrogatepass'))}")
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    r = call(svc, "GET", "/api/v1/templates/giay-trieu-tap", params={"version": text.encode("utf-8", "replace")})
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    draft = post_document(svc, EXAMPLE).json()["id"]  # direct; rejecting it is the wrong state or role
    raw = json.dumps({"reason": text})
    r = call(
        svc, "POST", f"/api/v1/documents/{draft}:reject", content=raw, headers={"content-type": "application/json"}
    )
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])


@pytest.mark.parametrize("sign", [True, False])
def test_vanban_render_refuses_a_control_character_by_path(tmp_path: Path, sign: bool) -> None:
    """The local command checks like the API: a BEL in the data is refused, naming the field, no PDF written."""
    data = tmp_path / "letter.json"
    data.write_text(json.dumps({**EXAMPLE, "place": "Phú\x07 Thọ"}), encoding="utf-8")
    out = tmp_path / "letter.pdf"
    args = ["render", "giay-trieu-tap", str(data), "-o", str(out), *([] if sign else ["--no-sign"])]
    env = {**os.environ, "VANBAN_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", *args], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT
    )
    assert done.returncode == 1, done.stdout + done.stderr
    said = done.stdout + done.stderr
    assert "place" in said and "U+0007" in said, said
    assert not out.exists()
