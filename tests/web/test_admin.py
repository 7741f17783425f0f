"""The admin pages in a real browser: the admin creates a person, who logs in with the password given; the people
are listed the Vietnamese way; a new password is shown once and works, a deactivated person's session ends and
their password no longer opens one; a template's placeholders and first page are shown, and a new version uploaded
shows its own placeholders. A requester is refused the admin's data."""

from __future__ import annotations

import io
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from service.domain.vietnamese import name_sort_key
from tests.web.conftest import WebService, log_in, shoot

pytestmark = pytest.mark.slow


def log_in_as(page: Any, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_the_admin_creates_a_person_who_logs_in_then_resets_and_deactivates_them(
    page: Any, browser: Any, web: WebService
) -> None:
    log_in(page, web, "admin")
    page.get_by_role("link", name="Người dùng").click()
    form = page.locator("form[aria-labelledby='new-user-title']")
    form.get_by_label("Tên đăng nhập").fill("thuky")
    form.get_by_label("Họ và tên").fill("Đỗ Thị Ánh")
    form.get_by_label("Chức danh").fill("Chuyên viên phòng Đào tạo")
    form.get_by_label("Đơn vị (viết tắt, ví dụ TCT)").fill("TCT")
    form.get_by_label("Mật khẩu ban đầu (ít nhất 8 ký tự)").fill("ngan")
    form.get_by_role("button", name="Tạo người dùng").click()
    expect(form.locator("#new-password-error")).to_have_text("phải có ít nhất 8 ký tự")  # the API's 422, at the field
    expect(form.get_by_label("Mật khẩu ban đầu (ít nhất 8 ký tự)")).to_have_attribute("aria-invalid", "true")

    form.get_by_label("Mật khẩu ban đầu (ít nhất 8 ký tự)").fill("mat-khau-dai-1")
    form.get_by_label("Tạo luôn khóa API").check()
    form.get_by_role("button", name="Tạo người dùng").click()
    expect(form.get_by_role("status").first).to_contain_text("Đã tạo người dùng thuky")
    key = form.locator(".secret-value").inner_text()
    assert key.startswith("vbk_")
    assert form.get_by_label("Mật khẩu ban đầu (ít nhất 8 ký tự)").input_value() == ""  # not kept in the page

    # the list is read again after the status shows: wait for the new row before reading the names (a race)
    expect(page.locator("table tbody tr td:first-child", has_text="Đỗ Thị Ánh")).to_be_visible()
    names = page.locator("table tbody tr td:first-child").all_inner_texts()
    assert "Đỗ Thị Ánh" in names
    assert names == sorted(names, key=name_sort_key)  # given name first, Vietnamese letter order
    shoot(page, web, "admin-users")
    assert web.service.client(key).get("/api/v1/auth/me").json()["username"] == "thuky"  # the key shown once works

    person = browser.new_context(base_url=web.url, viewport={"width": 1024, "height": 900})
    theirs = person.new_page()
    log_in_as(theirs, "thuky", "mat-khau-dai-1")
    theirs.wait_for_url("**/documents")
    expect(theirs.get_by_text("Đỗ Thị Ánh (TCT)")).to_be_visible()

    # a new password, shown once: the old one no longer opens a session, the new one does
    page.get_by_role("button", name="Sửa thuky").click()
    page.get_by_role("button", name="Đặt lại mật khẩu").click()
    secret = page.locator(".edit-user .secret-value")
    expect(secret).to_be_visible()
    new_password = secret.inner_text()
    theirs.goto("/documents")
    theirs.wait_for_url("**/login**")  # the reset ended their session
    log_in_as(theirs, "thuky", "mat-khau-dai-1")
    expect(theirs.get_by_role("alert")).to_contain_text("Sai tên đăng nhập hoặc mật khẩu")
    log_in_as(theirs, "thuky", new_password)
    theirs.wait_for_url("**/documents")

    # roles changed and then the account deactivated: their session ends, their password opens nothing
    edit = page.locator(".edit-user")
    edit.get_by_label("Lãnh đạo (ký)").check()
    edit.get_by_role("button", name="Lưu").click()
    expect(edit.get_by_role("status")).to_have_text("Đã lưu.")
    edit.get_by_role("button", name="Khóa tài khoản").click()
    expect(page.locator("tr", has_text="thuky")).to_contain_text("Đã khóa")
    expect(page.locator("tr", has_text="thuky")).to_contain_text("Lãnh đạo")
    theirs.goto("/documents")
    theirs.wait_for_url("**/login**")
    log_in_as(theirs, "thuky", new_password)
    expect(theirs.get_by_role("alert")).to_contain_text("Sai tên đăng nhập hoặc mật khẩu")
    person.close()

    with sqlite3.connect(web.service.data_dir / "vanban.sqlite") as db:  # every change audited, by the admin
        done = db.execute("SELECT action FROM audit_log WHERE actor = 'admin' ORDER BY seq").fetchall()
    actions = [a for (a,) in done]
    for action in ("create_user", "reset_password", "change_user"):
        assert action in actions, actions
    assert actions.count("change_user") == 2  # the roles, then the deactivation


def test_a_requester_is_refused_the_admin_pages(page: Any, web: WebService) -> None:
    log_in(page, web, "chuyenvien")
    expect(page.get_by_role("link", name="Người dùng")).to_have_count(0)
    page.goto("/admin/users")
    expect(page.get_by_role("alert")).to_contain_text("Việc này cần vai trò quản trị")
    expect(page.locator("table")).to_have_count(0)
    page.goto("/admin/templates")
    page.get_by_label("Mẫu văn bản").select_option("giay-trieu-tap")
    expect(page.get_by_role("alert")).to_contain_text("Việc này cần vai trò quản trị")


def _docx(*paragraphs: str) -> bytes:
    from docx import Document

    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_the_admin_sees_a_template_and_uploads_a_new_version(page: Any, web: WebService, tmp_path: Path) -> None:
    log_in(page, web, "admin")
    page.get_by_role("link", name="Mẫu văn bản").click()
    page.get_by_label("Mẫu văn bản", exact=True).select_option("giay-trieu-tap")
    placeholders = page.locator("ul.placeholders li")
    expect(placeholders.filter(has_text=re.compile(r"^student$"))).to_have_count(1)
    preview = page.get_by_role("img", name="Trang đầu của mẫu giay-trieu-tap điền theo dữ liệu ví dụ")
    expect(preview).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=preview.element_handle(), timeout=120_000)
    page.get_by_text("Lược đồ dữ liệu (JSON Schema)").click()
    expect(page.locator("pre.json").first).to_contain_text('"student"')

    docx = tmp_path / "giay-moi.docx"
    docx.write_bytes(_docx("Số: {{ document.notation }}", "Kính gửi: {{ recipient }}", "{{ meeting_place }}"))
    page.get_by_label("Mã mẫu (chữ thường, số, gạch nối)").fill("giay-moi-hop")
    page.get_by_label("Ký hiệu loại văn bản (ví dụ QĐ)").fill("GM")
    page.get_by_label("Tệp Word (.docx)").set_input_files(docx)
    page.get_by_role("button", name="Tải lên").click()
    expect(page.get_by_role("status").filter(has_text="của mẫu giay-moi-hop")).to_be_visible()
    expect(page.get_by_label("Mẫu văn bản", exact=True)).to_have_value("giay-moi-hop")
    expect(placeholders).to_have_text(["document", "meeting_place", "recipient"])
    new_preview = page.get_by_role("img", name="Trang đầu của mẫu giay-moi-hop điền theo dữ liệu ví dụ")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=new_preview.element_handle(), timeout=120_000
    )
    shoot(page, web, "admin-templates")

    # a broken upload is refused with the service's reason, in the chosen language
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a zip")
    page.get_by_label("Tệp Word (.docx)").set_input_files(bad)
    page.get_by_role("button", name="Tải lên").click()
    expect(page.locator("form[aria-labelledby='upload-title'] [role=alert]")).to_contain_text("Không phải tệp .docx")
