"""Fills a .docx template (docxtpl) in a Jinja sandbox, with the Vietnamese format filters."""

from __future__ import annotations

import zipfile
import zlib
from io import BytesIO
from typing import Any
from xml.etree import ElementTree

from docx.oxml import parse_xml
from docxtpl import DocxTemplate
from jinja2 import TemplateError, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from service.domain import vietnamese
from service.errors import RenderError

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
        template = DocxTemplate(BytesIO(docx))
        placeholders = set(template.get_undeclared_template_variables(jinja_env=_environment()))
        called = _called(template, placeholders)
    except TemplateError as exc:
        raise RenderError(
            f"the template's placeholders do not parse: {exc}", f"Trường dữ liệu trong mẫu sai cú pháp: {exc}"
        ) from None
    except (KeyError, ValueError, ElementTree.ParseError, etree.XMLSyntaxError, zipfile.BadZipFile, zlib.error) as exc:
        raise RenderError(f"the .docx is damaged: {exc}", f"Tệp .docx bị hỏng: {exc}") from None
    if called:
        names = ", ".join(sorted(called))
        raise RenderError(
            f"the template calls the placeholder(s) {names} like a function; data cannot be called",
            f"Mẫu gọi trường dữ liệu {names} như một hàm; dữ liệu không thể gọi được",
        )
    return placeholders


def _called(template: DocxTemplate, placeholders: set[str]) -> set[str]:
    """Placeholders the template calls (``{{ name(x) }}``): data is text, numbers, lists, never a function."""
    env = _environment()
    source = template.patch_xml(template.xml_to_string(template.get_docx().element.body))
    found: set[str] = set()
    for part in [source, *_headers_and_footers(template)]:
        for call in env.parse(part).find_all(nodes.Call):
            if isinstance(call.node, nodes.Name) and call.node.name in placeholders:
                found.add(call.node.name)
    return found


def _headers_and_footers(template: DocxTemplate) -> list[str]:
    docx = template.get_docx()
    out = []
    for rel in docx.part.rels.values():
        if rel.reltype in (template.HEADER_URI, template.FOOTER_URI) and rel.target_part.blob:
            out.append(template.patch_xml(template.xml_to_string(parse_xml(rel.target_part.blob))))
    return out


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
    except (TypeError, ValueError, AttributeError, LookupError, ArithmeticError) as exc:  # e.g. {{ text(x) }}
        try:
            called = ", ".join(sorted(_called(DocxTemplate(BytesIO(template)), set(context)))) or "?"
        except Exception:  # naming them is a courtesy; the error stands without it
            called = "?"
        raise RenderError(
            f"the template cannot be filled ({type(exc).__name__}: {exc}); placeholder(s) called: {called}",
            f"Không điền được mẫu văn bản ({type(exc).__name__}: {exc}); trường dữ liệu bị gọi như hàm: {called}",
        ) from None
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


class DocxRenderer:
    """``service.services.ports.Renderer`` with docxtpl."""

    def render(self, template: bytes, context: dict[str, Any]) -> bytes:
        return render_docx(template, context)

    def render_many(self, template: bytes, contexts: list[dict[str, Any]]) -> bytes:
        return render_many(template, contexts)
