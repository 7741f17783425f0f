"""The office's pages in Debian's chromium: the leader's signing inbox (a wrong PIN refused, two documents signed
with one PIN, one sent back with a reason, two signed with a USB token through ``vanban sign-agent`` on SoftHSM2),
the clerk's desk (issuing, the register and its spreadsheet) and finding issued documents without accents.
Screenshots of each page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook
from playwright.sync_api import expect

from signing.keys import read_pkcs12
from tests.backends import free_port
from tests.signing.agent_process import AgentProcess
from tests.signing.softhsm import PIN as TOKEN_PIN
from tests.signing.softhsm import add_token, softhsm_environment
from tests.web.conftest import PIN, WebService, log_in, shoot

AGENT_PORT = free_port()
SERVICE_SETTINGS = {"VANBAN_SIGN_AGENT_URL": f"http://127.0.0.1:{AGENT_PORT}"}
LEADER = "hieutruong"


def _submitted(web: WebService, template: str, **changes: Any) -> str:
    """A document the requester made and sent to the leader: it waits in the leader's inbox."""
    doc = web.make_document("chuyenvien", template, **changes)
    r = web.client("chuyenvien").post(f"/api/v1/documents/{doc['id']}:submit", json={"signers": [LEADER]})
    assert r.status_code == 200, r.text
    return str(doc["id"])


def _status(web: WebService, doc_id: str) -> str:
    return str(web.client("admin").get(f"/api/v1/documents/{doc_id}").json()["status"])


def test_the_leader_signs_two_documents_with_one_pin(page: Any, web: WebService) -> None:
    docs = [_submitted(web, "quyet-dinh-mo-lop"), _submitted(web, "ke-hoach")]
    log_in(page, web, LEADER)
    page.get_by_role("link", name="Hộp ký").click()
    expect(page.get_by_role("heading", name="Văn bản chờ tôi ký")).to_be_visible()
    rows = page.get_by_test_id("inbox-row")
    expect(rows).to_have_count(2)
    # Each says what it is about (as the register will), and can be read before signing.
    for waiting in web.client(LEADER).get("/api/v1/inbox").json():
        assert waiting["subject"].startswith(("Quyết định mở lớp ", "Kế hoạch ")), waiting
        expect(page.get_by_role("link", name=waiting["subject"])).to_be_visible()
    rows.first.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("img", name="Trang 1 của văn bản")).to_be_visible()
    rows.first.get_by_role("button", name="Ẩn").click()
    page.get_by_role("checkbox", name="Chọn tất cả").check()
    expect(page.get_by_text("Đã chọn 2 văn bản")).to_be_visible()
    shoot(page, web, "inbox")

    # A wrong PIN: refused in Vietnamese, nothing signed, the PIN field emptied (never kept).
    page.get_by_label("Mã PIN (mật khẩu khóa ký)").fill("sai-ma-pin")
    page.get_by_role("button", name="Ký 2 văn bản", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Không mở được khóa ký: sai mã PIN")
    expect(page.get_by_label("Mã PIN (mật khẩu khóa ký)")).to_have_value("")
    assert {_status(web, d) for d in docs} == {"submitted"}

    page.get_by_label("Mã PIN (mật khẩu khóa ký)").fill(PIN)
    page.get_by_role("button", name="Ký 2 văn bản", exact=True).click()
    expect(page.get_by_text("Đã ký 2 văn bản.")).to_be_visible(timeout=120_000)
    expect(page.get_by_text("Không có văn bản nào chờ ký.")).to_be_visible()
    assert {_status(web, d) for d in docs} == {"signed"}
    stored = page.evaluate("() => JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})")
    assert PIN not in stored


def test_the_leader_rejects_with_a_reason_and_a_requester_has_no_inbox(page: Any, web: WebService) -> None:
    doc_id = _submitted(web, "ke-hoach")
    log_in(page, web, LEADER)
    page.goto("/inbox")
    row = page.get_by_test_id("inbox-row")
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Trả lại").click()
    page.get_by_label("Lý do trả lại").fill("Sửa lại thời gian tổ chức")
    page.get_by_role("button", name="Trả lại văn bản này").click()
    expect(page.get_by_text("Đã trả lại văn bản cho người soạn.")).to_be_visible()
    expect(page.get_by_text("Không có văn bản nào chờ ký.")).to_be_visible()
    doc = web.client("chuyenvien").get(f"/api/v1/documents/{doc_id}").json()
    assert doc["status"] == "rejected" and doc["rejection"]["reason"] == "Sửa lại thời gian tổ chức", doc

    # A requester has no inbox in the menu, and the API refuses theirs, said in Vietnamese.
    page.get_by_role("button", name="Đăng xuất").click()
    log_in(page, web, "chuyenvien")
    expect(page.get_by_role("link", name="Hộp ký")).to_have_count(0)
    page.goto("/inbox")
    expect(page.get_by_role("alert")).to_contain_text("Việc này cần vai trò lãnh đạo")


def test_the_leader_signs_with_a_usb_token_through_the_agent(page: Any, web: WebService, tmp_path: Path) -> None:
    # The leader's token holds the key of the certificate recorded for them (the demo PKI's leader).
    key, cert, chain = read_pkcs12(web.service.data_dir / "pki" / "leader.p12", PIN)
    env = softhsm_environment(tmp_path / "softhsm")
    add_token(env, "vanban", key, cert, chain)
    docs = [_submitted(web, "quyet-dinh-mo-lop"), _submitted(web, "ke-hoach")]
    log_in(page, web, LEADER)
    page.goto("/inbox")
    expect(page.get_by_test_id("inbox-row")).to_have_count(2)
    page.get_by_role("checkbox", name="Chọn tất cả").check()

    # No agent running yet: the page says where it looked and what to do.
    page.get_by_role("button", name="Ký 2 văn bản bằng USB token").click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"Không kết nối được chương trình ký tại http://127.0.0.1:{AGENT_PORT}"
    )

    # The agent the leader runs, the PIN typed into it (here on its stdin), never into the page.
    agent = AgentProcess(env, TOKEN_PIN, "--port", str(AGENT_PORT), "--origin", web.url)
    try:
        agent.wait_for(f"http://127.0.0.1:{AGENT_PORT}")
        page.get_by_role("button", name="Ký 2 văn bản bằng USB token").click()
        agent.wait_for("Sign 2 document(s)?")
        expect(page.get_by_text("Hãy xác nhận trên cửa sổ của chương trình ký")).to_be_visible()
        shoot(page, web, "inbox-token")
        agent.answer("c")
        expect(page.get_by_text("Đã ký 2 văn bản.")).to_be_visible(timeout=120_000)
    finally:
        agent.stop()
    assert {_status(web, d) for d in docs} == {"signed"}
    signed = web.client("admin").get(f"/api/v1/documents/{docs[0]}/signatures").json()
    assert signed["ok"] and signed["signatures"][0]["signer"] == "Nguyễn Văn An (DEMO)", signed


