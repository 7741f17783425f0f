"""The batch and admin pages' routes at the API, with no browser: who may call them, what a dry run records
(nothing), the batch form of each list template, an empty class list's headings, and the admin's changes to a
person: refused for a non-admin, checked (roles, credential by field, no self-deactivation), audited, and a
deactivated person's API key no longer opens anything."""

from __future__ import annotations

import io
import json
import sqlite3
from typing import Any

import httpx
import pytest
from openpyxl import Workbook, load_workbook

from tests.web.conftest import WebService

pytestmark = pytest.mark.slow


def _list(*rows: list[Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Họ và tên", "Ngày sinh", "Đơn vị công tác"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _check(c: httpx.Client, xlsx: bytes, template: str = "giay-trieu-tap", data: str | None = None) -> httpx.Response:
    if data is None:
        example = c.get(f"/api/v1/batches/templates/{template}").json()["example"]
        data = json.dumps(example)
    return c.post(
        "/api/v1/batches:check",
        data={"template": template, "data": data},
        files={"file": ("lop.xlsx", xlsx)},
    )


def _audit_actions(web: WebService) -> list[str]:
    with sqlite3.connect(web.service.data_dir / "vanban.sqlite") as db:
        return [a for (a,) in db.execute("SELECT action FROM audit_log ORDER BY seq")]


def test_the_batch_templates_are_those_made_from_a_list(web: WebService) -> None:
    c = web.client("chuyenvien")
    found = {t["id"]: t for t in c.get("/api/v1/batches/templates").json()}
    assert set(found) == {"giay-trieu-tap", "quyet-dinh-mo-lop"}
    assert found["giay-trieu-tap"]["per_row"] and not found["quyet-dinh-mo-lop"]["per_row"]
    letter = found["giay-trieu-tap"]
    assert "student" not in letter["schema"]["properties"] and "student" not in letter["example"]
    assert letter["columns"][:3] == ["Họ và tên", "Ngày sinh", "Giới tính"]
    refused = c.get("/api/v1/batches/templates/ke-hoach")
    assert refused.status_code == 422 and refused.json()["errors"][0]["path"] == "template"

    xlsx = c.get("/api/v1/batches/templates/giay-trieu-tap/class-list.xlsx")
    assert xlsx.status_code == 200 and "danh-sach-lop" in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == letter["columns"] and sheet.max_row == 1


def test_a_dry_run_reports_every_bad_row_and_records_nothing(web: WebService) -> None:
    c = web.client("chuyenvien")
    before = _audit_actions(web)
    documents = c.get("/api/v1/documents").json()["total"]
    r = _check(c, _list(["Nguyễn Văn An", "01/02/1990", "Xã A"], ["Trần Thị Bình", "31/02/1990", ""]))
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["valid"] == 1 and report["rows"] == 2
    assert {(p["row"], p["column"]) for p in report["problems"]} == {(3, "Ngày sinh"), (3, "Đơn vị công tác")}
    assert all(p["reason_vi"] and p["reason"] for p in report["problems"])
    assert c.get("/api/v1/documents").json()["total"] == documents
    assert _audit_actions(web) == before  # nothing recorded, no number taken

    wrong = _check(c, _list(["Nguyễn Văn An", "01/02/1990", "Xã A"]), data=json.dumps({"place": 5}))
    assert wrong.status_code == 422 and all(e["path"].startswith("data") for e in wrong.json()["errors"])
    not_json = _check(c, _list(["Nguyễn Văn An", "01/02/1990", "Xã A"]), data="{")
    assert not_json.status_code == 422 and not_json.json()["errors"][0]["path"] == "data"
    assert _check(web.client("vanthu"), _list(["A B", "01/02/1990", "X"])).status_code == 403  # a clerk requests none


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/users"),
        ("PATCH", "/api/v1/users/vanthu"),
        ("POST", "/api/v1/users/vanthu/password"),
        ("POST", "/api/v1/users/vanthu/api-keys"),
        ("GET", "/api/v1/templates/giay-trieu-tap/details"),
        ("GET", "/api/v1/templates/giay-trieu-tap/preview.png"),
    ],
)
def test_the_admin_routes_refuse_a_non_admin(web: WebService, method: str, path: str) -> None:
    r = web.client("chuyenvien").request(method, path, json={"active": False} if method == "PATCH" else None)
    assert r.status_code == 403, r.text
    assert r.json()["message_vi"] == "Việc này cần vai trò quản trị"


def test_the_admin_changes_a_person_checked_field_by_field_and_audited(web: WebService) -> None:
    admin = web.client("admin")
    people = admin.get("/api/v1/users").json()
    leader = next(p for p in people if p["username"] == "hieutruong")
    assert leader["has_certificate"] and "certificate" not in leader["credential"]
    assert "password" not in json.dumps(people) and "PIN" not in json.dumps(people)

    def change(username: str, **body: Any) -> httpx.Response:
        return admin.patch(f"/api/v1/users/{username}", json=body)

    incomplete = change("hieutruong", credential={"kind": "pkcs11", "module": "/usr/lib/softhsm/libsofthsm2.so"})
    assert incomplete.status_code == 422 and incomplete.json()["errors"][0]["path"] == "credential.token"
    assert change("hieutruong", roles=["signer", "boss"]).json()["errors"][0]["path"] == "roles"
    odd = change("hieutruong", credential={"kind": "pkcs12", "path": "/k.p12", "pin": "1234"})
    assert odd.status_code == 422 and odd.json()["errors"][0]["path"] == "credential.pin"  # no PIN is ever stored
    assert change("admin", active=False).json()["errors"][0]["path"] == "active"  # not oneself
    assert change("admin", roles=["requester"]).json()["errors"][0]["path"] == "roles"
    assert change("nobody", title="x").status_code == 404

    moved = change("hieutruong", credential={"kind": "pkcs11", "module": "/m.so", "token": "t", "key": "k"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["credential"] == {"kind": "pkcs11", "module": "/m.so", "token": "t", "key": "k"}
    assert moved.json()["has_certificate"]  # the recorded certificate stays with the person
    assert change("hieutruong", credential=leader["credential"]).json()["credential"] == leader["credential"]

    key = admin.post("/api/v1/users/vanthu/api-keys").json()["api_key"]
    assert web.service.client(key).get("/api/v1/auth/me").json()["username"] == "vanthu"
    assert change("vanthu", active=False).json()["active"] is False
    assert web.service.client(key).get("/api/v1/auth/me").status_code == 401  # a deactivated person's key is dead
    assert change("vanthu", active=True).json()["active"] is True
    actions = _audit_actions(web)
    assert actions.count("change_user") == 4 and "create_api_key" in actions
