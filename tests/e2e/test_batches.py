"""A real class list with awkward rows, through the API: checked before anything is numbered, then one signed,
numbered, archived letter per student, numbers contiguous in list order; the decision with the whole list."""

from __future__ import annotations

import io
import json
import re
import subprocess
import unicodedata
import zipfile
from datetime import date
from pathlib import Path

import httpx
import pytest
from openpyxl import Workbook

from service.config import PROJECT_ROOT
from service.domain.vietnamese import date_in_words
from tests.backends import ServiceProcesses, wait_job
from tests.e2e.records import check_issued_record
from tests.pdftools import pdf_text, problems_of_each

pytestmark = pytest.mark.slow
EXAMPLE = json.loads((PROJECT_ROOT / "templates_docx/giay-trieu-tap/example.json").read_text(encoding="utf-8"))
BATCH = {k: v for k, v in EXAMPLE.items() if k != "student"}
FAMILY, MIDDLE, GIVEN = ["Nguyễn", "Trần", "Lê", "Phạm", "Đỗ"], ["Văn", "Thị", "Đức"], ["An", "Ánh", "Ân", "Bình", "Út"]


def student(i: int) -> dict[str, str]:
    """Student ``i`` of the generated list, as the single-document API takes it."""
    return {
        "full_name": f"{FAMILY[i % 5]} {MIDDLE[i % 3]} {GIVEN[(i // 15) % 5]} {i:04d}",
        "date_of_birth": date(1975 + i % 25, 1 + i % 12, 1 + i % 28).isoformat(),
        "gender": "Nữ" if i % 2 else "Nam",
        "position": "Chuyên viên",
        "unit": f"Ủy ban nhân dân xã số {i % 40}",
    }


