"""Builds the shipped template.docx files with python-docx, laid out per Nghị định 30/2020 Phụ lục I.

Run ``.venv/bin/python templates_docx/build.py`` after changing a layout; the .docx files are committed.
Placeholders are docxtpl (Jinja) tags, each written as one run so Word never splits them.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph

HERE = Path(__file__).resolve().parent
FONT = "Times New Roman"


def new_document() -> WordDocument:
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
    container: WordDocument | _Cell,
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


def rule(container: WordDocument | _Cell, width_mm: float, cell_width_mm: float) -> None:
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


def table(doc: WordDocument, widths_mm: list[float], rows: int = 1) -> list[list[_Cell]]:
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


def heading(doc: WordDocument, partner: bool = False, subject: str | None = None) -> None:
    """Issuing body (left) and national title (right), number line and place-date line. ``partner``: a joint
    document names both bodies; ``subject``: a công văn's "V/v ..." line under the number."""
    (left, right), (number, dateline) = table(doc, [LEFT_MM, RIGHT_MM], rows=2)
    if partner:
        para(left, "{{ partner.name|upper }}", size=13, bold=True, align="center")
        para(left, "{{ organisation.name|upper }}", size=13, bold=True, align="center")
    else:
        para(left, "{{ organisation.parent|upper }}", size=13, align="center")
        para(left, "{{ organisation.name|upper }}", size=13, bold=True, align="center")
    rule(left, 25, LEFT_MM)
    para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, bold=True, align="center")
    para(right, "Độc lập - Tự do - Hạnh phúc", size=13, bold=True, align="center")
    rule(right, 60, RIGHT_MM)
    para(number, "Số: {{ document.notation }}", size=13, align="center", before=6)
    if subject:
        para(number, subject, size=12, align="center")
    para(dateline, "{{ document.place_date }}", size=14, italic=True, align="center", before=6)


RECIPIENTS = [
    "{%p for r in recipients %}",
    "- {{ r }};",
    "{%p endfor %}",
    "- Lưu: VT, {{ organisation.archive_unit }}.",
]


def headed_document(partner: bool = False, subject: str | None = None) -> WordDocument:
    """A new document that starts with its heading (see ``heading``)."""
    doc = new_document()
    heading(doc, partner, subject)
    return doc


def signer_block(cell: _Cell, var: str = "signer", mark_name: str = "sig:leader") -> None:
    """Authority (TM., KT., ...), title, the signature area with its mark, full name."""
    para(cell, f"{{%p if {var}.authority %}}")
    para(cell, f"{{{{ {var}.authority|upper }}}}", bold=True, align="center")
    para(cell, "{%p endif %}")
    para(cell, f"{{{{ {var}.title|upper }}}}", bold=True, align="center")
    # The signature area, between title and name: a mark, invisible on paper, tells signing where the signer's
    # image goes; the seal overlaps its left third.
    for _ in range(2):
        para(cell, "", align="center")
    mark(para(cell, "", align="center"), mark_name)
    for _ in range(2):
        para(cell, "", align="center")
    para(cell, f"{{{{ {var}.name }}}}", bold=True, align="center")


def signing_block(doc: WordDocument, lines: list[str] = RECIPIENTS) -> None:
    """Nơi nhận (left) and the signing block (right)."""
    ((recipients, signer),) = table(doc, [LEFT_MM, RIGHT_MM])
    para(recipients, "Nơi nhận:", size=12, bold=True, italic=True, before=12)
    for line in lines:
        para(recipients, line, size=11)
    para(signer, "", size=6)
    signer_block(signer)


def giay_trieu_tap() -> WordDocument:
    doc = headed_document()
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
    signing_block(doc)
    return doc


Column = tuple[str, float, str]
"""A column of a grid: its header, its width in mm and what its cell shows of the loop's item ``row``: an attribute,
with Jinja filters if any (``date_of_birth|date_dmy``)."""

FULL_NAME: Column = ("Họ và tên", 45, "full_name")
DATE_OF_BIRTH: Column = ("Ngày sinh", 25, "date_of_birth|date_dmy")


def grid(doc: WordDocument, loop: str, columns: list[Column]) -> None:
    """A ruled table: a bold header row, then one row per item of ``loop`` (docxtpl ``{%tr %}`` rows), numbered in
    its first column (STT, số thứ tự)."""
    headers, widths_mm, cells = zip(
        ("STT", 12, "{{ loop.index }}"), *((h, w, f"{{{{ row.{shown} }}}}") for h, w, shown in columns), strict=True
    )
    t = doc.add_table(rows=4, cols=len(headers))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    for col, w in zip(t.columns, widths_mm, strict=True):
        col.width = Mm(w)
    head, start, body, end = t.rows
    start.cells[0].paragraphs[0].add_run(f"{{%tr for row in {loop} %}}")
    end.cells[0].paragraphs[0].add_run("{%tr endfor %}")
    for i, (h, c, w) in enumerate(zip(headers, cells, widths_mm, strict=True)):
        for cell, text, bold in ((head.cells[i], h, True), (body.cells[i], c, False)):
            cell.width = Mm(w)
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER if bold or i == 0 else WD_ALIGN_PARAGRAPH.LEFT
            run = p.add_run(text)
            run.font.size, run.font.bold = Pt(12), bold
    # the header repeats on every page of a long list
    trpr = head._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:tblHeader"))


