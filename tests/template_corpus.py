"""A corpus of docxtpl templates as schools write them, built in code with python-docx (reviewable here, no binary
files): each with the natural JSON data a caller would send. ``text_of`` reads what a filled .docx says."""

from __future__ import annotations

import base64
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from typing import Any

from docx import Document
from docx.document import Document as WordDocument
from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NOTES_NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)


def png(width: int = 4, height: int = 3, header_only: bool = False) -> bytes:
    """A real PNG of ``width`` x ``height`` grey pixels (``header_only``: the header alone, claiming them)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    if header_only:
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PNG_B64 = base64.b64encode(png()).decode()


def _docx(build: Callable[[WordDocument], None]) -> bytes:
    doc = Document()
    for p in list(doc.paragraphs):
        p._element.getparent().remove(p._element)
    build(doc)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def with_notes(docx: bytes, footnote: str = "", endnote: str = "", comment: str = "") -> bytes:
    """``docx`` with a footnote, an endnote and a comment holding the given text, referenced from the last
    paragraph (python-docx cannot add them itself)."""
    parts: list[tuple[str, str, str, str, str]] = []  # file, content type, rel type, xml, reference run
    base = "application/vnd.openxmlformats-officedocument.wordprocessingml"
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    if footnote:
        parts.append(
            (
                "footnotes.xml",
                f"{base}.footnotes+xml",
                f"{rels}/footnotes",
                f'<w:footnotes {_NOTES_NS}><w:footnote w:id="1"><w:p><w:r><w:t xml:space="preserve">{footnote}'
                "</w:t></w:r></w:p></w:footnote></w:footnotes>",
                '<w:r><w:footnoteReference w:id="1"/></w:r>',
            )
        )
    if endnote:
        parts.append(
            (
                "endnotes.xml",
                f"{base}.endnotes+xml",
                f"{rels}/endnotes",
                f'<w:endnotes {_NOTES_NS}><w:endnote w:id="1"><w:p><w:r><w:t xml:space="preserve">{endnote}'
                "</w:t></w:r></w:p></w:endnote></w:endnotes>",
                '<w:r><w:endnoteReference w:id="1"/></w:r>',
            )
        )
    if comment:
        parts.append(
            (
                "comments.xml",
                f"{base}.comments+xml",
                f"{rels}/comments",
                f'<w:comments {_NOTES_NS}><w:comment w:id="0" w:author="A"><w:p><w:r><w:t xml:space="preserve">'
                f"{comment}</w:t></w:r></w:p></w:comment></w:comments>",
                '<w:r><w:commentReference w:id="0"/></w:r>',
            )
        )
    source = zipfile.ZipFile(BytesIO(docx))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            blob = source.read(item.filename)
            if not item.filename.endswith((".xml", ".rels")):
                target.writestr(item, blob)
                continue
            data = blob.decode()
            if item.filename == "[Content_Types].xml":
                overrides = "".join(f'<Override PartName="/word/{f}" ContentType="{ct}"/>' for f, ct, *_ in parts)
                data = data.replace("</Types>", overrides + "</Types>")
            elif item.filename == "word/_rels/document.xml.rels":
                added = "".join(
                    f'<Relationship Id="rIdNote{i}" Type="{rt}" Target="{f}"/>'
                    for i, (f, _, rt, *_) in enumerate(parts)
                )
                data = data.replace("</Relationships>", added + "</Relationships>")
            elif item.filename == "word/document.xml":
                references = "".join(p[4] for p in parts)
                at = data.rindex("</w:p>")
                data = data[:at] + references + data[at:]
            target.writestr(item, data.encode())
        for name, _, _, xml, _ in parts:
            target.writestr(f"word/{name}", xml.encode())
    return out.getvalue()


@dataclass(frozen=True)
class Case:
    """A template, the data a caller sends for it, and (where docxtpl itself gets it wrong) the text expected."""

    name: str
    docx: bytes
    data: dict[str, Any]
    expected: tuple[str, ...] = ()


def _rich(doc: WordDocument) -> None:
    doc.add_paragraph("Kính gửi: {{r recipient}}.")
    doc.add_paragraph("{{p body}}")
    doc.add_paragraph("Nơi nhận: {{ receivers }}")


def _images(doc: WordDocument) -> None:
    doc.add_paragraph("Ảnh thẻ: {{ photo }}")
    doc.add_paragraph("{%p for s in students %}")
    doc.add_paragraph("{{ s.name }} {{ s.photo }}")
    doc.add_paragraph("{%p endfor %}")


def _table_loop(doc: WordDocument) -> None:
    doc.add_paragraph("Danh sách lớp {{ class_info.code }} ({{ class_info.teacher.name }})")
    table = doc.add_table(rows=4, cols=3)
    table.cell(0, 0).text, table.cell(0, 1).text, table.cell(0, 2).text = "STT", "Họ và tên", "Điểm"
    table.cell(1, 0).text = "{%tr for s in students %}"
    table.cell(2, 0).text = "{{ loop.index }}"
    table.cell(2, 1).text = "{{ s.full_name }}{% if s.note %} ({{ s.note }}){% endif %}"
    table.cell(2, 2).text = "{{ s.score|round(1) }}"
    table.cell(3, 0).text = "{%tr endfor %}"
    doc.add_paragraph("Tổng số tiết: {{ hours * sessions }}; học phí {{ fee|thousands }} đồng")
    doc.add_paragraph("Ghi chú: {{ remark|default('không có') }}")


def _paragraph_loop(doc: WordDocument) -> None:
    doc.add_paragraph("Căn cứ:")
    doc.add_paragraph("{%p for basis in bases %}")
    doc.add_paragraph("- {{ basis }};")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p if closing %}")
    doc.add_paragraph("{{ closing }}")
    doc.add_paragraph("{%p endif %}")


def _parts(doc: WordDocument) -> None:
    doc.sections[0].header.paragraphs[0].text = "{{ organisation.name }}"
    doc.sections[0].footer.paragraphs[0].text = "Trang của {{ signer }}"
    doc.core_properties.title = "{{ subject }}"
    doc.add_paragraph("Nội dung: {{ subject }}")


def _escaping(doc: WordDocument) -> None:
    doc.add_paragraph('Hằng trong mẫu: {{ "Testé&xx;" }} và {{ "a<b" }}')
    doc.add_paragraph("Dữ liệu: {{ company }}")


def _whitespace(doc: WordDocument) -> None:
    doc.add_paragraph("[{{ spaced }}]")
    doc.add_paragraph("Địa chỉ: {{ address }}")


def _subdoc(doc: WordDocument) -> None:
    doc.add_paragraph("Phụ lục:")
    doc.add_paragraph("{{p appendix}}")
    doc.add_paragraph("Hết.")


def appendix_docx() -> bytes:
    return docx_with("Phụ lục I: lịch học", "Sáng thứ Hai")


@lru_cache(maxsize=1)
def corpus() -> list[Case]:
    """Every docxtpl feature the registry must fill as docxtpl does, with natural data."""
    return [
        Case(
            "rich",
            _docx(_rich),
            {
                "recipient": {
                    "runs": [
                        {"text": "Ông ", "italic": True},
                        {"text": "Nguyễn Văn An", "bold": True, "color": "C00000", "size": 13},
                        {"text": " (xem tại đây)", "url": "https://truongchinhtri.phutho.gov.vn", "underline": True},
                    ]
                },
                "body": {
                    "paragraphs": [
                        "Đoạn một.",
                        {"runs": [{"text": "Đoạn hai\ndòng hai", "bold": True}]},
                    ]
                },
                "receivers": "Như trên;\nLưu: VT.",
            },
        ),
        Case(
            "images",
            _docx(_images),
            {
                "photo": {"image": PNG_B64, "width_mm": 30, "height_mm": 40},
                "students": [
                    {"name": "An", "photo": {"image": PNG_B64, "width_mm": 10}},
                    {"name": "Bình", "photo": {"image": PNG_B64}},
                ],
            },
        ),
        Case(
            "table-loop",
            _docx(_table_loop),
            {
                "class_info": {"code": "TC-K12", "teacher": {"name": "Trần Thị Bích"}},
                "students": [
                    {"full_name": "Nguyễn Văn An", "score": 8.25, "note": "lớp trưởng"},
                    {"full_name": "Lê Thị Bình", "score": 7, "note": None},
                ],
                "hours": 4,
                "sessions": 15,
                "fee": 1250000,
            },
        ),
        Case(
            "paragraph-loop",
            _docx(_paragraph_loop),
            {"bases": ["Luật Tổ chức", "Quyết định số 12/QĐ-UBND"], "closing": "Quyết định có hiệu lực."},
        ),
        Case(
            "parts",
            with_notes(
                _docx(_parts),
                footnote="Chú thích: {{ footnote }}",
                endnote="Cuối: {{ endnote }}",
                comment="{{ reviewer }}",
            ),
            {
                "organisation": {"name": "TRƯỜNG CHÍNH TRỊ TỈNH PHÚ THỌ"},
                "signer": "Hiệu trưởng",
                "subject": "Mở lớp",
                "footnote": "theo Kế hoạch 05",
                "endnote": "hết",
                "reviewer": "Phòng Đào tạo",
            },
        ),
        Case(
            "escaping",
            _docx(_escaping),
            {"company": "Công ty A & B <TNHH> \"Hoa Sen\" 'HS'"},
            expected=("Hằng trong mẫu: Testé&xx; và a<b", "Dữ liệu: Công ty A & B <TNHH> \"Hoa Sen\" 'HS'"),
        ),
        Case(
            "whitespace", _docx(_whitespace), {"spaced": "  hai khoảng\ttab  ", "address": "Số 1\nđường Hùng Vương\n"}
        ),
        Case("subdoc", _docx(_subdoc), {"appendix": {"docx": base64.b64encode(appendix_docx()).decode()}}),
    ]


def text_of(docx: bytes, part: str = "word/document.xml") -> list[str]:
    """The paragraphs of a part as text: ``\\t`` for a tab, ``\\n`` for a line break, ``[picture]`` for a
    drawing."""
    with zipfile.ZipFile(BytesIO(docx)) as archive:
        root = etree.fromstring(archive.read(part))
    out = []
    for p in root.iter(f"{{{W}}}p"):
        text = ""
        for node in p.iter(f"{{{W}}}t", f"{{{W}}}tab", f"{{{W}}}br", f"{{{W}}}drawing"):
            tag = etree.QName(node).localname
            text += {"t": node.text or "", "tab": "\t", "br": "\n", "drawing": "[picture]"}[tag]
        out.append(text)
    return [t for t in out if t != ""]


def parts_of(docx: bytes) -> list[str]:
    with zipfile.ZipFile(BytesIO(docx)) as archive:
        return [n for n in archive.namelist() if re.match(r"word/(document|header\d*|footer\d*|footnotes)\.xml$", n)]


def core_title(docx: bytes) -> str:
    with zipfile.ZipFile(BytesIO(docx)) as archive:
        root = etree.fromstring(archive.read("docProps/core.xml"))
    return "".join(root.find("{http://purl.org/dc/elements/1.1/}title").itertext())


def docx_with(*paragraphs: str) -> bytes:
    """A .docx of one run per paragraph."""

    def build(doc: WordDocument) -> None:
        for text in paragraphs:
            doc.add_paragraph(text)

    return _docx(build)


def zip_of(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, blob in files.items():
            z.writestr(name, blob)
    return out.getvalue()


def with_document_xml(docx: bytes, xml: bytes) -> bytes:
    """``docx`` with its word/document.xml replaced by ``xml``."""
    source = zipfile.ZipFile(BytesIO(docx))
    return zip_of({n: xml if n == "word/document.xml" else source.read(n) for n in source.namelist()})


def with_alt_chunk(docx: bytes, target: str = "chunk.html", content_type: str = "text/html") -> bytes:
    """``docx`` with content Word imports from another part when it opens it (an altChunk, as programs that merge
    HTML or documents write it), here an HTML paragraph after the body's text."""
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    source = zipfile.ZipFile(BytesIO(docx))
    files = {name: source.read(name) for name in source.namelist()}
    files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(
        b"</Types>", f'<Override PartName="/word/{target}" ContentType="{content_type}"/></Types>'.encode()
    )
    files["word/_rels/document.xml.rels"] = files["word/_rels/document.xml.rels"].replace(
        b"</Relationships>",
        f'<Relationship Id="rIdAlt" Type="{rels}/aFChunk" Target="{target}"/></Relationships>'.encode(),
    )
    body = files["word/document.xml"]
    at = body.rindex(b"<w:sectPr")
    files["word/document.xml"] = body[:at] + b'<w:altChunk r:id="rIdAlt"/>' + body[at:]
    files[f"word/{target}"] = "<html><body><p>Nội dung nhập từ HTML</p></body></html>".encode()
    return zip_of(files)


def with_tracked_changes(kept: str, deleted: str, inserted: str) -> bytes:
    """A .docx of one paragraph edited with Track Changes on: ``kept``, then ``deleted`` (struck through until
    accepted) and ``inserted`` (underlined until accepted), as Word writes them."""
    change = 'w:author="Phòng Đào tạo" w:date="2026-11-02T08:00:00Z"'
    paragraph = (
        f'<w:p><w:r><w:t xml:space="preserve">{kept} </w:t></w:r>'
        f'<w:del w:id="1" {change}><w:r><w:delText xml:space="preserve">{deleted} </w:delText></w:r></w:del>'
        f'<w:ins w:id="2" {change}><w:r><w:t>{inserted}</w:t></w:r></w:ins></w:p>'
    )
    return docx_with_body(paragraph)


def docx_with_body(xml: str) -> bytes:
    """A .docx whose body is ``xml`` (WordprocessingML paragraphs and tables, prefix ``w``), then its section."""
    docx = docx_with("@")
    body = zipfile.ZipFile(BytesIO(docx)).read("word/document.xml")
    return with_document_xml(docx, body.replace(b"<w:p><w:r><w:t>@</w:t></w:r></w:p>", xml.encode()))
