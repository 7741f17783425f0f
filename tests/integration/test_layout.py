"""Every shipped template against the layout rules of Nghị định 30 (DOMAIN.md), on the DOCX (python-docx) and on
the PDF LibreOffice makes of it (page size, embedded fonts, where the text lands), with its example and with edge
data: very long names and units, 1 and 300 table rows, optional fields left out."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.shared import Mm

from service.adapters.converter import Converter
from service.adapters.renderer import render_docx
from service.adapters.template_files import TemplateFolder
from service.config import PROJECT_ROOT
from service.domain.templates import Template
from service.services.production import render_context
from service.services.validation import validate

FOLDER = TemplateFolder(PROJECT_ROOT / "templates_docx")
TEMPLATES = FOLDER.ids()
TABLES = {"quyet-dinh-mo-lop": "students", "bao-cao-ket-qua": "results", "ke-hoach": "tasks"}
A4_W, A4_H = 595.3, 841.9


def test_all_six_document_types_ship() -> None:
    assert set(TEMPLATES) == {
        "giay-trieu-tap",
        "quyet-dinh-mo-lop",
        "cong-van-chieu-sinh",
        "bao-cao-ket-qua",
        "ke-hoach",
        "quy-che-phoi-hop",
    }


def _required_only(schema: dict[str, Any], data: Any) -> Any:
    if isinstance(data, dict) and schema.get("type") == "object":
        keep = set(schema.get("required", []))
        return {k: _required_only(schema["properties"].get(k, {}), v) for k, v in data.items() if k in keep}
    if isinstance(data, list):
        return [_required_only(schema.get("items", {}), v) for v in data]
    return data


def _long(data: object, key: str = "") -> object:
    if isinstance(data, dict):
        return {k: _long(v, k) for k, v in data.items()}
    if isinstance(data, list):
        return [_long(v, key) for v in data]
    if key in ("full_name", "name") and isinstance(data, str):
        return (data + " Nguyễn Hoàng Phương Thảo Minh Khôi")[:118]
    if key in ("unit", "position") and isinstance(data, str):
        return ("Ủy ban nhân dân xã Thanh Ba, huyện Thanh Ba, tỉnh Phú Thọ - Văn phòng Hội đồng nhân dân và " * 4)[:298]
    return data


def _rows(data: dict[str, Any], field: str, n: int) -> dict[str, Any]:
    first = data[field][0]
    rows = []
    for i in range(n):
        row = copy.deepcopy(first)
        if "full_name" in row:
            row["full_name"] = f"Học Viên Số {i + 1:03d}"
        if "content" in row:
            row["content"] = f"Nhiệm vụ số {i + 1}"
        rows.append(row)
    return {**data, field: rows}


def _variants(template: Template) -> dict[str, dict[str, Any]]:
    example = json.loads(json.dumps(template.example))
    out = {"example": example, "long": _long(example), "minimal": _required_only(template.schema, example)}
    if template.id in TABLES:
        out["rows-1"] = _rows(example, TABLES[template.id], 1)
        out["rows-300"] = _rows(example, TABLES[template.id], 300)
    return out


CASES = [(t, v) for t in TEMPLATES for v in _variants(FOLDER.get(t))]


def _words(pdf: Path) -> list[tuple[int, str, float, float, float, float]]:
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    out = []
    for page, chunk in enumerate(html.split("<page ")[1:]):
        for a, b, c, d, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', chunk
        ):
            out.append((page, w, float(a), float(b), float(c), float(d)))
    return out


def _find(words: list[tuple[int, str, float, float, float, float]], text: str) -> tuple[float, float]:
    """Centre (x, y) of the first occurrence of ``text`` (words in sequence) on page 1."""
    seq = text.split()
    page_words = [w for w in words if w[0] == 0]
    for i in range(len(page_words) - len(seq) + 1):
        if [w[1] for w in page_words[i : i + len(seq)]] == seq:
            ws = page_words[i : i + len(seq)]
            return (min(w[2] for w in ws) + max(w[4] for w in ws)) / 2, (
                min(w[3] for w in ws) + max(w[5] for w in ws)
            ) / 2
    raise AssertionError(f"{text!r} not on page 1")


@pytest.mark.parametrize(("template_id", "variant"), CASES)
def test_layout(template_id: str, variant: str, converter: Converter, tmp_path: Path) -> None:
    template = FOLDER.get(template_id)
    data = _variants(template)[variant]
    validate(template.schema, data)
    docx = render_docx(
        template.docx,
        render_context(template, data, "05/" + (template.type_abbreviation + "-TCT").lstrip("-"), date(2026, 2, 4)),
    )

    # the DOCX: A4 portrait, margins, Times New Roman 13-14 pt
    document = Document(BytesIO(docx))
    section = document.sections[0]
    assert section.page_width is not None and section.page_height is not None
    assert abs(section.page_width - Mm(210)) < Mm(0.5) and abs(section.page_height - Mm(297)) < Mm(0.5)
    mm = {k: round(getattr(section, f"{k}_margin").mm, 1) for k in ("top", "bottom", "left", "right")}
    assert 20 <= mm["top"] <= 25 and 20 <= mm["bottom"] <= 25 and 30 <= mm["left"] <= 35 and 15 <= mm["right"] <= 20
    normal = document.styles["Normal"].font
    assert normal.name == "Times New Roman" and 13 <= normal.size.pt <= 14

    # the PDF: A4, every font embedded (Liberation Serif standing in for Times New Roman)
    pdf = tmp_path / f"{template_id}-{variant}.pdf"
    pdf.write_bytes(converter.to_pdf(docx))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "595.3" in info and "841.89" in info
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts
    assert all("LiberationSerif" in line for line in fonts), fonts
    assert any("Italic" in line for line in fonts)  # the place-and-date line

    words = _words(pdf)
    text = " ".join(w[1] for w in words)
    national_x, national_y = _find(words, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    _, motto_y = _find(words, "Độc lập - Tự do - Hạnh phúc")
    assert national_x > A4_W / 2 and national_y < A4_H * 0.15 and motto_y > national_y  # top right
    body_x, _ = _find(words, "TRƯỜNG CHÍNH TRỊ TỈNH")
    assert body_x < A4_W / 2  # issuing body top left
    number_x, number_y = _find(words, "Số: 05/" + (template.type_abbreviation + "-TCT").lstrip("-"))
    assert number_x < A4_W / 2
    date_x, date_y = _find(words, "Phú Thọ, ngày 04 tháng 02 năm 2026")  # leading zeros of day and month
    assert date_x > A4_W / 2 and abs(date_y - number_y) < 12
    assert "Nơi nhận:" in text
    signer = template.example["signer"]["name"]
    signer_words = [w for w in words if w[1] == signer.split()[-1]]
    assert signer_words and signer_words[-1][2] > A4_W / 2  # the signing block is on the right
    if template.example["signer"].get("authority") and variant != "minimal":
        assert template.example["signer"]["authority"].upper() in text
    if template_id == "quyet-dinh-mo-lop":
        assert "(Kèm theo Quyết định số 05/QĐ-TCT ngày 04 tháng 02 năm 2026" in text
        assert max(w[0] for w in words if "DANH" in w[1]) >= 1  # the list starts on its own page
    if template_id == "quy-che-phoi-hop":
        partner = template.example["partner_signer"]["name"].split()[-1]
        assert any(w[1] == partner and w[4] < A4_W / 2 for w in words)  # the partner signs on the left
    if variant == "rows-300":
        found = re.search(r"Pages:\s+(\d+)", info)
        assert found is not None, info
        pages = int(found.group(1))
        assert pages >= 5 and "300" in text