def title_block(doc: WordDocument, kind: str, subject: str) -> None:
    para(doc, kind, bold=True, align="center", before=18)
    para(doc, subject, bold=True, align="center", after=12)


def body(doc: WordDocument, text: str, **kw: object) -> None:
    para(doc, text, align="justify", indent_first=10, after=3, **kw)  # type: ignore[arg-type]


def loop(doc: WordDocument, items: str, text: str, var: str = "item") -> None:
    para(doc, f"{{%p for {var} in {items} %}}")
    body(doc, text)
    para(doc, "{%p endfor %}")


def quyet_dinh_mo_lop() -> WordDocument:
    doc = headed_document()
    title_block(doc, "QUYẾT ĐỊNH", "Về việc mở {{ class.name }}")
    para(doc, "{{ organisation.head_title|upper }} {{ organisation.name|upper }}", bold=True, align="center", after=6)
    loop(doc, "legal_bases", "Căn cứ {{ item }};")
    body(doc, "Theo đề nghị của {{ proposer }}.", italic=True)
    para(doc, "QUYẾT ĐỊNH:", bold=True, align="center", before=6, after=6)
    body(
        doc,
        "Điều 1. Mở {{ class.name }}{% if class.course %} ({{ class.course }}){% endif %} cho "
        "{{ students|length }} ({{ students|length|number_in_words }}) học viên có tên trong danh sách kèm theo. "
        "Thời gian học từ {{ class.start|date_dmy }} đến {{ class.end|date_dmy }}, tại {{ class.place }}.",
    )
    body(doc, "Điều 2. {{ article_2 }}")
    body(doc, "Điều 3. {{ article_3 }}./.")
    signing_block(doc)
    doc.add_page_break()
    para(doc, "DANH SÁCH HỌC VIÊN {{ class.name|upper }}", bold=True, align="center")
    para(
        doc,
        "(Kèm theo Quyết định số {{ document.notation }} {{ document.issued_on|date_in_words }} "
        "của {{ organisation.head_title }} {{ organisation.name }})",
        italic=True,
        align="center",
        after=12,
    )
    grid(doc, "students", [FULL_NAME, DATE_OF_BIRTH, ("Chức vụ", 38, "position"), ("Đơn vị công tác", 45, "unit")])
    para(doc, "Danh sách có {{ students|length }} học viên./.", italic=True, align="right", before=6)
    return doc


def cong_van_chieu_sinh() -> WordDocument:
    doc = headed_document(subject="V/v chiêu sinh {{ class.name }}")
    ((_, kinh_gui),) = table(doc, [25, 140])
    para(_, "Kính gửi:", before=12, align="right")
    para(kinh_gui, "", size=6)
    para(kinh_gui, "{%p for r in addressees %}")
    para(kinh_gui, "- {{ r }};")
    para(kinh_gui, "{%p endfor %}")
    body(doc, "{{ introduction }}", before=12)
    body(
        doc,
        "{{ organisation.name }} thông báo chiêu sinh {{ class.name }}{% if class.course %} "
        "({{ class.course }}){% endif %}, thời gian học từ {{ class.start|date_dmy }} đến {{ class.end|date_dmy }}, "
        "tại {{ class.place }}; chỉ tiêu {{ class.quota }} ({{ class.quota|number_in_words }}) học viên.",
    )
    body(doc, "1. Đối tượng, tiêu chuẩn:", bold=True)
    loop(doc, "eligibility", "- {{ item }};")
    body(doc, "2. Hồ sơ dự tuyển gồm:", bold=True)
    loop(doc, "dossier", "- {{ item }};")
    para(doc, "{%p if fee %}")
    body(doc, "3. Kinh phí: {{ fee|thousands }} đồng/học viên ({{ fee|money_in_words }}).", bold=False)
    para(doc, "{%p endif %}")
    body(doc, "Hồ sơ gửi về {{ organisation.name }} trước ngày {{ deadline|date_dmy }}.")
    body(doc, "Thông tin liên hệ: {{ contact }}.")
    body(doc, "Đề nghị các cơ quan, đơn vị quan tâm, cử cán bộ tham gia./.")
    signing_block(doc)
    return doc


