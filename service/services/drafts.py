"""A review document's draft: rendered with blanks where the number and the date go; the blanks become form
fields, and every signature the document will carry gets its (empty) field, all before the first signature. The
first signer certifies (DocMDP level 2), so the clerk's later filling and the organisation's signature keep every
earlier signature valid."""

from __future__ import annotations

from dataclasses import dataclass

from service.adapters.pdf_pages import PageWords, WordBox, page_words
from service.errors import VanbanError
from signing.appearance import leader_box, seal_box
from signing.forms import RIGHT, FieldStyle, add_signature_fields, add_text_fields
from signing.marks import Mark
from signing.sign import Box

NUMBER = FieldStyle(13, quadding=RIGHT)
"""The number, in the upright 13 pt of its line, against its ``/QĐ-TCT`` (Nghị định 30: "Số: 05/QĐ-TCT")."""
DATE = FieldStyle(14, italic=True)
"""The day, month and year, in the italic 14 pt of the place-and-date line (Nghị định 30), centred in their gaps."""


@dataclass(frozen=True)
class Blanks:
    """Form fields for the number and date, by name (``number_0``, ``day_0``, ``month_0``, ``year_0``, ``number_1``
    ...), and the signature marks found."""

    fields: dict[str, Box]
    marks: dict[str, Mark]


def _lines(words: list[WordBox]) -> list[list[WordBox]]:
    lines: list[list[WordBox]] = []
    for w in sorted(words, key=lambda w: (-round(w.y1), w.x1)):
        if lines and abs(lines[-1][0].y1 - w.y1) < 2:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(line, key=lambda w: w.x1) for line in lines]


def _between(page: int, left: WordBox, right_x: float) -> Box:
    """The gap after ``left`` up to ``right_x``, as tall as the words of the line (so the filled text sits on
    their baseline)."""
    return Box(page, left.x2 + 0.5, left.y1, right_x - 0.5, left.y2)


def find_blanks(pages: list[PageWords], symbol: str) -> Blanks:
    """The blanks left by a draft render (``Số: ⎵/QĐ-TCT``, ``ngày ⎵ tháng ⎵ năm ⎵``) and the ``[[sig:...]]`` marks."""
    fields: dict[str, Box] = {}
    marks: dict[str, Mark] = {}
    numbers = dates = 0
    for index, page in enumerate(pages):
        for w in page.boxes:
            for name in ("sig:leader", "sig:partner"):
                if f"[[{name}]]" in w.text and name not in marks:
                    marks[name] = Mark(index, w.x1, w.y1)
        for line in _lines(page.boxes):
            for i, w in enumerate(line):
                if i and w.text.startswith(f"/{symbol}") and line[i - 1].text.lower().startswith("số"):
                    fields[f"number_{numbers}"] = _between(index, line[i - 1], w.x1)
                    numbers += 1
                words = [x.text for x in line[i : i + 3]]
                if words == ["ngày", "tháng", "năm"]:
                    day, month, year = line[i : i + 3]
                    end = line[i + 3].x1 if i + 3 < len(line) else year.x2 + 34
                    fields[f"day_{dates}"] = _between(index, day, month.x1)
                    fields[f"month_{dates}"] = _between(index, month, year.x1)
                    fields[f"year_{dates}"] = _between(index, year, end)
                    dates += 1
    return Blanks(fields, marks)


def prepare_draft(pdf: bytes, symbol: str, parties: int) -> bytes:
    """Add the number and date fields and the signature fields (``LanhDao``, ``DoiTac`` for a second party,
    ``ToChuc`` for the seal) to a converted draft."""
    blanks = find_blanks(page_words(pdf), symbol)
    missing = [
        what
        for what, ok in (
            ("number (Số: .../...)", "number_0" in blanks.fields),
            ("date (ngày ... tháng ... năm ...)", "day_0" in blanks.fields),
            ("[[sig:leader]]", "sig:leader" in blanks.marks),
            ("[[sig:partner]]", parties < 2 or "sig:partner" in blanks.marks),
        )
        if not ok
    ]
    if missing:
        raise VanbanError(
            f"the draft has no place for: {', '.join(missing)}; this template cannot go through review",
            f"Bản dự thảo không có chỗ cho: {', '.join(missing)}; mẫu này không dùng được cho quy trình trình ký",
        )
    styles = {name: NUMBER if name.startswith("number") else DATE for name in blanks.fields}
    pdf = add_text_fields(pdf, blanks.fields, styles)
    leader = blanks.marks["sig:leader"]
    signature_fields = {"LanhDao": leader_box(leader), "ToChuc": seal_box(leader)}
    if parties > 1:
        signature_fields["DoiTac"] = leader_box(blanks.marks["sig:partner"])
    return add_signature_fields(pdf, signature_fields)
