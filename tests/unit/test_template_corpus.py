"""Issue 16's acceptance: templates as people write them register with the schema derived from their use, accept
their natural JSON data, and fill as docxtpl itself fills them given the same objects (docx only, no PDF)."""

from __future__ import annotations

import base64
import re
import zipfile
from datetime import date
from io import BytesIO
from typing import Any

import pytest
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage, RichText, RichTextParagraph
from jinja2.sandbox import SandboxedEnvironment

from service.adapters.renderer import FILTERS, render_docx
from service.domain.placeholders import as_sent
from service.services.production import render_context
from service.services.templates import register_template
from service.services.validation import validate
from tests.template_corpus import PNG_B64, Case, appendix_docx, core_title, corpus, parts_of, png, text_of
from tests.unit.services import Service

TODAY = date(2026, 12, 1)


def _objects(case: Case, tpl: DocxTemplate) -> dict[str, Any]:
    """The objects a docxtpl user would hand docxtpl for ``case``, written out by hand."""
    if case.name == "rich":
        recipient = RichText()
        recipient.add("Ông ", italic=True)
        recipient.add("Nguyễn Văn An", bold=True, color="C00000", size=26)
        recipient.add(" (xem tại đây)", underline=True, url_id=tpl.build_url_id("https://truongchinhtri.phutho.gov.vn"))
        body = RichTextParagraph()
        body.add(RichText("Đoạn một."))
        body.add(RichText("Đoạn hai\ndòng hai", bold=True))
        return {"recipient": recipient, "body": body, "receivers": "Như trên;\nLưu: VT."}
    if case.name == "images":
        return {
            "photo": InlineImage(tpl, BytesIO(png()), width=Mm(30), height=Mm(40)),
            "students": [
                {"name": "An", "photo": InlineImage(tpl, BytesIO(png()), width=Mm(10))},
                {"name": "Bình", "photo": InlineImage(tpl, BytesIO(png()))},
            ],
        }
    if case.name == "subdoc":
        return {"appendix": tpl.new_subdoc(BytesIO(appendix_docx()))}
    return dict(case.data)


def _docxtpl_itself(case: Case, document: dict[str, Any]) -> bytes:
    tpl = DocxTemplate(BytesIO(case.docx))
    tpl.init_docx()
    env = SandboxedEnvironment()
    env.filters.update(FILTERS)
    tpl.render({**_objects(case, tpl), "document": document}, jinja_env=env, autoescape=True)
    out = BytesIO()
    tpl.save(out)
    return out.getvalue()


@pytest.mark.parametrize("case", corpus(), ids=lambda c: c.name)
def test_a_template_registers_takes_its_natural_data_and_fills_as_docxtpl_does(case: Case) -> None:
    service = Service()
    catalog = service.templates
    template, created = register_template(catalog, None, f"corpus-{case.name}", case.docx, None, None)
    assert created
    data = as_sent(template.schema, case.data)
    validate(template.schema, data)  # the derived schema takes the data a caller would naturally send
    context = render_context(template, data, "01/VD", TODAY, catalog)
    ours = render_docx(case.docx, context)
    theirs = _docxtpl_itself(case, context["document"])
    if case.expected:  # docxtpl itself escapes the template's literal twice: what it should say instead
        assert text_of(ours) == list(case.expected)
        assert text_of(theirs) != list(case.expected)
        return
    assert parts_of(ours) == parts_of(theirs)
    for part in parts_of(ours):
        assert text_of(ours, part) == text_of(theirs, part), part
    assert "{{" not in "".join(text_of(ours))
    if case.name == "parts":  # docxtpl fills footnotes (compared above); endnotes and comments only we fill
        assert text_of(ours, "word/endnotes.xml") == ["Cuối: hết"]
        assert text_of(ours, "word/comments.xml") == ["Phòng Đào tạo"]
        assert core_title(ours) == "Mở lớp"
    if case.name == "whitespace":  # nothing trimmed, tabs and line ends kept as Word's own
        assert text_of(ours) == ["[  hai khoảng\ttab  ]", "Địa chỉ: Số 1\nđường Hùng Vương\n"]


