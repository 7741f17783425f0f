"""The hồ sơ pages in Debian's chromium: the clerk opens a hồ sơ (a wrong code refused at its field), files two
issued call-up letters in it, closes it and downloads it as a ZIP; a requester reads it and changes nothing; a
document's page leads to its hồ sơ."""

from __future__ import annotations

import json
import re
import unicodedata
import zipfile
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook
from playwright.sync_api import expect

from tests.backends import wait_job
from tests.web.conftest import PIN, WebService, log_in, shoot

CODE = "2026.ĐT.07"


def test_the_clerk_files_issued_letters_closes_the_file_and_downloads_it(
    page: Any, web: WebService, tmp_path: Path
) -> None:
    letters = [web.make_document("chuyenvien", "giay-trieu-tap") for _ in range(2)]
    assert {d["status"] for d in letters} == {"issued"}

    log_in(page, web, "vanthu")
    page.get_by_role("link", name="Hồ sơ").click()
    expect(page.get_by_role("heading", name="Hồ sơ lưu trữ")).to_be_visible()
    expect(page.get_by_text("Chưa có hồ sơ nào.")).to_be_visible()

    # "10 năm" is not taken for "permanent": refused at its field, nothing sent
    page.get_by_label("Mã hồ sơ").fill("../hs")
    page.get_by_label("Tiêu đề hồ sơ").fill("Hồ sơ lớp Trung cấp lý luận chính trị K07")
    page.get_by_label("Ngày bắt đầu").fill(date.today().strftime("%d/%m/%Y"))
    retention = page.get_by_label("Thời hạn bảo quản (năm; để trống: vĩnh viễn)")
    retention.fill("10 năm")
    page.get_by_role("button", name="Lập hồ sơ").click()
    expect(retention).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("số năm, từ 1 đến 100 (để trống nếu bảo quản vĩnh viễn)")).to_be_visible()

    # a code that would leave its folder is refused, named at its field
    retention.fill("10")
    page.get_by_label("Ghi chú").fill("<b>Lớp K07</b>, khóa 2026")
    page.get_by_role("button", name="Lập hồ sơ").click()
    expect(page.get_by_role("alert").first).to_contain_text("hãy sửa theo ghi chú tại từng trường")
    expect(page.get_by_label("Mã hồ sơ")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("mã hồ sơ: 1 đến 60 ký tự, chữ, số và . - _, không có '..'")).to_be_visible()
    assert web.client("vanthu").get("/api/v1/records").json() == []
    shoot(page, web, "records-new")

    page.get_by_label("Mã hồ sơ").fill(CODE)
    page.get_by_role("button", name="Lập hồ sơ").click()
    expect(page.get_by_text(f"Đã lập hồ sơ {CODE}.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"{CODE}: Hồ sơ lớp Trung cấp")).to_be_visible()
    expect(page.get_by_test_id("file-facts")).to_contain_text("10 năm")
    expect(page.get_by_test_id("file-facts")).to_contain_text("<b>Lớp K07</b>, khóa 2026")  # text, not markup
    expect(page.get_by_text("Hồ sơ chưa có văn bản nào.")).to_be_visible()

    expect(page.get_by_test_id("unfiled-row")).to_have_count(2)
    for letter in letters:
        page.get_by_role("checkbox", name=f"Chọn: {letter['notation']}").check()
    page.get_by_role("button", name="Đưa 2 văn bản vào hồ sơ").click()
    expect(page.get_by_text("Đã đưa 2 văn bản vào hồ sơ.")).to_be_visible()
    rows = page.get_by_test_id("filed").locator("tbody tr")  # filed in the order they were issued: places 1, 2
    expect(rows).to_have_count(2)
    assert [rows.nth(i).locator("td").nth(2).inner_text() for i in range(2)] == ["1", "2"]
    assert [rows.nth(i).get_by_role("link").inner_text() for i in range(2)] == [d["notation"] for d in letters]
    expect(page.get_by_text("Không còn văn bản đã ban hành nào chưa lập hồ sơ.")).to_be_visible()
    shoot(page, web, "records")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Đóng hồ sơ").click()
    expect(page.get_by_text("Đã đóng hồ sơ.")).to_be_visible()
    expect(page.get_by_test_id("file-facts")).to_contain_text("Đã đóng ngày")
    expect(page.get_by_role("button", name="Đóng hồ sơ")).to_have_count(0)
    expect(page.get_by_text("Đưa văn bản đã ban hành vào hồ sơ")).to_have_count(0)

    with page.expect_download() as download:
        page.get_by_role("link", name="Tải hồ sơ (ZIP)").click()
    saved = tmp_path / "hoso.zip"
    download.value.save_as(saved)
    names = zipfile.ZipFile(saved).namelist()
    hoso = zipfile.ZipFile(saved).read(f"{CODE}/hoso.xml").decode()
    # the hồ sơ's body and each document's, by the same name (the demo school was named by its abbreviation)
    assert set(re.findall(r"<(?:\w+:)?OrganName>([^<]*)<", hoso)) == {"Trường Chính trị tỉnh"}, hoso
    assert f"{CODE}/hoso.xml" in names and f"{CODE}/manifest-sha256.txt" in names, names
    assert len([n for n in names if n.startswith(f"{CODE}/documents/") and n.endswith(".pdf")]) == 2, names

    # the document's page names its hồ sơ and leads to it
    page.goto(f"/documents/{letters[0]['id']}")
    page.get_by_test_id("archive-metadata").get_by_role("link", name=CODE).click()
    expect(page.get_by_role("heading", name=f"{CODE}: Hồ sơ lớp Trung cấp")).to_be_visible()


def test_a_requester_reads_the_files_and_changes_nothing(page: Any, web: WebService) -> None:
    code = "2026.KẾ.01"
    made = web.client("vanthu").post(
        "/api/v1/records", json={"code": code, "title": "Kế hoạch năm", "start_date": date.today().isoformat()}
    )
    assert made.status_code == 201, made.text
    # the code as some keyboards write it (E, then its two accents): the same hồ sơ
    decomposed = quote(unicodedata.normalize("NFD", code))
    assert web.client("chuyenvien").get(f"/api/v1/records/{decomposed}").json()["code"] == code
    log_in(page, web, "chuyenvien")
    page.get_by_role("link", name="Hồ sơ").click()
    page.get_by_test_id("files").get_by_role("link", name=code).click()
    expect(page.get_by_role("heading", name=f"{code}: Kế hoạch năm")).to_be_visible()
    expect(page.get_by_test_id("file-facts")).to_contain_text("Vĩnh viễn")
    expect(page.get_by_role("button", name="Đóng hồ sơ")).to_have_count(0)
    expect(page.get_by_text("Đưa văn bản đã ban hành vào hồ sơ")).to_have_count(0)
    expect(page.get_by_role("link", name="Tải hồ sơ (ZIP)")).to_have_count(0)  # the archive's transfer: clerks
    page.get_by_role("link", name="Mọi hồ sơ").click()
    expect(page.get_by_role("heading", name="Lập hồ sơ mới")).to_have_count(0)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Files of records (hồ sơ)")).to_be_visible()


def test_a_refused_filing_names_the_document_by_its_number(page: Any, web: WebService) -> None:
    """A letter filed elsewhere (another clerk, another tab) while the page offered it: refused, said by its number
    and notation, not by its place in the request or its id."""
    letter = web.make_document("chuyenvien", "giay-trieu-tap")
    clerk = web.client("vanthu")
    for code in ("2026.TB.01", "2026.TB.02"):
        made = clerk.post("/api/v1/records", json={"code": code, "title": code, "start_date": date.today().isoformat()})
        assert made.status_code == 201, made.text
    log_in(page, web, "vanthu")
    page.goto("/records/2026.TB.01")
    page.get_by_role("checkbox", name=f"Chọn: {letter['notation']}").check()
    filed = clerk.post("/api/v1/records/2026.TB.02/documents", json={"document_ids": [letter["id"]]})
    assert filed.status_code == 200, filed.text
    page.get_by_role("button", name="Đưa 1 văn bản vào hồ sơ").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(letter["notation"])
    expect(alert).to_contain_text("2026.TB.02")
    expect(alert).not_to_contain_text("document_ids")
    expect(alert).not_to_contain_text(letter["id"])


def test_the_clerk_files_a_whole_batch_in_class_list_order(page: Any, web: WebService) -> None:
    """A class's call-up letters go in its hồ sơ at once, however many (the list of documents shows 100 at most):
    the page offers each batch whole, and files its letters in the order of the class list."""
    requester = web.client("chuyenvien")
    example = requester.get("/api/v1/templates/giay-trieu-tap").json()["example"]
    started, letters = _batch(web, example, ["Nguyễn Văn An", "Trần Thị Bình", "Lê Đức Cường"])
    _, split = _batch(web, example, ["Phạm Văn Dũng", "Hoàng Thị Em"])  # one of its letters filed apart first
    clerk = web.client("vanthu")
    for code in ("2026.ĐT.09", "2026.KHAC"):
        made = clerk.post("/api/v1/records", json={"code": code, "title": code, "start_date": date.today().isoformat()})
        assert made.status_code == 201, made.text
    assert clerk.post("/api/v1/records/2026.KHAC/documents", json={"document_ids": [split[0]["id"]]}).status_code == 200
    code = "2026.ĐT.09"

    log_in(page, web, "vanthu")
    page.goto(f"/records/{quote(code)}")
    numbers = f"3 văn bản chưa lập hồ sơ, số {letters[0]['number']} đến {letters[2]['number']}"
    batch = page.get_by_test_id("unfiled-batch").filter(has_text=numbers)
    expect(batch).to_contain_text(f"Giấy triệu tập, {example['class']['name']} (yêu cầu ngày")
    batch.get_by_role("button", name="Đưa cả đợt (3 văn bản) vào hồ sơ").click()
    expect(page.get_by_text("Đã đưa 3 văn bản vào hồ sơ.")).to_be_visible()
    expect(page.get_by_test_id("filed").locator("tbody tr")).to_have_count(3)
    expect(batch).to_have_count(0)
    filed = clerk.get(f"/api/v1/records/{quote(code)}").json()["documents"]
    assert [d["id"] for d in filed] == [d["id"] for d in letters]
    assert {d["batch_id"] for d in filed} == {started["id"]}
    # the batch with a letter in another hồ sơ is not offered whole: what stands in the way is said
    partly = page.get_by_test_id("unfiled-batch").filter(has_text=f"1 văn bản chưa lập hồ sơ, số {split[1]['number']}")
    expect(partly).to_contain_text("1/2 văn bản của đợt đã thuộc hồ sơ khác hoặc không được ban hành")
    expect(partly.get_by_role("button")).to_have_count(0)


def _batch(web: WebService, example: dict[str, Any], students: list[str]) -> tuple[dict[str, Any], list[Any]]:
    """A batch of call-up letters for ``students``, requested from a class list and made: it, and its letters."""
    requester = web.client("chuyenvien")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Họ và tên", "Ngày sinh", "Giới tính", "Chức vụ", "Đơn vị công tác"])
    for i, name in enumerate(students):
        sheet.append([name, date(1980 + i, 1 + i, 10 + i), "Nam", "Chuyên viên", "Xã B"])
    xlsx = BytesIO()
    book.save(xlsx)
    data = {k: v for k, v in example.items() if k != "student"}
    started = requester.post(
        "/api/v1/batches",
        data={"template": "giay-trieu-tap", "data": json.dumps(data)},
        files={"file": ("lop.xlsx", xlsx.getvalue())},
    )
    assert started.status_code == 202, started.text
    assert wait_job(requester, started.json()["job_id"])["status"] == "succeeded"
    return started.json(), requester.get(f"/api/v1/batches/{started.json()['id']}").json()["documents"]


def test_a_partner_bodys_signer_sees_the_hoso_code_not_a_link_to_a_page_it_cannot_open(
    page: Any, web: WebService
) -> None:
    """A joint regulation is filed in the issuing body's hồ sơ, which the API shows only to that body: the partner
    body's leader who signed it reads its code on the document's page, with no link to a page that would refuse."""
    requester = web.client("chuyenvien")
    data = requester.get("/api/v1/templates/quy-che-phoi-hop").json()["example"]
    asked = requester.post(
        "/api/v1/documents", json={"template": "quy-che-phoi-hop", "data": data, "signers": ["bithu", "hieutruong"]}
    )
    assert asked.status_code == 202, asked.text
    assert wait_job(requester, asked.json()["job_id"])["status"] == "succeeded"
    doc_id = asked.json()["id"]
    assert requester.post(f"/api/v1/documents/{doc_id}:submit", json={}).status_code == 200
    for leader in ("bithu", "hieutruong"):  # the partner's leader first, as the request set
        signed = web.client(leader).post("/api/v1/inbox:sign", json={"document_ids": [doc_id], "pin": PIN})
        assert signed.status_code == 200, signed.text
    clerk = web.client("vanthu")
    assert clerk.post(f"/api/v1/documents/{doc_id}:issue", json={}).status_code == 200
    code = "2026.PH.01"
    made = clerk.post(
        "/api/v1/records", json={"code": code, "title": "Phối hợp", "start_date": date.today().isoformat()}
    )
    assert made.status_code == 201, made.text
    assert clerk.post(f"/api/v1/records/{code}/documents", json={"document_ids": [doc_id]}).status_code == 200
    assert web.client("bithu").get(f"/api/v1/records/{code}").status_code == 404  # not the partner's

    log_in(page, web, "bithu")
    page.goto(f"/documents/{doc_id}")
    metadata = page.get_by_test_id("archive-metadata")
    expect(metadata).to_contain_text(code)
    expect(metadata.get_by_role("link", name=code)).to_have_count(0)
