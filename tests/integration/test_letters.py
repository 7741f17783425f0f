"""A chunk's letters found in LibreOffice's PDF by the named destinations it exports from the DOCX's bookmarks
(``renderer.render_many`` -> ``pdf_pages.letters``): each letter's pages and its signature mark, read back with
poppler (pdfinfo, pdftotext), which we did not write."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn

from service.adapters.converter import Converter
from service.adapters.pdf_pages import letters
from service.adapters.renderer import render_docx, render_many
from service.adapters.template_files import TemplateFolder
from service.config import PROJECT_ROOT
from service.domain.pdf_record import PdfRecord
from service.errors import ConversionError
from service.services.production import render_context
from tests.pdftools import pdf_text, word_boxes

TEMPLATES = TemplateFolder(PROJECT_ROOT / "templates_docx")


def _record(i: int) -> PdfRecord:
    return PdfRecord(f"Văn bản {i}", "Trường Chính trị tỉnh", "Thử", (), datetime.now(UTC), None)


def _pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.mark.parametrize("template_id", ["quyet-dinh-mo-lop", "giay-trieu-tap"])
def test_each_letter_of_a_chunk_is_cut_at_its_start_with_its_mark(
    template_id: str, converter: Converter, tmp_path: Path
) -> None:
    template = TEMPLATES.get(template_id)
    notations = [f"{i + 7:02d}/X-TCT" for i in range(3)]
    contexts = [render_context(template, template.example, n, date(2027, 3, 4)) for n in notations]
    made = letters(converter.to_pdf(render_many(template.docx, contexts)), [_record(i) for i in range(3)])
    assert len(made) == 3
    for i, letter in enumerate(made):
        path = tmp_path / f"{i}.pdf"
        path.write_bytes(letter.pdf)
        assert _pages(path) == letter.pages  # a decision runs over two pages, with its list of students
        text = pdf_text(path)
        assert f"Số: {notations[i]}" in text and all(other not in text for other in notations if other != notations[i])
        # the mark: where poppler sees the invisible [[sig:leader]], on the page the letter's mark is on
        assert letter.mark is not None
        (box,) = [b for b in word_boxes(path, letter.mark.page + 1) if "[[sig:leader]]" in b[0]]
        _, x1, y1, _, _ = box
        assert abs(letter.mark.x - x1) < 1 and abs(letter.mark.y - y1) < 1, (letter.mark, box)
    assert [m.pages for m in made] == [made[0].pages] * 3


def test_a_template_without_a_mark_gives_an_invisible_signature_place(converter: Converter) -> None:
    doc = Document()
    doc.add_paragraph("Thông báo {{ title }}")
    out = BytesIO()
    doc.save(out)
    made = letters(converter.to_pdf(render_many(out.getvalue(), [{"title": "một"}])), [_record(0)])
    assert [(m.pages, m.mark) for m in made] == [(1, None)]


def test_a_pdf_that_does_not_show_where_its_letters_start_is_refused(converter: Converter) -> None:
    template = TEMPLATES.get("giay-trieu-tap")
    # rendered without render_many: no bookmarks, so nothing says where a letter starts; better refused than cut
    pdf = converter.to_pdf(render_docx(template.docx, render_context(template, template.example, "01/X", None)))
    with pytest.raises(ConversionError, match="where each of its 2 documents starts"):
        letters(pdf, [_record(0), _record(1)])


def _docx(*paragraphs: str, bookmark: str | None = None) -> bytes:
    """A template of one paragraph each (``\\f``: a page break before it), a bookmark ``bookmark`` of its own on
    the last one."""
    doc = Document()
    for text in paragraphs:
        if text.startswith("\f"):
            doc.add_page_break()
            text = text[1:]
        doc.add_paragraph(text)
    if bookmark is not None:
        last = doc.paragraphs[-1]._p
        start = last.makeelement(qn("w:bookmarkStart"), {qn("w:id"): "7", qn("w:name"): bookmark})
        last.insert(0, start)
        last.append(last.makeelement(qn("w:bookmarkEnd"), {qn("w:id"): "7"}))
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def _made(converter: Converter, template: bytes, contexts: list[dict[str, Any]], tmp_path: Path) -> list[Path]:
    """Each letter of ``contexts`` made from ``template``, checked: its pages, and its mark where poppler sees the
    first character of ``[[sig:leader]]`` (the last one it shows)."""
    made = letters(converter.to_pdf(render_many(template, contexts)), [_record(i) for i in range(len(contexts))])
    paths = []
    for i, letter in enumerate(made):
        path = tmp_path / f"letter-{i}.pdf"
        path.write_bytes(letter.pdf)
        assert _pages(path) == letter.pages
        marks = [(page, b) for page in range(letter.pages) for b in word_boxes(path, page + 1) if "[[sig" in b[0]]
        if not marks:
            assert letter.mark is None
        else:
            page, (word, x1, y1, _, _) = marks[-1]
            assert letter.mark is not None and letter.mark.page == page, (letter.mark, marks)
            assert abs(letter.mark.x - x1) < 1 and abs(letter.mark.y - y1) < 5, (letter.mark, word, x1, y1)
        paths.append(path)
    return paths


def test_a_templates_own_bookmark_named_as_ours_cuts_nothing_wrong(converter: Converter, tmp_path: Path) -> None:
    long = [f"Đoạn {i} của {{{{ name }}}}" for i in range(40)]
    template = _docx(*long, "\fTrang hai [[sig:leader]]", bookmark="VanbanLetter1")
    paths = _made(converter, template, [{"name": "An"}, {"name": "Bình"}], tmp_path)
    assert ["An" in pdf_text(p) and "Bình" not in pdf_text(p) for p in paths] == [True, False]
    assert "Bình" in pdf_text(paths[1]) and _pages(paths[0]) == _pages(paths[1])


def test_a_first_block_left_out_or_a_key_named_loop_still_makes_the_letter(
    converter: Converter, tmp_path: Path
) -> None:
    template = _docx("{%p if urgent %}", "KHẨN", "{%p endif %}", "Kính gửi {{ loop }} [[sig:leader]]")
    (path,) = _made(converter, template, [{"urgent": False, "loop": "Ông An"}], tmp_path)
    assert "Kính gửi Ông An" in pdf_text(path) and "KHẨN" not in pdf_text(path)


def test_a_mark_in_a_loop_or_a_branch_of_the_template_is_found_in_every_letter(
    converter: Converter, tmp_path: Path
) -> None:
    template = _docx(
        "{%p for s in signers %}",
        "Người ký {{ s }}: [[sig:leader]]",
        "{%p endfor %}",
        "{%p if acting %}",
        "KT. HIỆU TRƯỞNG [[sig:leader]]",
        "{%p else %}",
        "HIỆU TRƯỞNG ký tại đây, ở giữa dòng: [[sig:leader]]",
        "{%p endif %}",
    )
    contexts = [{"signers": ["An", "Bình"], "acting": i % 2 == 0} for i in range(3)]
    _made(converter, template, contexts, tmp_path)  # each letter: its last mark, at its first character


def test_a_page_that_inherits_its_size_and_resources_keeps_them_when_cut(tmp_path: Path) -> None:
    """Letters are cut from a chunk opened without pushing page attributes down (LibreOffice gives each page its
    own): a page that takes its size and resources from the page tree still has them once cut out."""
    import pikepdf

    pdf = pikepdf.new()
    for i in range(2):
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[i]
        page.obj.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 720 Td (Letter) Tj ET")
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    )
    pdf.Root.Pages.MediaBox = pikepdf.Array([0, 0, 595, 842])
    pdf.Root.Pages.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    for page in pdf.pages:
        del page.obj["/MediaBox"], page.obj["/Resources"]
    pdf.Root.Dests = pikepdf.Dictionary(
        {f"/VanbanLetter{i}": pikepdf.Array([pdf.pages[i].obj, pikepdf.Name.XYZ, 0, 800, 0]) for i in range(2)}
    )
    source = tmp_path / "inherits.pdf"
    pdf.save(source)
    made = letters(source.read_bytes(), [_record(0), _record(1)])
    for i, letter in enumerate(made):
        path = tmp_path / f"{i}.pdf"
        path.write_bytes(letter.pdf)
        assert _pages(path) == 1 and "Letter" in pdf_text(path)
        with pikepdf.open(path) as cut:
            assert [float(v) for v in cut.pages[0].mediabox] == [0, 0, 595, 842]
            assert "/F1" in cut.pages[0].obj.Resources.Font
