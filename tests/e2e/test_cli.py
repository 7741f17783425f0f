"""The `vanban` command as a user runs it."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.config import PROJECT_ROOT
from tests.backends import ServiceProcesses, wait_job
from tests.pdftools import check_pdf, pdf_text

pytestmark = pytest.mark.slow


def vanban(*args: str, data_dir: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    variables = {**os.environ, "VANBAN_DATA_DIR": str(data_dir), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args], capture_output=True, text=True, env=variables, cwd=PROJECT_ROOT
    )


def started(*args: str, env: dict[str, str], **options: Any) -> subprocess.Popen[str]:
    """``vanban ARGS`` started, not waited for."""
    return subprocess.Popen([sys.executable, "-m", "service.cli", *args], env=env, cwd=PROJECT_ROOT, **options)


def test_templates_list_and_example(tmp_path: Path) -> None:
    listed = vanban("templates", "list", data_dir=tmp_path)
    assert listed.returncode == 0 and "giay-trieu-tap\tGiấy triệu tập" in listed.stdout
    example = vanban("templates", "example", "giay-trieu-tap", data_dir=tmp_path)
    assert json.loads(example.stdout)["student"]["full_name"] == "Nguyễn Thị Hồng Nhung"
    missing = vanban("templates", "example", "khong-co", data_dir=tmp_path)
    assert missing.returncode == 1 and "Không có mẫu văn bản" in missing.stderr


def test_render_signed_and_draft(tmp_path: Path) -> None:
    payload = tmp_path / "data.json"
    payload.write_text(vanban("templates", "example", "giay-trieu-tap", data_dir=tmp_path).stdout, encoding="utf-8")

    signed = vanban("render", "giay-trieu-tap", str(payload), "-o", str(tmp_path / "signed.pdf"), data_dir=tmp_path)
    assert signed.returncode == 0, signed.stderr
    assert "issued 01/GTT-TCT" in signed.stderr
    assert "1 signature(s)" in check_pdf(tmp_path / "signed.pdf")
    assert "Số: 01/GTT-TCT" in pdf_text(tmp_path / "signed.pdf")

    draft = vanban(
        "render", "giay-trieu-tap", str(payload), "-o", str(tmp_path / "draft.pdf"), "--no-sign", data_dir=tmp_path
    )
    assert draft.returncode == 0, draft.stderr
    text = pdf_text(tmp_path / "draft.pdf")
    assert "Số: .../GTT-TCT" in text and "Nguyễn Thị Hồng Nhung" in text
    fonts = subprocess.run(["pdffonts", str(tmp_path / "draft.pdf")], capture_output=True, text=True).stdout
    assert "LiberationSerif" in fonts

    bad = json.loads(payload.read_text(encoding="utf-8"))
    bad["student"]["date_of_birth"] = "12/03/1988"
    payload.write_text(json.dumps(bad), encoding="utf-8")
    refused = vanban("render", "giay-trieu-tap", str(payload), "-o", str(tmp_path / "x.pdf"), data_dir=tmp_path)
    assert refused.returncode == 1 and "student.date_of_birth" in refused.stderr
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize(
    "template_id", ["quyet-dinh-mo-lop", "cong-van-chieu-sinh", "bao-cao-ket-qua", "ke-hoach", "quy-che-phoi-hop"]
)
def test_render_every_document_type(template_id: str, tmp_path: Path) -> None:
    payload = tmp_path / "data.json"
    example = vanban("templates", "example", template_id, data_dir=tmp_path)
    assert example.returncode == 0, example.stderr
    payload.write_text(example.stdout, encoding="utf-8")
    out = tmp_path / f"{template_id}.pdf"
    signed = vanban("render", template_id, str(payload), "-o", str(out), data_dir=tmp_path)
    assert signed.returncode == 0, signed.stderr
    assert "1 signature(s)" in check_pdf(out)


def test_batch_command_writes_letters_merged_pdf_and_report(tmp_path: Path) -> None:
    example = json.loads(vanban("templates", "example", "giay-trieu-tap", "--batch", data_dir=tmp_path).stdout)
    assert set(example) == {"batch", "rows"} and "student" not in example["batch"]
    (tmp_path / "class.json").write_text(json.dumps(example["batch"]), encoding="utf-8")
    rows = "".join(f"{i};Học Viên Số {i:02d};0{1 + i % 9}/03/1990;Xã {i}\n" for i in range(1, 6))
    csv = "\ufeffSTT;Họ và tên;Ngày sinh;Đơn vị công tác\n" + rows + "6;Người Lỗi;ngày mai;Xã 6\n"
    (tmp_path / "lop.csv").write_text(csv, encoding="utf-8")
    args = ["batch", "giay-trieu-tap", str(tmp_path / "lop.csv"), "--data", str(tmp_path / "class.json")]

    rejected = vanban(*args, "-o", str(tmp_path / "rejected"), data_dir=tmp_path)
    assert rejected.returncode == 1 and "dòng/row 7" in rejected.stderr
    assert json.loads((tmp_path / "rejected" / "report.json").read_text())["problems"][0]["column"] == "Ngày sinh"

    done = vanban(*args, "-o", str(tmp_path / "out"), "--on-error", "skip", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    letters = sorted((tmp_path / "out").glob("0*.pdf"))
    assert [p.name for p in letters][:2] == ["01-hoc-vien-so-01.pdf", "02-hoc-vien-so-02.pdf"] and len(letters) == 5
    assert check_pdf(letters[0]) and (tmp_path / "out" / "merged.pdf").exists()
    report = json.loads((tmp_path / "out" / "report.json").read_text())  # what the API's archive.zip holds
    assert report["status"] == "succeeded" and report["progress"] == {"done": 5, "total": 5}
    assert report["report"]["valid"] == 5 and report["report"]["problems"][0]["row"] == 7
    assert [d["notation"] for d in report["documents"]][:2] == ["01/GTT-TCT", "02/GTT-TCT"]


CLASS_CSV = "\ufeffSTT;Họ và tên;Ngày sinh;Giới tính;Đơn vị công tác\n" + "".join(
    f"{i};Học Viên Số {i:02d};0{1 + i % 9}/03/1990;{'Nữ' if i % 2 else 'Nam'};Xã {i}\n" for i in range(1, 6)
)


def api_batch(c: httpx.Client, batch_part: dict[str, Any]) -> str:
    """``CLASS_CSV``'s call-up letters through ``POST /api/v1/batches``, made: the batch's id."""
    asked = c.post(
        "/api/v1/batches",
        data={"template": "giay-trieu-tap", "data": json.dumps(batch_part)},
        files={"file": ("lop.csv", CLASS_CSV.encode())},
    )
    assert asked.status_code == 202, asked.text
    assert wait_job(c, asked.json()["job_id"])["status"] == "succeeded"
    return str(asked.json()["id"])


def _letters(folder: Path) -> dict[str, str]:
    """The letters in ``folder`` by the name after their number, each checked (qpdf, A4, fonts, pdfsig valid),
    with their text, the number line blanked."""
    letters = {}
    for path in sorted(folder.glob("[0-9]*.pdf")):
        check_pdf(path)
        text = re.sub(r"Số: \d+/GTT-TCT", "Số: ?/GTT-TCT", pdf_text(path))
        letters[path.name.split("-", 1)[1]] = text
    return letters


@pytest.mark.parametrize("service", ["embedded"], indirect=True)
def test_vanban_batch_makes_the_letters_the_api_makes(service: ServiceProcesses, tmp_path: Path) -> None:
    """One class list through ``POST /api/v1/batches`` and through ``vanban batch`` on the same service's data: the
    same letters, signed (pdfsig: valid), numbered on in the same register; the command's batch is seen through the
    API as any other, and its report.json is what the API reports."""
    example = json.loads((PROJECT_ROOT / "templates_docx/giay-trieu-tap/example.json").read_text(encoding="utf-8"))
    batch_part = {k: v for k, v in example.items() if k != "student"}
    (tmp_path / "lop.csv").write_text(CLASS_CSV, encoding="utf-8")
    (tmp_path / "class.json").write_text(json.dumps(batch_part), encoding="utf-8")
    with service.client() as c:
        batch_id = api_batch(c, batch_part)
        through_api = c.get(f"/api/v1/batches/{batch_id}").json()
        zipped = c.get(f"/api/v1/batches/{batch_id}/archive.zip")
        zipfile.ZipFile(io.BytesIO(zipped.content)).extractall(tmp_path / "api")

    args = ["batch", "giay-trieu-tap", str(tmp_path / "lop.csv"), "--data", str(tmp_path / "class.json")]
    made = vanban(*args, "-o", str(tmp_path / "cli"), data_dir=service.data_dir, env=service.env)
    assert made.returncode == 0, made.stderr
    report = json.loads((tmp_path / "cli" / "report.json").read_text(encoding="utf-8"))
    api_numbers = [d["number"] for d in through_api["documents"]]
    cli_numbers = [d["number"] for d in report["documents"]]
    assert cli_numbers == list(range(cli_numbers[0], cli_numbers[0] + 5)) and cli_numbers[0] > api_numbers[-1]
    assert [d["status"] for d in report["documents"]] == ["issued"] * 5

    from_api, from_cli = _letters(tmp_path / "api"), _letters(tmp_path / "cli")
    assert len(from_cli) == 5 and from_cli == from_api  # same names, same text but for the number
    for d in report["documents"]:
        assert f"Số: {d['notation']}" in pdf_text(next((tmp_path / "cli").glob(f"{d['number']:02d}-*.pdf")))
    with service.client() as c:
        assert c.get(f"/api/v1/batches/{report['id']}").json() == report


ISSUED = "SELECT count(*) FROM documents WHERE status = 'issued'"


def count(data_dir: Path, sql: str) -> int:
    with sqlite3.connect(data_dir / "vanban.sqlite") as db:
        return int(db.execute(sql).fetchone()[0])


def batch_under_way(tmp_path: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """``vanban batch`` of 60 letters, 5 a chunk, once its first letters are issued; and its settings."""
    rows = "".join(f"{i};Học Viên {i:03d};0{1 + i % 9}/03/1990;Xã {i}\n" for i in range(1, 61))
    (tmp_path / "lop.csv").write_text("STT;Họ và tên;Ngày sinh;Đơn vị công tác\n" + rows, encoding="utf-8")
    example = json.loads(vanban("templates", "example", "giay-trieu-tap", "--batch", data_dir=tmp_path).stdout)
    (tmp_path / "class.json").write_text(json.dumps(example["batch"]), encoding="utf-8")
    env = {**os.environ, "VANBAN_DATA_DIR": str(tmp_path), "VANBAN_BATCH_CHUNK_SIZE": "5"}
    args = ["batch", "giay-trieu-tap", str(tmp_path / "lop.csv"), "--data", str(tmp_path / "class.json")]
    command = started(*args, "-o", str(tmp_path / "out"), env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while count(tmp_path, ISSUED) == 0:
        assert command.poll() is None and time.monotonic() < deadline, "no letter issued"
        time.sleep(0.1)
    return command, env


def test_libreoffice_killed_mid_batch_comes_back_and_every_letter_is_issued(tmp_path: Path) -> None:
    """kill -9 of the command's LibreOffices (one per core) in the middle: restarted, as a worker node restarts its
    own; the conversions that were running wait for them; every letter is issued once and written, exit 0."""
    from tests.e2e.test_crashes import name_of, tree

    command, _ = batch_under_way(tmp_path)
    offices = [pid for pid in tree([command.pid]) if name_of(pid) == "soffice.bin"]
    assert offices
    for office in offices:
        os.kill(office, signal.SIGKILL)
    _, stderr = command.communicate(timeout=600)
    assert command.returncode == 0, stderr
    assert count(tmp_path, ISSUED) == 60 and len(list((tmp_path / "out").glob("[0-9]*.pdf"))) == 60
    assert count(tmp_path, "SELECT count(DISTINCT number) FROM documents") == 60
    assert [pid for pid in tree([command.pid]) if name_of(pid) == "soffice.bin"] == []


def test_ctrl_c_finishes_the_chunks_in_hand_and_leaves_the_rest_to_the_workers(tmp_path: Path) -> None:
    """Ctrl-C in the middle of ``vanban batch``: the chunks in hand are issued and written, the command exits 130,
    the rest goes to the queue; a worker started afterwards issues every letter whose number was reserved, once."""
    command, env = batch_under_way(tmp_path)
    command.send_signal(signal.SIGINT)
    _, stderr = command.communicate(timeout=240)
    assert command.returncode == 130, stderr
    written = sorted((tmp_path / "out").glob("[0-9]*.pdf"))
    assert 0 < len(written) == count(tmp_path, ISSUED) < 60, stderr  # what was in hand is finished, no more
    assert "vanban worker" in stderr and "Traceback" not in stderr

    worker = started("worker", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while count(tmp_path, "SELECT count(*) FROM jobs WHERE status = 'succeeded'") == 0:
            assert worker.poll() is None and time.monotonic() < deadline, "the workers did not finish the batch"
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)
    assert count(tmp_path, ISSUED) == 60
    assert count(tmp_path, "SELECT count(DISTINCT number) FROM documents") == 60
    assert count(tmp_path, "SELECT count(DISTINCT pdf_sha256) FROM documents WHERE pdf_sha256 IS NOT NULL") == 60


def test_a_batch_whose_libreoffice_cannot_start_is_left_to_the_workers_and_exits_1(tmp_path: Path) -> None:
    """LibreOffice does not start: the numbers are reserved already, so the work goes to the queue (a worker issues
    it later), the command says so and why, and exits 1; no letter, and no traceback."""
    (tmp_path / "lop.csv").write_text(CLASS_CSV, encoding="utf-8")
    example = json.loads(vanban("templates", "example", "giay-trieu-tap", "--batch", data_dir=tmp_path).stdout)
    (tmp_path / "class.json").write_text(json.dumps(example["batch"]), encoding="utf-8")
    args = ["batch", "giay-trieu-tap", str(tmp_path / "lop.csv"), "--data", str(tmp_path / "class.json")]
    env = {"VANBAN_CONVERTER_PYTHON": str(tmp_path / "no-python"), "VANBAN_BATCH_CHUNK_SIZE": "2"}
    done = vanban(*args, "-o", str(tmp_path / "out"), data_dir=tmp_path, env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "no-python" in done.stderr and "3 piece(s) of work not done were sent to the queue" in done.stderr
    assert not list((tmp_path / "out").glob("*.pdf"))
    with sqlite3.connect(tmp_path / "vanban.sqlite") as db:
        statuses = db.execute("SELECT status, count(*) FROM documents GROUP BY status").fetchall()
    assert statuses == [("numbered", 5)]


def test_first_admin_and_audit_verify(tmp_path: Path) -> None:
    env = {**os.environ, "VANBAN_DATA_DIR": str(tmp_path)}

    def run(*args: str, answer: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "service.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=PROJECT_ROOT,
            input=answer,
        )

    created = run(
        "users",
        "create",
        "quantri",
        "--organisation",
        "TCT",
        "--role",
        "admin",
        "--api-key",
        answer="mat-khau-1\nmat-khau-1\n",
    )
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip().splitlines()[-1].split(":")[-1].startswith("vbk_")  # the key, after the prompts
    assert "mat-khau-1" not in created.stdout + created.stderr
    again = run(
        "users", "create", "quantri", "--organisation", "TCT", "--role", "admin", answer="mat-khau-1\nmat-khau-1\n"
    )
    assert again.returncode == 1 and "username" in again.stderr
    assert (
        run("users", "create", "x", "--organisation", "TCT", "--role", "boss", answer="12345678\n12345678\n").returncode
        == 1
    )
    # A signer's certificate, recorded for two-step and remote signing; a file that holds none is refused.
    from tests import forgeries

    (tmp_path / "not-a-cert.pem").write_text("hello")
    _, cert, _ = forgeries.self_signed("Trần Văn Bình")
    (tmp_path / "signer.pem").write_text(forgeries.pem(cert))
    signer = ("users", "create", "pht", "--organisation", "TCT", "--role", "signer", "--certificate")
    bad = run(*signer, str(tmp_path / "not-a-cert.pem"), answer="mat-khau-2\nmat-khau-2\n")
    assert bad.returncode == 1 and "credential.certificate" in bad.stderr
    good = run(*signer, str(tmp_path / "signer.pem"), answer="mat-khau-2\nmat-khau-2\n")
    assert good.returncode == 0, good.stderr
    with sqlite3.connect(tmp_path / "vanban.sqlite") as db:
        (credential,) = db.execute("SELECT credential FROM users WHERE username = 'pht'").fetchone()
    assert "BEGIN CERTIFICATE" in credential

    intact = run("audit", "verify")
    assert intact.returncode == 0 and "intact" in intact.stderr
    with sqlite3.connect(tmp_path / "vanban.sqlite") as db:
        db.execute("UPDATE audit_log SET actor = 'ai-do' WHERE seq = 1")
    broken = run("audit", "verify")
    assert broken.returncode == 1 and "entry 1 was changed" in broken.stderr


def test_pki_demo_sign_every_appearance_and_verify(letter_pdf: bytes, tmp_path: Path) -> None:
    pki = tmp_path / "pki"
    made = vanban("pki", "demo", str(pki), data_dir=tmp_path)
    assert made.returncode == 0, made.stderr
    assert {"ca.pem", "leader.p12", "org.p12", "signature.png", "seal.png"} <= {
        Path(p).name for p in made.stdout.split()
    }
    (tmp_path / "letter.pdf").write_bytes(letter_pdf)

    def sign(source: str, out: str, key: str, level: str, appearance: str, *extra: str) -> Path:
        done = vanban(
            "sign", str(tmp_path / source), "-o", str(tmp_path / out), "--key", str(pki / key), "--password", "demo",
            "--level", level, "--appearance", appearance, "--pki", str(pki), *extra, data_dir=tmp_path,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return tmp_path / out

    def verify(path: Path) -> dict[str, Any]:
        args = ["verify", "--json", "--trust", str(pki / "ca.pem"), "--crl", str(pki / "ca.crl"), str(path)]
        checked = vanban(*args, data_dir=tmp_path)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        report: dict[str, Any] = json.loads(checked.stdout)
        return report

    sign("letter.pdf", "leader.pdf", "leader.p12", "B-T", "leader", "--certify")
    both = sign("leader.pdf", "both.pdf", "org.p12", "B-LT", "organisation")
    assert "2 signature(s)" in check_pdf(both)
    report = verify(both)
    levels = [s["level"] for s in report["signatures"]]
    assert levels == ["B-LT", "B-LT"], report  # the CA's CRL in the DSS tells about both certificates

    copy = sign(
        "letter.pdf", "copy.pdf", "org.p12", "B-B", "info-line", "--text", "05/GTT-TCT | 2026-02-04T08:00:00+07:00"
    )
    assert "1 signature(s)" in check_pdf(copy) and "05/GTT-TCT | 2026-02-04T08:00:00+07:00" in pdf_text(copy)
    archived = sign("letter.pdf", "lta.pdf", "org.p12", "B-LTA", "invisible")
    assert [s["level"] for s in verify(archived)["signatures"]] == ["B-LTA", "document timestamp"]

    certified = vanban(
        "sign", str(tmp_path / "leader.pdf"), "-o", str(tmp_path / "x.pdf"), "--key", str(pki / "org.p12"),
        "--password", "demo", "--appearance", "info-line", "--pki", str(pki), data_dir=tmp_path,
    )  # fmt: skip
    assert certified.returncode == 1 and "certified" in certified.stdout + certified.stderr

    wrong = vanban(
        "sign", str(tmp_path / "letter.pdf"), "-o", str(tmp_path / "x.pdf"), "--key", str(pki / "org.p12"),
        "--password", "sai-mat-khau", "--pki", str(pki), data_dir=tmp_path,
    )  # fmt: skip
    assert wrong.returncode == 1 and "Không ký được" in wrong.stdout + wrong.stderr
    assert "sai-mat-khau" not in wrong.stdout + wrong.stderr and not (tmp_path / "x.pdf").exists()


def test_verify_reports_on_stdout_judges_revocation_from_the_file_and_never_shows_a_traceback(
    letter_pdf: bytes, tmp_path: Path
) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from tests.signing.revocation import blank_pdf

    pki, other = tmp_path / "pki", tmp_path / "other"
    for folder in (pki, other):
        assert vanban("pki", "demo", str(folder), data_dir=tmp_path).returncode == 0
    (tmp_path / "letter.pdf").write_bytes(letter_pdf)
    for level in ("B-B", "B-LT"):
        signed = vanban(
            "sign", str(tmp_path / "letter.pdf"), "-o", str(tmp_path / f"{level}.pdf"), "--key", str(pki / "org.p12"),
            "--password", "demo", "--level", level, "--pki", str(pki), data_dir=tmp_path,
        )  # fmt: skip
        assert signed.returncode == 0, signed.stderr

    def verify(*args: str) -> subprocess.CompletedProcess[str]:
        done = vanban("verify", *args, data_dir=tmp_path)
        assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
        return done

    # B-LT, the CA as only trust: revocation good from the CRL inside the file; the report on stdout only
    lt = verify("--trust", str(pki / "ca.pem"), str(tmp_path / "B-LT.pdf"))
    assert lt.returncode == 0 and lt.stderr == "", lt.stderr
    assert "B-LT" in lt.stdout and "revocation good" in lt.stdout, lt.stdout
    # B-B with no CRL anywhere: nothing to judge revocation from
    bb = verify("--trust", str(pki / "ca.pem"), str(tmp_path / "B-B.pdf"))
    assert bb.returncode == 0 and "revocation not checked" in bb.stdout, bb.stdout + bb.stderr

    # untrusted: pyHanko logs a traceback per certificate, shown only with --debug
    untrusted = verify("--trust", str(other / "ca.pem"), str(tmp_path / "B-LT.pdf"))
    assert untrusted.returncode == 1 and "NOT OK" in untrusted.stdout and untrusted.stderr == "", untrusted.stderr
    debug = vanban("verify", "--debug", "--trust", str(other / "ca.pem"), str(tmp_path / "B-LT.pdf"), data_dir=tmp_path)
    assert debug.returncode == 1 and "Traceback" in debug.stderr

    # a CRL in PEM is read like DER; a bad CRL is named as the CRL
    crl = x509.load_der_x509_crl((pki / "ca.crl").read_bytes())
    (tmp_path / "ca-crl.pem").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    pem = verify("--trust", str(pki / "ca.pem"), "--crl", str(tmp_path / "ca-crl.pem"), str(tmp_path / "B-B.pdf"))
    assert pem.returncode == 0 and "revocation good" in pem.stdout, pem.stdout + pem.stderr
    (tmp_path / "junk.crl").write_bytes(b"-----BEGIN X509 CRL-----\nbm90IGEgQ1JM\n-----END X509 CRL-----\n")
    junk = verify("--trust", str(pki / "ca.pem"), "--crl", str(tmp_path / "junk.crl"), str(tmp_path / "B-B.pdf"))
    assert junk.returncode == 2 and f"cannot read CRL {tmp_path / 'junk.crl'}" in junk.stderr, junk.stderr
    assert "trust anchor" not in junk.stderr

    # files that cannot be verified: one line naming the file and why, exit 2, nothing on stdout
    plain = blank_pdf()
    (tmp_path / "plain.pdf").write_bytes(plain)
    encrypted = tmp_path / "encrypted.pdf"
    subprocess.run(
        ["qpdf", "--encrypt", "u", "o", "256", "--", str(tmp_path / "plain.pdf"), str(encrypted)], check=True
    )
    hostile = {
        "garbage.pdf": (bytes(range(256)) * 20, "not a readable PDF"),
        "empty.pdf": (b"", "not a readable PDF"),
        "truncated.pdf": (plain[: len(plain) // 2], "not a readable PDF"),
        "plain.pdf": (plain, "holds no signature"),
        "encrypted.pdf": (encrypted.read_bytes(), "encrypted"),
    }
    for name, (data, why) in hostile.items():
        (tmp_path / name).write_bytes(data)
        for extra in ([], ["--json"]):
            done = verify(*extra, "--trust", str(pki / "ca.pem"), str(tmp_path / name))
            assert done.returncode == 2 and done.stdout == "", (name, done.stdout, done.stderr)
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1 and str(tmp_path / name) in lines[0] and why in lines[0], (name, done.stderr)


def test_a_draft_and_its_issued_document_made_at_01_07_in_vietnam_carry_the_same_date(tmp_path: Path) -> None:
    """At 01:07 on 25 November in Vietnam (18:07 UTC on the 24th) the draft and the issued letter are both dated
    the 25th: one clock, Vietnam's date, whatever the server's time zone."""
    payload = tmp_path / "data.json"
    payload.write_text(vanban("templates", "example", "giay-trieu-tap", data_dir=tmp_path).stdout, encoding="utf-8")
    at = {"VANBAN_CLOCK_START": "2026-11-24T18:07:00+00:00"}
    draft = vanban(
        "render",
        "giay-trieu-tap",
        str(payload),
        "-o",
        str(tmp_path / "draft.pdf"),
        "--no-sign",
        data_dir=tmp_path,
        env=at,
    )
    assert draft.returncode == 0, draft.stderr
    signed = vanban("render", "giay-trieu-tap", str(payload), "-o", str(tmp_path / "s.pdf"), data_dir=tmp_path, env=at)
    assert signed.returncode == 0, signed.stderr
    for name in ("draft.pdf", "s.pdf"):
        text = " ".join(pdf_text(tmp_path / name).split())
        assert "ngày 25 tháng 11 năm 2026" in text, (name, text)
        assert "ngày 24 tháng 11" not in text