def test_the_clerk_issues_and_keeps_the_register(page: Any, web: WebService, tmp_path: Path) -> None:
    docs = [_submitted(web, "quyet-dinh-mo-lop"), _submitted(web, "ke-hoach")]
    signed = web.client(LEADER).post("/api/v1/inbox:sign", json={"document_ids": docs, "pin": PIN})
    assert signed.status_code == 200, signed.text

    # A requester may not keep the register: refused at the register, in Vietnamese.
    log_in(page, web, "chuyenvien")
    expect(page.get_by_role("link", name="Văn thư")).to_have_count(0)
    page.goto("/clerk")
    expect(page.get_by_role("alert")).to_contain_text("Việc này cần vai trò")
    page.get_by_role("button", name="Đăng xuất").click()

    log_in(page, web, "vanthu")
    page.get_by_role("link", name="Văn thư").click()
    expect(page.get_by_role("heading", name="Văn bản đã ký, chờ ban hành")).to_be_visible()
    waiting = web.client("vanthu").get("/api/v1/documents", params={"status": "signed", "page_size": 100}).json()
    expect(page.get_by_test_id("waiting-row")).to_have_count(waiting["total"])  # with those other tests left
    for doc_id in docs:
        page.locator(f"tr:has(a[href='/documents/{doc_id}'])").get_by_role("checkbox").check()
    page.get_by_role("button", name="Ban hành 2 văn bản").click()
    expect(page.get_by_text("Đã ban hành 2 văn bản.")).to_be_visible(timeout=120_000)
    issued = [web.client("vanthu").get(f"/api/v1/documents/{d}").json() for d in docs]
    assert {d["status"] for d in issued} == {"issued"}
    register = page.get_by_test_id("register")
    for d in issued:
        expect(register.get_by_role("link", name=d["notation"])).to_be_visible()
        day, month, year = d["issued_on"][8:10], d["issued_on"][5:7], d["issued_on"][:4]
        expect(register.get_by_text(f"{day}/{month}/{year}").first).to_be_visible()
    shoot(page, web, "clerk")

    with page.expect_download() as download:
        page.get_by_role("link", name="Tải sổ (XLSX)").click()
    xlsx = tmp_path / "register.xlsx"
    download.value.save_as(xlsx)
    cells = {str(c.value) for row in load_workbook(xlsx).active.iter_rows() for c in row}
    assert {d["notation"] for d in issued} <= cells, cells