def bao_cao_ket_qua() -> WordDocument:
    doc = headed_document()
    title_block(doc, "BÁO CÁO", "Kết quả học tập {{ class.name }}")
    loop(doc, "summary", "{{ item }}")
    body(doc, "Kết quả cụ thể như sau:", before=3)
    grid(
        doc,
        "results",
        [
            FULL_NAME,
            ("Đơn vị", 50, "unit"),
            ("Điểm trung bình", 28, "average_text"),
            ("Xếp loại", 30, "classification"),
        ],
    )
    body(doc, "Tổng số học viên: {{ totals.count }}; điểm trung bình chung: {{ totals.average_text }}.", before=6)
    para(doc, "{%p for c in totals.by_classification %}")
    body(doc, "- {{ c.name }}: {{ c.count }} học viên ({{ c.percent }}%);")
    para(doc, "{%p endfor %}")
    loop(doc, "proposals", "{{ item }}")
    signing_block(doc)
    return doc


def ke_hoach() -> WordDocument:
    doc = headed_document()
    title_block(doc, "KẾ HOẠCH", "{{ title }}")
    para(doc, "I. MỤC ĐÍCH, YÊU CẦU", bold=True, before=6)
    loop(doc, "objectives", "- {{ item }};")
    para(doc, "II. NỘI DUNG, THỜI GIAN THỰC HIỆN", bold=True, before=6)
    grid(doc, "tasks", [("Nội dung", 80, "content"), ("Đơn vị chủ trì", 40, "lead"), ("Thời gian", 33, "timeline")])
    para(doc, "III. TỔ CHỨC THỰC HIỆN", bold=True, before=6)
    loop(doc, "implementation", "{{ item }}")
    body(doc, "Trên đây là Kế hoạch {{ title[:1]|lower }}{{ title[1:] }} của {{ organisation.name }}./.")
    signing_block(doc)
    return doc


def quy_che_phoi_hop() -> WordDocument:
    doc = headed_document(partner=True)
    title_block(doc, "QUY CHẾ", "Phối hợp giữa {{ organisation.name }} và {{ partner.name }} {{ subject }}")
    para(doc, "{%p for chapter in chapters %}")
    para(doc, "Chương {{ chapter.roman }}", bold=True, align="center", before=6)
    para(doc, "{{ chapter.title|upper }}", bold=True, align="center", after=3)
    para(doc, "{%p for article in chapter.articles %}")
    body(doc, "Điều {{ article.number }}. {{ article.title }}", bold=True)
    para(doc, "{%p for clause in article.clauses %}")
    body(doc, "{{ clause }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endfor %}")
    ((theirs, ours),) = table(doc, [82, 83])
    para(theirs, "", size=6)
    para(ours, "", size=6)
    signer_block(theirs, "partner_signer", "sig:partner")
    signer_block(ours)
    para(doc, "Nơi nhận:", size=12, bold=True, italic=True, before=12)
    for line in RECIPIENTS:
        para(doc, line, size=11)
    return doc


STYLE_REFERENCES = ("pStyle", "rStyle", "tblStyle", "numStyleId")
STYLE_LINKS = ("basedOn", "link", "next")
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


def slim(doc: WordDocument) -> WordDocument:
    """Only the styles the template uses (with those they derive from, and the defaults): python-docx's blank
    document brings 164 styles, Word's list of latent ones and a second copy for Word 2010, some 800 KB of XML that
    LibreOffice read at every conversion, most of a one-page letter's load time."""
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype == STYLES_WITH_EFFECTS:
            doc.part.drop_rel(rid)
    styles = doc.styles.element
    by_id = {s.get(qn("w:styleId")): s for s in styles.findall(qn("w:style"))}
    wanted = [s_id for s_id, s in by_id.items() if s.get(qn("w:default")) in ("1", "true")]
    for part in doc.part.package.iter_parts():
        element = getattr(part, "element", None)
        if element is not None and element is not styles:
            for name in STYLE_REFERENCES:
                wanted += [e.get(qn("w:val")) for e in element.iter(qn(f"w:{name}"))]
    kept: set[str] = set()
    while wanted:
        s_id = wanted.pop()
        if s_id in by_id and s_id not in kept:
            kept.add(s_id)
            wanted += [e.get(qn("w:val")) for name in STYLE_LINKS for e in by_id[s_id].findall(qn(f"w:{name}"))]
    for s_id, style in by_id.items():
        if s_id not in kept:
            styles.remove(style)
    for latent in styles.findall(qn("w:latentStyles")):
        styles.remove(latent)
    return doc


BUILDERS = {
    "giay-trieu-tap": giay_trieu_tap,
    "quyet-dinh-mo-lop": quyet_dinh_mo_lop,
    "cong-van-chieu-sinh": cong_van_chieu_sinh,
    "bao-cao-ket-qua": bao_cao_ket_qua,
    "ke-hoach": ke_hoach,
    "quy-che-phoi-hop": quy_che_phoi_hop,
}

if __name__ == "__main__":
    from schemas import write_schemas_and_examples

    for template_id, build in BUILDERS.items():
        out = HERE / template_id / "template.docx"
        out.parent.mkdir(exist_ok=True)
        slim(build()).save(str(out))
        print(f"wrote {out.relative_to(HERE.parent)}")
    write_schemas_and_examples(HERE)
