"""Fills a .docx template (docxtpl) in a Jinja sandbox, with the Vietnamese format filters."""

from __future__ import annotations

import zipfile
from io import BytesIO
from typing import Any
from xml.etree import ElementTree

from docxtpl import DocxTemplate
from jinja2 import TemplateError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from service.domain import vietnamese
from service.errors import VanbanError

FILTERS = {
    "date_dmy": vietnamese.date_dmy,
    "date_in_words": vietnamese.date_in_words,
    "time_and_date": vietnamese.time_and_date,
    "two_digits": vietnamese.two_digits,
    "number_in_words": vietnamese.number_in_words,
    "money_in_words": vietnamese.money_in_words,
    "thousands": vietnamese.thousands,
    "title_name": vietnamese.title_case_name,
    "slug": vietnamese.slug,
}


class RenderError(VanbanError):
    status_code = 422
    code = "render"


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(autoescape=False)
    env.filters.update(FILTERS)
    return env


MAX_UNCOMPRESSED = 30 * 1_048_576  # a .docx of official documents is a few hundred KiB unpacked
MAX_ENTRIES = 2000
MAX_RATIO = 200  # a zip bomb packs a thousand times and more


def inspect_docx(docx: bytes) -> set[str]:
    """Check an uploaded .docx is a sane Word file (no zip bomb, no broken zip, a body, Jinja that parses) and
    return the placeholders it uses (docxtpl's undeclared variables)."""
    try:
        with zipfile.ZipFile(BytesIO(docx)) as archive:
            entries = archive.infolist()
            total = sum(e.file_size for e in entries)
            if len(entries) > MAX_ENTRIES or total > MAX_UNCOMPRESSED:
                raise RenderError(
                    f"the .docx unpacks to {total} bytes in {len(entries)} parts; the limit is {MAX_UNCOMPRESSED} "
                    f"bytes and {MAX_ENTRIES} parts",
                    f"Tệp .docx giải nén ra {total} byte trong {len(entries)} phần, vượt giới hạn",
                )
            for e in entries:
                if e.compress_size and e.file_size / e.compress_size > MAX_RATIO and e.file_size > 1_048_576:
                    raise RenderError(
                        f"part {e.filename} expands {e.file_size // e.compress_size}x: refused as a zip bomb",
                        f"Phần {e.filename} giải nén gấp {e.file_size // e.compress_size} lần: nghi tệp nén độc hại",
                    )
            if "word/document.xml" not in archive.namelist():
                raise RenderError(
                    "not a Word document: word/document.xml is missing", "Không phải tệp Word: thiếu word/document.xml"
                )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise RenderError(f"not a .docx file: {exc}", f"Không phải tệp .docx: {exc}") from None
    try:
        return set(DocxTemplate(BytesIO(docx)).get_undeclared_template_variables(jinja_env=_environment()))
    except TemplateError as exc:
        raise RenderError(
            f"the template's placeholders do not parse: {exc}", f"Trường dữ liệu trong mẫu sai cú pháp: {exc}"
        ) from None
    except (KeyError, ValueError, ElementTree.ParseError, etree.XMLSyntaxError) as exc:
        raise RenderError(f"the .docx is damaged: {exc}", f"Tệp .docx bị hỏng: {exc}") from None


def render_docx(template: bytes, context: dict[str, Any]) -> bytes:
    """Fill ``template`` with ``context``; returns the filled .docx."""
    doc = DocxTemplate(BytesIO(template))
    try:
        doc.render(context, jinja_env=_environment(), autoescape=True)
    except SecurityError as exc:
        raise RenderError(
            f"the template tried something the sandbox forbids: {exc}",
            f"Mẫu văn bản thực hiện thao tác bị cấm: {exc}",
        ) from None
    except TemplateError as exc:
        raise RenderError(f"the template cannot be filled: {exc}", f"Không điền được mẫu văn bản: {exc}") from None
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _paragraph(text: str | None = None, page_break: bool = False) -> etree._Element:
    p = etree.Element(f"{{{W}}}p")
    run = etree.SubElement(p, f"{{{W}}}r")
    if page_break:
        etree.SubElement(run, f"{{{W}}}br").set(f"{{{W}}}type", "page")
    else:
        etree.SubElement(run, f"{{{W}}}t").text = text
    return p


def _repeating(template: bytes, names: list[str]) -> bytes:
    """The template with its body wrapped in a loop over ``letters``, a page break between two letters."""
    source = zipfile.ZipFile(BytesIO(template))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                root = etree.fromstring(data)
                body = root.find(f"{{{W}}}body")
                assert body is not None
                section = body[-1]  # the final w:sectPr stays last: one section for all letters
                bindings = ", ".join(f"{n}=letter[{n!r}]" for n in names)
                body.insert(0, _paragraph(f"{{%p with {bindings} %}}"))
                body.insert(0, _paragraph("{%p for letter in letters %}"))
                at = list(body).index(section)
                tail = ["{%p endwith %}", "{%p if not loop.last %}", None, "{%p endif %}", "{%p endfor %}"]
                for offset, text in enumerate(tail):
                    body.insert(at + offset, _paragraph(text, page_break=text is None))
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            target.writestr(item, data)
    return out.getvalue()


def render_many(template: bytes, contexts: list[dict[str, Any]]) -> bytes:
    """Fill ``template`` once per context into one .docx, each letter starting on a new page: one Jinja pass and
    one LibreOffice conversion for a whole chunk of letters. Each letter reads as ``render_docx`` would make it."""
    names = sorted({name for context in contexts for name in context if name.isidentifier()})
    return render_docx(_repeating(template, names), {"letters": contexts})
