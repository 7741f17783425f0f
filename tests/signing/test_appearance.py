"""Appearance per Nghị định 30: the leader's image between title and name, the seal over its left third, the
info line of electronic copies at the top right of page 1 in 10 pt."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from signing.appearance import SEAL_DIAMETER, add_info_line, leader_box, seal_box
from signing.marks import find_marks
from tests.signing.conftest import write


def _words(path: Path) -> list[tuple[str, float, float, float, float]]:
    """(word, xMin, yMin, xMax, yMax) from poppler, y growing downwards."""
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True).stdout
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    return [(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in re.findall(pattern, html)]


def test_leader_image_sits_between_title_and_name_and_the_seal_overlaps_a_third(
    unsigned_pdf: bytes, tmp_path: Path
) -> None:
    mark = find_marks(unsigned_pdf, ["sig:leader"])["sig:leader"]
    words = _words(write(tmp_path, "letter.pdf", unsigned_pdf))
    page_height = 841.89
    title_bottom = max(y2 for w, _, _, _, y2 in words if w == "PHÓ")  # "PHÓ HIỆU TRƯỞNG"
    name_top = min(y1 for w, _, y1, _, _ in words if w == "Bình")  # "Trần Văn Bình"
    box = leader_box(mark)
    assert title_bottom <= page_height - box.y2 + 2 and page_height - box.y1 <= name_top + 2
    seal = seal_box(mark)
    overlap = seal.x2 - box.x1
    assert abs(overlap - (box.x2 - box.x1) / 3) < 0.5  # a third of the leader's image, on its left
    assert abs((seal.x2 - seal.x1) - SEAL_DIAMETER) < 1e-6 and seal.x1 < box.x1


def test_info_line_top_right_of_page_one(unsigned_pdf: bytes, tmp_path: Path) -> None:
    line = "05/GTT-TCT | 2026-02-04T09:15:00+07:00 | Trường Chính trị tỉnh"
    path = write(tmp_path, "copy.pdf", add_info_line(unsigned_pdf, line))
    (info,) = [w for w in _words(path) if "2026-02-04T09:15:00+07:00" in w[0]]
    text, _x1, y1, x2, y2 = info
    assert text == line  # Vietnamese text drawn and extractable as it was given
    assert y1 < 50 and x2 > 595.3 - 20 * 72 / 25.4  # top right, inside the right margin
    assert 6 < (y2 - y1) < 13  # 10 pt type
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert "LiberationSerif" in fonts and " no " not in fonts.split("\n", 2)[2]
