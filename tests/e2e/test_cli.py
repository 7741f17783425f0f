"""The `vanban` command as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.config import PROJECT_ROOT
from tests.pdftools import check_pdf, pdf_text

pytestmark = pytest.mark.slow


def vanban(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VANBAN_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT
    )


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
