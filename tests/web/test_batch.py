"""The batch page in a real browser, as a requester uses it: an empty class list downloaded with the right headings,
a filled one (made with openpyxl) checked with its bad row shown by row and column before anything is numbered,
refused whole with ``reject``, then made with ``skip`` while the progress moves without a reload, and merged.pdf and
archive.zip downloaded and opened. A clerk, who may not request documents, is refused."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from tests.web.conftest import WebService, log_in, shoot

pytestmark = pytest.mark.slow
SERVICE_SETTINGS = {"VANBAN_BATCH_CHUNK_SIZE": "2"}  # several chunks: the progress moves in steps
STUDENTS = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Đức Cường", "Phạm Thị Dung", "Đỗ Văn Em"]
BAD_ROW = 4  # the spreadsheet row (heading = row 1) whose date of birth cannot be read


def class_list(path: Path) -> Path:
    """Five good students and, at row ``BAD_ROW``, one whose date of birth is 31/02."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Họ và tên", "Ngày sinh", "Giới tính", "Chức vụ", "Đơn vị công tác"])
    for i, name in enumerate(STUDENTS):
        if sheet.max_row + 1 == BAD_ROW:
            sheet.append(["Hoàng Văn Lỗi", "31/02/1990", "Nam", "Chuyên viên", "Xã A"])
        sheet.append([name, date(1980 + i, 1 + i, 10 + i), "Nam" if i % 2 == 0 else "Nữ", "Chuyên viên", "Xã B"])
    book.save(path)
    return path


def _download(page: Any, name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=name).click()
    return Path(info.value.path()).read_bytes()


def test_a_requester_checks_a_class_list_skips_its_bad_row_and_downloads_the_letters(
    page: Any, web: WebService, tmp_path: Path
) -> None:
    log_in(page, web, "chuyenvien")
    page.get_by_role("link", name="Lô văn bản").click()
    page.get_by_label("Mẫu văn bản").select_option("giay-trieu-tap")

    empty = load_workbook(io.BytesIO(_download(page, "Tải danh sách lớp trống (XLSX)")))
    sheet = empty.active
    assert sheet is not None
    headings = [c.value for c in sheet[1]]
    assert headings[:5] == ["Họ và tên", "Ngày sinh", "Giới tính", "Chức vụ", "Đơn vị công tác"], headings
    assert sheet.max_row == 1  # headings only

    page.get_by_label("Danh sách lớp (.xlsx hoặc .csv)").set_input_files(class_list(tmp_path / "lop.xlsx"))
    page.get_by_role("button", name="Kiểm tra danh sách").click()
    problems = page.locator("table.row-problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.nth(0).locator("td").nth(0)).to_have_text(str(BAD_ROW))
    expect(problems.nth(0).locator("td").nth(1)).to_have_text("Ngày sinh")
    expect(problems.nth(0).locator("td").nth(2)).to_contain_text("ngày không đọc được")
    expect(page.get_by_role("status").filter(has_text="6 dòng, 5 dòng hợp lệ, 1 dòng có lỗi")).to_be_visible()
    shoot(page, web, "batch-check")
    c = web.client("chuyenvien")
    assert c.get("/api/v1/documents", params={"template": "giay-trieu-tap"}).json()["total"] == 0  # nothing numbered

    # reject (the default): nothing is made, the service says why
    page.get_by_role("button", name="Tạo lô văn bản").click()
    expect(page.get_by_role("alert")).to_contain_text("chưa văn bản nào được ban hành")
    assert c.get("/api/v1/documents", params={"template": "giay-trieu-tap"}).json()["total"] == 0

    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.get_by_label("Bỏ qua các dòng lỗi, tạo văn bản cho các dòng hợp lệ").check()
    page.get_by_role("button", name="Tạo lô văn bản").click()
    expect(page.get_by_text("Đã xong: 5 văn bản.")).to_be_visible(timeout=180_000)
    expect(page.get_by_text("Tiến độ: 5/5 văn bản")).to_be_visible()
    assert page.locator("#batch-progress").evaluate("p => [p.value, p.max]") == [5, 5]
    assert all("batch=" in url for url in navigations), navigations  # the batch put in the address, no reload
    rows = page.locator(".result table tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.nth(0)).to_contain_text("GTT-TCT")
    shoot(page, web, "batch-done")

    merged = _download(page, "Tải merged.pdf (để in)")
    assert merged.startswith(b"%PDF")
    with pikepdf.open(io.BytesIO(merged)) as pdf:
        assert len(pdf.pages) >= 5
    archive = zipfile.ZipFile(io.BytesIO(_download(page, "Tải archive.zip (các văn bản đã ký)")))
    letters = [n for n in archive.namelist() if n.endswith(".pdf")]
    assert len(letters) == 5, archive.namelist()
    assert all(archive.read(n).startswith(b"%PDF") for n in letters)
    report = json.loads(archive.read("report.json"))
    assert [p["row"] for p in report["report"]["problems"]] == [BAD_ROW]

    page.reload()  # the page reloaded (or its address opened again) finds its batch and the letters to download
    expect(page.get_by_text("Đã xong: 5 văn bản.")).to_be_visible(timeout=60_000)
    assert _download(page, "Tải merged.pdf (để in)").startswith(b"%PDF")


def test_a_clerk_may_not_make_a_batch(page: Any, web: WebService, tmp_path: Path) -> None:
    log_in(page, web, "vanthu")
    expect(page.get_by_role("link", name="Lô văn bản")).to_have_count(0)  # not in a clerk's menu
    page.goto("/batch")
    page.get_by_label("Mẫu văn bản").select_option("giay-trieu-tap")
    page.get_by_label("Danh sách lớp (.xlsx hoặc .csv)").set_input_files(class_list(tmp_path / "lop.xlsx"))
    page.get_by_role("button", name="Kiểm tra danh sách").click()
    expect(page.get_by_role("alert")).to_contain_text("Việc này cần vai trò chuyên viên")
    expect(page.locator("table.row-problems")).to_have_count(0)


def test_the_batch_page_speaks_english_on_request(page: Any, web: WebService, tmp_path: Path) -> None:
    log_in(page, web, "chuyenvien")
    page.goto("/batch")
    page.get_by_role("button", name="English").click()
    page.get_by_label("Template").select_option("giay-trieu-tap")
    page.get_by_label("Class list (.xlsx or .csv)").set_input_files(class_list(tmp_path / "lop.xlsx"))
    page.get_by_role("button", name="Check the list").click()
    expect(page.locator("table.row-problems tbody tr td").nth(2)).to_contain_text("unreadable date")