def class_list(n: int) -> tuple[bytes, dict[str, int]]:
    """``n`` good students plus the awkward rows of real lists; returns the XLSX and where the bad rows are."""
    book = Workbook()
    sheet = book.active
    sheet.append(["STT", "  họ VÀ tên ", "Ngày sinh", "Giới tính", "Chức vụ", "Đơn vị công tác", "Ghi chú"])
    bad: dict[str, int] = {}
    for i in range(n):
        name = f"{FAMILY[i % 5]} {MIDDLE[i % 3]} {GIVEN[(i // 15) % 5]} {i:04d}"
        if i == 1:
            name = unicodedata.normalize("NFD", name)  # keyboards and spreadsheets send NFD
        born = date(1975 + i % 25, 1 + i % 12, 1 + i % 28)
        sheet.append(
            [
                i + 1,
                name,
                born if i % 2 else born.strftime("%d/%m/%Y"),
                "Nữ" if i % 2 else "Nam",
                "Chuyên viên",
                f"Ủy ban nhân dân xã số {i % 40}",
                "lớp K12",
            ]
        )
        if i == 3:
            sheet.append([None] * 7)  # a blank line
        if i == 5:
            bad["duplicate"] = sheet.max_row + 1
            sheet.append([None, name, born, "Nam", "", f"Ủy ban nhân dân xã số {i % 40}", ""])
        if i == 7:
            bad["date"] = sheet.max_row + 1
            sheet.append([None, "Hoàng Văn Lỗi", "31/02/1990", "Nam", "", "Xã A", ""])
        if i == 9:
            bad["unit"] = sheet.max_row + 1
            sheet.append([None, "Vũ Thị Thiếu", "01/01/1990", "Nữ", "", "  ", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), bad


def _post(c: httpx.Client, template: str, xlsx: bytes, on_error: str) -> httpx.Response:
    return c.post(
        "/api/v1/batches",
        data={
            "template": template,
            "data": json.dumps(BATCH if template == "giay-trieu-tap" else DECISION),
            "on_error": on_error,
        },
        files={"file": ("lop-k12.xlsx", xlsx)},
        timeout=120,
    )


DECISION = {
    k: v
    for k, v in json.loads(
        (PROJECT_ROOT / "templates_docx/quyet-dinh-mo-lop/example.json").read_text(encoding="utf-8")
    ).items()
    if k != "students"
}


def test_class_list_to_signed_letters(service: ServiceProcesses, tmp_path: Path) -> None:
    n = 1000 if "VANBAN_DATABASE_URL" not in service.env else 60  # the full size on the embedded default
    xlsx, bad = class_list(n)
    with service.client() as c:
        rejected = _post(c, "giay-trieu-tap", xlsx, "reject")
        assert rejected.status_code == 422, rejected.text
        problems = {(p["row"], p["column"]) for p in rejected.json()["report"]["problems"]}
        assert problems == {
            (bad["duplicate"], "Họ và tên"),
            (bad["date"], "Ngày sinh"),
            (bad["unit"], "Đơn vị công tác"),
        }
        assert rejected.json()["report"]["skipped_empty"] == 1

        accepted = _post(c, "giay-trieu-tap", xlsx, "skip")
        assert accepted.status_code == 202, accepted.text
        body = accepted.json()
        assert body["documents"] == n and len(body["report"]["problems"]) == 3
        job = wait_job(c, body["job_id"], timeout=600)
        assert job["status"] == "succeeded", job
        assert job["progress"] == {"done": n, "total": n}
        batch = c.get(f"/api/v1/batches/{body['id']}").json()
        numbers = [d["number"] for d in batch["documents"]]
        assert numbers == list(range(numbers[0], numbers[0] + n))  # contiguous, in list order
        assert all(d["status"] == "issued" for d in batch["documents"])
        assert batch["documents"][1]["name"] == unicodedata.normalize("NFC", batch["documents"][1]["name"])

        archive = zipfile.ZipFile(io.BytesIO(c.get(f"/api/v1/batches/{body['id']}/archive.zip", timeout=300).content))
        names = [x for x in archive.namelist() if x.endswith(".pdf")]
        assert len(names) == n and "report.json" in archive.namelist()
        assert all(re.fullmatch(r"\d{2,}-[a-z0-9-]+\.pdf", x) for x in names), names[:3]
        letters = tmp_path / "letters"
        archive.extractall(letters)
        files = sorted(letters.glob("*.pdf"))
        failing = {f.name: wrong for f, wrong in problems_of_each(files).items() if wrong}
        assert len(files) == n and not failing, list(failing.items())[:5]
        first = batch["documents"][0]
        letter = next(f for f in files if int(f.name.split("-")[0]) == first["number"])
        shown = check_issued_record(c, letter, first["notation"], "Trường Chính trị tỉnh")
        assert shown["title"].startswith("Giấy triệu tập")

        merged = tmp_path / "merged.pdf"
        merged.write_bytes(c.get(f"/api/v1/batches/{body['id']}/merged.pdf", timeout=300).content)
        pages = subprocess.run(["pdfinfo", str(merged)], capture_output=True, text=True).stdout
        assert re.search(rf"Pages:\s+{n}\b", pages)

        # the letter of a batch reads exactly as the single-document path writes it for the same student
        first = batch["documents"][1]
        row = c.get(f"/api/v1/documents/{first['id']}").json()
        one = {"template": "giay-trieu-tap", "data": {**BATCH, "student": student(1)}}
        single = c.post("/api/v1/documents", json=one).json()
        assert wait_job(c, single["job_id"])["status"] == "succeeded"
        single_row = c.get(f"/api/v1/documents/{single['id']}").json()
        (tmp_path / "single.pdf").write_bytes(c.get(f"/api/v1/documents/{single['id']}/pdf").content)
        (tmp_path / "batch.pdf").write_bytes(c.get(f"/api/v1/documents/{first['id']}/pdf").content)

        def text(path: Path, doc: dict[str, str]) -> str:
            """The letter's words, its own number and issue date left out (they differ, and so the spacing
            around them; the two can fall on either side of midnight in Vietnam)."""
            words = pdf_text(path).replace(doc["notation"], "NUMBER").replace(date_in_words(doc["issued_on"]), "DATE")
            return " ".join(words.split())

        batch_text, single_text = text(tmp_path / "batch.pdf", row), text(tmp_path / "single.pdf", single_row)
        assert batch_text == single_text and "Trần Thị An 0001" in batch_text
        docx = c.get(f"/api/v1/documents/{first['id']}/docx")
        assert docx.status_code == 200 and docx.content.startswith(b"PK")

        decision = _post(c, "quyet-dinh-mo-lop", xlsx, "skip")
        assert decision.status_code == 202, decision.text
        assert wait_job(c, decision.json()["job_id"])["status"] == "succeeded"
        (doc,) = c.get(f"/api/v1/batches/{decision.json()['id']}").json()["documents"]
        (tmp_path / "decision.pdf").write_bytes(c.get(f"/api/v1/documents/{doc['id']}/pdf").content)
        assert f"Danh sách có {n} học viên" in pdf_text(tmp_path / "decision.pdf")