def _schema(case_name: str) -> dict[str, Any]:
    case = next(c for c in corpus() if c.name == case_name)
    template, _ = register_template(Service().templates, None, f"corpus-{case_name}", case.docx, None, None)
    return template.schema


def test_the_derived_schema_follows_the_use_of_each_placeholder() -> None:
    schema = _schema("table-loop")
    props = schema["properties"]
    assert props["class_info"]["properties"]["teacher"]["properties"]["name"]["type"] == [
        "string",
        "number",
        "integer",
        "boolean",
    ]
    students = props["students"]
    assert students["type"] == "array" and students["items"]["required"] == ["full_name", "score"]
    assert students["items"]["properties"]["score"] == {"type": "number"}  # |round
    assert students["items"]["properties"]["note"]["type"][-1] == "null"  # tested with if: optional
    assert props["hours"] == {"type": "number"} and props["fee"] == {"type": "number"}  # arithmetic, |thousands
    assert "remark" not in schema["required"]  # |default
    rich = _schema("rich")["properties"]
    assert rich["recipient"]["x-vanban-kind"] == "rich" and rich["body"]["x-vanban-kind"] == "paragraphs"
    assert _schema("images")["properties"]["photo"]["x-vanban-kind"] == "image"
    assert set(_schema("parts")["required"]) == {"organisation", "signer", "subject", "footnote", "endnote", "reviewer"}


def test_the_same_text_is_kept_as_sent_and_only_a_trimmed_field_is_trimmed() -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string", "x-vanban-trim": True}, "note": {"type": "string"}},
    }
    decomposed = "Nguye\u0302\u0303n"
    assert as_sent(schema, {"name": f"  {decomposed} ", "note": f"\t{decomposed}\n"}) == {
        "name": "Nguyễn",
        "note": "\tNguyễn\n",
    }


HUGE = base64.b64encode(png(9000, 9000, header_only=True) + png()[-12:]).decode()  # claims 81 megapixels


def test_a_value_of_the_wrong_kind_is_refused_at_its_field_never_an_empty_cell() -> None:
    from service.errors import InvalidRequest

    schema = _schema("images")
    good = {"photo": {"image": PNG_B64}, "students": []}
    validate(schema, good)
    for bad, path in [
        ({**good, "photo": "ảnh.png"}, "photo"),
        ({**good, "photo": {"image": base64.b64encode(b"GIF89a....").decode()}}, "photo"),
        ({**good, "photo": {"image": "không phải base64"}}, "photo"),
        ({**good, "photo": {"image": base64.b64encode(png()[:40]).decode()}}, "photo"),  # cut short
        ({**good, "photo": {"image": PNG_B64, "width_mm": 5000}}, "photo.width_mm"),
        (
            {
                **good,
                "students": [{"name": "An", "photo": {"image": HUGE}}],
            },
            "students[0].photo",
        ),
    ]:
        with pytest.raises(InvalidRequest) as caught:
            validate(schema, bad)
        assert caught.value.errors[0].path.startswith(path), (path, caught.value.errors)
    rich = _schema("rich")
    with pytest.raises(InvalidRequest) as caught:
        validate(rich, {"recipient": {"runs": [{"text": "x", "colour": "red"}]}, "body": "x", "receivers": "y"})
    assert caught.value.errors[0].path.startswith("recipient")


