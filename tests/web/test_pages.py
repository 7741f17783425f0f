"""The pages in Debian's chromium: log in and out, verify (no login), my documents (filters, paging, another body),
a document's page, and a new document from its generated form through to its signers. Screenshots of each page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.pdftools import qr_codes
from tests.web.conftest import WebService, log_in, shoot

pytestmark = pytest.mark.slow


def test_log_in_and_log_out(page: Any, web: WebService) -> None:
    page.goto("/documents")
    page.wait_for_url(re.compile(r"/login\?next="))  # a page for logged-in people sends the others to log in
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    shoot(page, web, "login")
    page.get_by_label("Tên đăng nhập").fill("chuyenvien")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_have_text("Sai tên đăng nhập hoặc mật khẩu")
    expect(page.get_by_label("Mật khẩu")).to_have_value("")  # the password is not kept, not even in the field

    log_in(page, web, "chuyenvien")
    expect(page.get_by_role("heading", name="Văn bản của tôi")).to_be_visible()
    expect(page.get_by_text("Nguyễn Thị Hoa (TCT)")).to_be_visible()
    session = next(c for c in page.context.cookies() if c["name"] == "vanban_session")
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    stored = page.evaluate("() => JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})")
    assert web.passwords["chuyenvien"] not in stored and "vanban_session" not in page.evaluate("document.cookie")
    # The menu follows the roles: a requester may make a document.
    expect(page.get_by_role("link", name="Tạo văn bản")).to_be_visible()

    # English on request; the API's messages follow the language.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="My documents")).to_be_visible()
    page.get_by_role("button", name="Tiếng Việt").click()

    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_text("Bạn đã đăng xuất.")).to_be_visible()
    assert not [c for c in page.context.cookies() if c["name"] == "vanban_session"]
    page.goto("/documents")
    page.wait_for_url(re.compile(r"/login"))


def test_keyboard_reaches_the_log_in_form(page: Any, web: WebService) -> None:
    page.goto("/login")
    expect(page.get_by_label("Tên đăng nhập")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Bỏ qua, tới nội dung chính")).to_be_focused()
    page.get_by_label("Tên đăng nhập").focus()
    page.keyboard.type("vanthu")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Mật khẩu")).to_be_focused()
    page.keyboard.type(web.passwords["vanthu"])
    page.keyboard.press("Enter")
    page.wait_for_url("**/documents")
    # A clerk makes no requests: no "new document" in the menu.
    expect(page.get_by_role("link", name="Tạo văn bản")).to_have_count(0)


def test_anyone_verifies_a_downloaded_pdf(page: Any, web: WebService, tmp_path: Path) -> None:
    letter = web.make_document("chuyenvien", "giay-trieu-tap")
    log_in(page, web, "chuyenvien")
    page.goto(f"/documents/{letter['id']}")
    expect(page.get_by_test_id("status")).to_have_text("Đã ban hành")
    archive = page.get_by_test_id("archive-metadata")  # NĐ 30 Phụ lục VI, filled at issue
    for shown in ("Giấy triệu tập", "GTT-TCT", "Trường Chính trị tỉnh", "Chưa lập hồ sơ", "thường", "10 năm"):
        expect(archive).to_contain_text(shown)
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải PDF").click()
    pdf = tmp_path / "letter.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(re.compile(r"/login"))

    page.get_by_role("link", name="Xác thực văn bản").click()  # public: in the menu without logging in
    expect(page.get_by_role("heading", name="Xác thực văn bản điện tử")).to_be_visible()
    page.get_by_label("Tệp PDF cần xác thực").set_input_files(str(pdf))
    page.get_by_role("button", name="Xác thực", exact=True).click()
    expect(page.get_by_test_id("verdict")).to_contain_text("Văn bản hợp lệ")
    expect(page.get_by_text("Nội dung được ký còn nguyên vẹn.")).to_be_visible()
    expect(page.get_by_text("Không có gì thay đổi sau khi ký.")).to_be_visible()
    expect(page.get_by_text("Chứng thư số do tổ chức chứng thực tin cậy cấp.")).to_be_visible()
    expect(page.get_by_text("Thời điểm ký")).to_be_visible()
    shoot(page, web, "verify")

    # A file changed after signing: the page says so in plain words.
    data = pdf.read_bytes()
    at = data.index(b"/Title")  # a signed byte: one letter of a key of the Info dictionary
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(data[:at] + data[at:].replace(b"e", b"E", 1))
    page.get_by_label("Tệp PDF cần xác thực").set_input_files(str(tampered))
    page.get_by_role("button", name="Xác thực", exact=True).click()
    expect(page.get_by_test_id("verdict")).to_contain_text("Văn bản KHÔNG hợp lệ")
    expect(page.get_by_text("Nội dung được ký đã bị thay đổi hoặc chữ ký bị hỏng.")).to_be_visible()
    # Not a PDF at all: the API's reason, in Vietnamese.
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"not a pdf")
    page.get_by_label("Tệp PDF cần xác thực").set_input_files(str(junk))
    page.get_by_role("button", name="Xác thực", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("không phải tệp PDF đọc được")


def test_my_documents_filters_paging_and_another_body(page: Any, web: WebService) -> None:
    first = web.make_document("chuyenvien", "giay-trieu-tap")
    second = web.make_document("chuyenvien", "giay-trieu-tap")
    log_in(page, web, "chuyenvien")
    rows = page.locator("table.documents tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.get_by_role("link", name=second["notation"])).to_be_visible()
    shoot(page, web, "documents")
    page.set_viewport_size({"width": 768, "height": 1024})  # a tablet upright: nothing wider than the screen
    expect(page.get_by_role("link", name="Văn bản của tôi")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    page.set_viewport_size({"width": 1024, "height": 900})

    page.get_by_label("Trạng thái").select_option(label="Dự thảo")
    page.get_by_role("button", name="Lọc", exact=True).click()
    expect(page.get_by_text("Không có văn bản nào.")).to_be_visible()
    page.get_by_role("button", name="Xóa lọc").click()
    page.get_by_label("Số, ký hiệu").fill(first["notation"])
    page.get_by_role("button", name="Lọc", exact=True).click()
    expect(rows).to_have_count(1)
    expect(page.get_by_role("link", name=first["notation"])).to_be_visible()
    page.get_by_role("button", name="Xóa lọc").click()
    page.get_by_label("Từ ngày").fill("31/02/2026")
    expect(page.get_by_text("Ngày phải có dạng dd/mm/yyyy")).to_be_visible()

    page.goto("/documents?page_size=1")
    expect(rows).to_have_count(1)
    expect(page.get_by_role("link", name=second["notation"])).to_be_visible()  # newest first
    page.get_by_role("button", name="Trang sau").click()
    expect(page.get_by_role("link", name=first["notation"])).to_be_visible()
    expect(page.get_by_text(re.compile(r"Trang 2/\d+"))).to_be_visible()
    page.go_back()
    expect(page.get_by_role("link", name=second["notation"])).to_be_visible()

    # The document's page: details, pages, downloads, signatures in words, history.
    page.get_by_role("link", name=second["notation"]).click()
    expect(page.get_by_role("heading", name=re.compile("Giấy triệu tập"))).to_be_visible()
    first_page = page.get_by_role("img", name="Trang 1 của văn bản")
    first_page.scroll_into_view_if_needed()
    first_page.element_handle().wait_for_element_state("visible")
    page.wait_for_function("i => i.complete && i.naturalWidth > 100", arg=first_page.element_handle())
    expect(page.get_by_test_id("verdict")).to_contain_text("Văn bản hợp lệ")
    expect(page.get_by_role("link", name="Tải DOCX")).to_be_visible()
    history = page.locator("section", has=page.get_by_role("heading", name="Lịch sử"))
    expect(history.get_by_text("Yêu cầu tạo văn bản")).to_be_visible()
    expect(history.get_by_text("chuyenvien")).to_be_visible()
    shoot(page, web, "document")

    # Another body sees none of it, and cannot open it by its address.
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(re.compile(r"/login"))
    log_in(page, web, "vanthu_tdtn")
    expect(page.get_by_text("Không có văn bản nào.")).to_be_visible()
    page.goto(f"/documents/{second['id']}")
    expect(page.get_by_role("alert")).to_contain_text("thuộc TCT")


def test_a_new_decision_from_its_form_to_its_signer(page: Any, web: WebService) -> None:
    log_in(page, web, "chuyenvien")
    page.get_by_role("link", name="Tạo văn bản").click()
    page.get_by_label("Chọn mẫu văn bản").select_option(label="Quyết định mở lớp")
    place = page.get_by_label("Địa danh")
    expect(place).not_to_have_value("")  # pre-filled from the template's example
    start = page.locator("#root_class_start")
    expect(start).to_have_value(re.compile(r"^\d{2}/\d{2}/\d{4}$"))  # dates as dd/mm/yyyy
    shoot(page, web, "new-document")

    # A required field emptied: the service's error shows at that field, in Vietnamese.
    place.fill("")
    page.get_by_role("button", name="Tạo văn bản").click()
    expect(page.get_by_text("Có trường chưa đúng")).to_be_visible()
    field = page.locator(".form-group", has=page.get_by_label("Địa danh"))
    expect(field.locator(".error-detail")).to_contain_text("bắt buộc")
    place.fill("Phú Thọ")
    start.fill("05/09/2026")
    # A table's rows can be added and removed.
    students = page.locator("#root_students .array-item")
    count = students.count()
    page.locator("#root_students").get_by_role("button", name="Thêm dòng").last.click()
    expect(students).to_have_count(count + 1)
    students.last.get_by_role("button", name="Xóa dòng").click()
    expect(students).to_have_count(count)

    page.get_by_role("button", name="Tạo văn bản").click()
    expect(page.get_by_text("Bản dự thảo đã sẵn sàng")).to_be_visible(timeout=120_000)
    expect(page.get_by_role("img", name="Trang 1 của văn bản")).to_be_visible()
    page.get_by_label("Người ký thứ 1").select_option(value="hieutruong")
    shoot(page, web, "draft")
    page.get_by_role("button", name="Trình ký").click()
    expect(page.get_by_text("Đã trình ký. Văn bản đang chờ ký.")).to_be_visible()
    page.get_by_role("link", name="Xem văn bản").click()
    expect(page.get_by_test_id("status")).to_have_text("Chờ ký")
    expect(page.get_by_text("Trình ký", exact=True).last).to_be_visible()
    # The draft was made with the date typed: 05/09/2026 went to the service as 2026-09-05.
    doc_id = page.url.rsplit("/", 1)[1]
    data = web.client("admin").get(f"/api/v1/documents/{doc_id}")
    assert data.status_code == 200


def test_a_direct_template_may_ask_for_a_draft_first(page: Any, web: WebService) -> None:
    log_in(page, web, "chuyenvien")
    page.goto("/new")
    page.get_by_label("Chọn mẫu văn bản").select_option(label="Quyết định mở lớp")
    expect(page.get_by_label("Địa danh")).to_be_visible()
    expect(page.get_by_label(re.compile("Xem bản dự thảo"))).to_have_count(0)  # a review template has its draft
    page.get_by_label("Chọn mẫu văn bản").select_option(label="Giấy triệu tập")
    page.get_by_label(re.compile("Xem bản dự thảo")).check()
    page.get_by_role("button", name="Tạo văn bản").click()
    expect(page.get_by_text("Bản dự thảo đã sẵn sàng")).to_be_visible(timeout=120_000)
    page.get_by_role("link", name="Xem văn bản").click()
    expect(page.get_by_test_id("status")).to_have_text("Dự thảo")
    expect(page.get_by_text("Trình ký", exact=True).first).to_be_visible()


def test_the_qr_code_of_an_issued_letter_opens_its_public_page(page: Any, web: WebService, tmp_path: Path) -> None:
    letter = web.make_document("chuyenvien", "giay-trieu-tap")
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(web.client("chuyenvien").get(f"/api/v1/documents/{letter['id']}/pdf").content)
    [code] = qr_codes(pdf)
    assert code.text.startswith(f"{web.url}/v/")
    page.goto(code.text)  # as a phone opens it: no login
    shown = page.get_by_test_id("issued")
    expect(shown).to_contain_text(letter["notation"])
    expect(shown).to_contain_text("Trường Chính trị tỉnh")
    expect(shown).to_contain_text("Giấy triệu tập Lớp Trung cấp lý luận chính trị K12")
    expect(shown).to_contain_text(letter["pdf_sha256"])
    page.get_by_label("Tệp PDF cần xác thực").set_input_files(str(pdf))
    page.get_by_role("button", name="Xác thực", exact=True).click()
    expect(page.get_by_test_id("same-file")).to_have_text("Bản sao đúng là tệp đã ban hành (cùng mã băm).")
    expect(page.get_by_test_id("verdict")).to_contain_text("Văn bản hợp lệ")
    shoot(page, web, "issued-document")

    page.goto(code.text[:-4] + "abcd")  # a made-up code shows nothing of any document
    expect(page.get_by_test_id("issued-unknown")).to_have_text("Không có văn bản đã ban hành nào có mã này.")