def test_finding_issued_documents_without_accents(page: Any, web: WebService) -> None:
    example = web.client("chuyenvien").get("/api/v1/templates/giay-trieu-tap").json()["example"]
    bao = web.make_document(
        "chuyenvien", "giay-trieu-tap", student=example["student"] | {"full_name": "Nguyễn Văn Bảo"}
    )
    web.make_document("chuyenvien", "giay-trieu-tap", student=example["student"] | {"full_name": "Nguyễn Văn Bào"})
    log_in(page, web, "vanthu")
    page.get_by_role("link", name="Tra cứu").click()
    expect(page.get_by_role("heading", name="Tra cứu văn bản đã ban hành")).to_be_visible()

    # Typed without accents: both Bảo and Bào are found; with them, only Bảo.
    page.get_by_label("Tên người hoặc nội dung").fill("nguyen van bao")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.get_by_text("Tìm thấy 2 văn bản")).to_be_visible()
    page.get_by_label("Tên người hoặc nội dung").fill("Nguyễn Văn Bảo")
    page.get_by_label("Loại văn bản").select_option(label="Giấy triệu tập")
    page.get_by_label("Ban hành từ ngày").fill(_dmy(bao["issued_on"]))
    page.get_by_label("Đến ngày").fill(_dmy(bao["issued_on"]))
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.get_by_text("Tìm thấy 1 văn bản")).to_be_visible()
    found = page.get_by_test_id("found")
    expect(found.get_by_role("link", name=bao["notation"])).to_be_visible()
    expect(found.get_by_text(_dmy(bao["issued_on"]))).to_be_visible()
    assert re.search(r"[?&]q=Nguy", page.url)  # the question stays in the address
    shoot(page, web, "find")

    # By number and notation without accents; a signer's name that signed none finds nothing.
    page.get_by_label("Tên người hoặc nội dung").fill("")
    page.get_by_label("Số, ký hiệu").fill(bao["notation"].lower().replace("đ", "d"))
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(found.get_by_role("link", name=bao["notation"])).to_be_visible()
    page.get_by_label("Người ký").fill("pham thi lan")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.get_by_text("Không tìm thấy văn bản nào.")).to_be_visible()

    # A period that ends before it starts: refused at the field, in Vietnamese.
    page.get_by_label("Người ký").fill("")
    page.get_by_label("Ban hành từ ngày").fill("02/01/2026")
    page.get_by_label("Đến ngày").fill("01/01/2026")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("ngày kết thúc trước ngày bắt đầu")
    # In English, the page and the service's message follow.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Find issued documents")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("the end of the period is before its start")
    page.get_by_role("button", name="Tiếng Việt").click()


def _dmy(iso: str) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"


def test_the_api_behind_the_pages(web: WebService) -> None:
    # The pages may call the leader's agent, and nothing else beyond the service.
    policy = httpx.get(f"{web.url}/inbox").headers["content-security-policy"]
    assert f"connect-src 'self' http://127.0.0.1:{AGENT_PORT};" in policy, policy
    method = web.client(LEADER).get("/api/v1/inbox/method")
    assert method.json() == {"credential": "pkcs12", "sign_agent_url": f"http://127.0.0.1:{AGENT_PORT}"}
    assert web.client("chuyenvien").get("/api/v1/inbox/method").status_code == 403

    letter = web.make_document("chuyenvien", "giay-trieu-tap")
    ours = web.client("vanthu").get("/api/v1/search", params={"notation": str(letter["number"])}).json()
    assert [d["id"] for d in ours["items"]] == [letter["id"]] and ours["total"] == 1, ours
    # Another body finds none of ours.
    theirs = web.client("vanthu_tdtn").get("/api/v1/search", params={"notation": letter["notation"]}).json()
    assert theirs == {"items": [], "total": 0}
    # By the leader who signed (typed without accents), not by one who did not.
    decision = _submitted(web, "quyet-dinh-mo-lop")
    assert web.client(LEADER).post("/api/v1/inbox:sign", json={"document_ids": [decision], "pin": PIN}).is_success
    assert web.client("vanthu").post(f"/api/v1/documents/{decision}:issue", json={}).is_success
    by_leader = web.client("vanthu").get("/api/v1/search", params={"signer": "nguyen van an"}).json()
    assert decision in {d["id"] for d in by_leader["items"]} and letter["id"] not in {
        d["id"] for d in by_leader["items"]
    }
    by_other = web.client("vanthu").get("/api/v1/search", params={"signer": "pham thi lan"}).json()
    assert by_other["total"] == 0, by_other
    backwards = web.client("vanthu").get(
        "/api/v1/search", params={"issued_from": "2026-02-02", "issued_to": "2026-02-01"}
    )
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["path"] == "issued_to", backwards.text
