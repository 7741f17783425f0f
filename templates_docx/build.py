"""Builds the shipped template.docx files with python-docx, laid out per Nghị định 30/2020 Phụ lục I.

Run ``.venv/bin/python templates_docx/build.py`` after changing a layout; the .docx files are committed.
Placeholders are docxtpl (Jinja) tags, each written as one run so Word never splits them.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph

HERE = Path(__file__).resolve().parent
FONT = "Times New Roman"


def new_document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    pf = normal.paragraph_format
    pf.space_before, pf.space_after, pf.line_spacing = Pt(0), Pt(0), 1.0
    # python-docx's default document starts with an empty paragraph we do not want.
    for p in list(doc.paragraphs):
        p._element.getparent().remove(p._element)
    return doc


def para(
    container: Document | _Cell,
    text: str = "",
    *,
    size: float = 14,
    bold: bool = False,
    italic: bool = False,
    align: str = "left",
    before: float = 0,
    after: float = 0,
    indent_first: float | None = None,
) -> Paragraph:
    p = container.add_paragraph()
    p.alignment = {
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    }[align]
    p.paragraph_format.space_before = Pt(before)
    p.paragraph_format.space_after = Pt(after)
    if indent_first is not None:
        p.paragraph_format.first_line_indent = Mm(indent_first)
    if text:
        run = p.add_run(text)
        run.font.size, run.font.bold, run.font.italic = Pt(size), bold, italic
    return p


def rule(container: Document | _Cell, width_mm: float, cell_width_mm: float) -> None:
    """A short centred horizontal line (under the issuing body and under the motto)."""
    p = para(container, size=2, align="center")
    side = max((cell_width_mm - width_mm) / 2, 0)
    p.paragraph_format.left_indent = Mm(side)
    p.paragraph_format.right_indent = Mm(side)
    p.paragraph_format.line_spacing = Pt(2)
    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    borders.append(bottom)
    ppr.append(borders)


def mark(p: Paragraph, name: str) -> None:
    """An invisible mark (white, 1 pt) that signing finds in the PDF: ``[[name]]``. A no-break space in body type
    keeps the line as tall as its neighbours."""
    p.add_run("\u00a0")
    run = p.add_run(f"[[{name}]]")
    run.font.size = Pt(1)
    run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)


def table(doc: Document, widths_mm: list[float], rows: int = 1) -> list[list[_Cell]]:
    """A borderless layout table; returns its cells (first paragraph of each cell removed)."""
    t = doc.add_table(rows=rows, cols=len(widths_mm))
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    for col, w in zip(t.columns, widths_mm, strict=True):
        col.width = Mm(w)
    cells = []
    for row in t.rows:
        row_cells = []
        for cell, w in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(w)
            first = cell.paragraphs[0]._element
            first.getparent().remove(first)
            row_cells.append(cell)
        cells.append(row_cells)
    return cells


LEFT_MM, RIGHT_MM = 70.0, 95.0


def heading(doc: Document) -> None:
    """Issuing body (left) and national title (right), number line and place-date line."""
    (left, right), (number, dateline) = table(doc, [LEFT_MM, RIGHT_MM], rows=2)
    para(left, "{{ organisation.parent|upper }}", size=13, align="center")
    para(left, "{{ organisation.name|upper }}", size=13, bold=True, align="center")
    rule(left, 25, LEFT_MM)
    para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, bold=True, align="center")
    para(right, "Độc lập - Tự do - Hạnh phúc", size=13, bold=True, align="center")
    rule(right, 60, RIGHT_MM)
    para(number, "Số: {{ document.notation }}", size=13, align="center", before=6)
    para(dateline, "{{ document.place_date }}", size=14, italic=True, align="center", before=6)


def signing_block(doc: Document, lines: list[str]) -> None:
    """Nơi nhận (left) and the signing block (right): authority, title, signature area, name."""
    ((recipients, signer),) = table(doc, [LEFT_MM, RIGHT_MM])
    para(recipients, "Nơi nhận:", size=12, bold=True, italic=True, before=12)
    for line in lines:
        para(recipients, line, size=11)
    para(
        signer,
        "{% if signer.authority %}{{ signer.authority|upper }}{% endif %}",
        bold=True,
        align="center",
        before=12,
    )
    para(signer, "{{ signer.title|upper }}", bold=True, align="center")
    # The signature area, between title and name: a mark, invisible on paper, tells signing where the leader's
    # signature image goes; the seal overlaps its left third.
    for _ in range(2):
        para(signer, "", align="center")
    mark(para(signer, "", align="center"), "sig:leader")
    for _ in range(2):
        para(signer, "", align="center")
    para(signer, "{{ signer.name }}", bold=True, align="center")


def giay_trieu_tap() -> Document:
    doc = new_document()
    heading(doc)
    para(doc, "GIẤY TRIỆU TẬP", bold=True, align="center", before=18)
    para(doc, "{{ class.name }}", bold=True, align="center", after=12)
    para(
        doc,
        "{{ organisation.head_title }} {{ organisation.name }} triệu tập:",
        align="justify",
        indent_first=10,
        after=6,
    )
    para(doc, "{{ student.salutation }}: {{ student.full_name }}", bold=True, indent_first=10)
    para(doc, "Ngày sinh: {{ student.date_of_birth|date_dmy }}", indent_first=10)
    para(doc, "{%p if student.position %}")
    para(doc, "Chức vụ: {{ student.position }}", indent_first=10)
    para(doc, "{%p endif %}")
    para(doc, "Đơn vị công tác: {{ student.unit }}", align="justify", indent_first=10, after=6)
    para(
        doc,
        "Tham gia {{ class.name }}{% if class.course %} ({{ class.course }}){% endif %}.",
        align="justify",
        indent_first=10,
    )
    para(doc, "Thời gian khai giảng: {{ session.start|time_and_date }}.", align="justify", indent_first=10)
    para(doc, "Địa điểm: {{ session.place }}.", align="justify", indent_first=10)
    para(doc, "{%p if session.bring %}")
    para(doc, "Khi đến, học viên mang theo:", align="justify", indent_first=10)
    para(doc, "{%p for item in session.bring %}")
    para(doc, "- {{ item }};", align="justify", indent_first=10)
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if session.contact %}")
    para(doc, "Thông tin liên hệ: {{ session.contact }}.", align="justify", indent_first=10)
    para(doc, "{%p endif %}")
    para(
        doc,
        "Đề nghị cơ quan, đơn vị tạo điều kiện để học viên tham gia khóa học đầy đủ, đúng thời gian./.",
        align="justify",
        indent_first=10,
    )
    signing_block(
        doc,
        [
            "{%p for r in recipients %}",
            "- {{ r }};",
            "{%p endfor %}",
            "- Lưu: VT, {{ organisation.archive_unit }}.",
        ],
    )
    return doc


BUILDERS = {"giay-trieu-tap": giay_trieu_tap}

if __name__ == "__main__":
    for template_id, build in BUILDERS.items():
        out = HERE / template_id / "template.docx"
        out.parent.mkdir(exist_ok=True)
        build().save(str(out))
        print(f"wrote {out.relative_to(HERE.parent)}")