def test_the_worked_example_of_the_authors_guide_works_as_written() -> None:
    """docs/template-guide.md: its template, built paragraph by paragraph, registers; its JSON is accepted; the
    check prints the types the guide says."""
    import json
    import re
    from pathlib import Path

    from service.services.templates import check_template
    from tests.template_corpus import docx_with

    guide = (Path(__file__).resolve().parents[2] / "docs" / "template-guide.md").read_text()
    lines = re.search(r"```\nGIẤY MỜI\n(.*?)```", guide, re.DOTALL)
    data = re.search(r"```json\n(.*?)```", guide, re.DOTALL)
    assert lines is not None and data is not None
    body = lines.group(1).replace(",\nvào", ", vào").splitlines()
    docx = docx_with("GIẤY MỜI", *body, "{{ co_quan.ten }}")
    for said in re.findall(r"`([a-z_.\[\]]+: [a-z]+(?: \(optional\))?)`", guide.split("Dữ liệu gửi kèm")[0]):
        name, kind = said.split(": ", 1)
        assert check_template(docx).kinds[name] == kind, said
    catalog = Service().templates
    template, _ = register_template(catalog, None, "giay-moi-khai-giang", docx, None, None)
    sent = as_sent(template.schema, json.loads(data.group(1)))
    validate(template.schema, sent)
    text = "\n".join(text_of(render_docx(docx, render_context(template, sent, "01/GM", TODAY, catalog))))
    assert "Kính gửi: Đồng chí Nguyễn Văn An, Phó Giám đốc Sở Nội vụ" in text
    assert "07 giờ 30 phút, ngày 02 tháng 3 năm 2026" in text and "2. 08 giờ 00: Khai mạc" in text
    assert "Ghi chú" not in text and "Trang phục: áo dài hoặc com-lê." in text


def test_a_picture_is_told_by_its_name_and_only_by_a_clear_one() -> None:
    from service.services.templates import check_template
    from tests.template_corpus import docx_with

    kinds = check_template(
        docx_with("{{ hinh_thuc }} {{ ten_anh }} {{ photo_caption }} {{ anh_the }} {{ logo }}")
    ).kinds
    assert kinds == {
        "hinh_thuc": "text",
        "ten_anh": "text",
        "photo_caption": "text",
        "anh_the": "image",
        "logo": "image",
    }


def test_letters_made_together_keep_their_rich_content() -> None:
    """A batch renders its letters in one pass (``render_many``): each letter's runs, paragraphs and pictures."""
    from service.adapters.renderer import render_many

    case = next(c for c in corpus() if c.name == "rich")
    catalog = Service().templates
    template, _ = register_template(catalog, None, "corpus-many", case.docx, None, None)
    one = render_context(template, as_sent(template.schema, case.data), "01/VD", TODAY, catalog)
    alone = text_of(render_docx(case.docx, one))
    together = text_of(render_many(case.docx, [one, one]))
    assert [t for t in together if t != "\n"] == alone + alone  # less the page break between the two


def test_headers_and_footers_are_filled_for_one_document_and_with_what_a_batch_shares() -> None:
    """Every issued document is rendered by ``render_many`` (its bookmarks): a header's placeholders were left
    empty there, since only the body is repeated per letter. One document: its own values. A batch (one section,
    one header for all its letters): the values every letter shares; one that differs is left empty rather than
    showing one student's value on every letter."""
    from docx import Document

    from service.adapters.renderer import inspect_docx, render_many

    doc = Document()
    doc.add_paragraph("Kính gửi {{ student }}")
    doc.sections[0].header.paragraphs[0].text = "Lớp {{ course }} - {{ student }}"
    doc.sections[0].footer.paragraphs[0].text = "Khóa {{ course }}"
    template = BytesIO()
    doc.save(template)

    def header_and_footer(docx: bytes) -> str:
        parts = zipfile.ZipFile(BytesIO(docx))
        names = sorted(n for n in parts.namelist() if re.fullmatch(r"word/(header|footer)\d+\.xml", n))
        return " | ".join("".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", parts.read(n).decode())) for n in names)

    (warning,) = [w for w in inspect_docx(template.getvalue()).warnings if "batch" in w]
    assert warning.startswith("the footer and header hold placeholders"), warning  # told at upload and check
    doc.sections[0].header.paragraphs[0].text = "[[sig:leader]]"
    marked = BytesIO()
    doc.save(marked)
    assert any("is in the header, where it is not looked for" in w for w in inspect_docx(marked.getvalue()).warnings)
    one = render_many(template.getvalue(), [{"course": "K12", "student": "An"}])
    assert header_and_footer(one) == "Khóa K12 | Lớp K12 - An"
    two = render_many(template.getvalue(), [{"course": "K12", "student": "An"}, {"course": "K12", "student": "Bình"}])
    assert header_and_footer(two) == "Khóa K12 | Lớp K12 - "
