"""Page-level work on PDFs: where each letter of a chunk starts and where its signature mark is (the named
destinations LibreOffice exports from the DOCX's bookmarks), cutting the chunk into one PDF per letter, and making a
letter a record: its PDF/A metadata and its QR code, before any signature (pikepdf); the words of a page and their
places (pdftotext), for a draft's blanks."""

from __future__ import annotations

import itertools
import re
import secrets
import subprocess
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pikepdf
from pikepdf.models.metadata import encode_pdf_date

from service.adapters.preview import page_picture
from service.adapters.qr_code import qr_modules
from service.adapters.renderer import BOOKMARKS, LETTER_BOOKMARK, MARK_BOOKMARK
from service.adapters.scratch import own_scratch_folder
from service.domain.pdf_record import PdfRecord
from service.errors import ConversionError
from signing.marks import Mark
from signing.slots import FILTER, SUBFILTER, SignatureSlot

_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


@dataclass(frozen=True)
class WordBox:
    """A word and its box in PDF coordinates (origin bottom left)."""

    text: str
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class PageWords:
    height: float
    text: str
    words: list[tuple[str, float, float]]  # word, x, y (PDF coordinates, origin bottom left)
    boxes: list[WordBox]


def page_words(pdf: bytes) -> list[PageWords]:
    result = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"], input=_intents_hidden(pdf), capture_output=True, timeout=300
    )
    if result.returncode != 0:
        error = result.stderr.decode(errors="replace")[:200]
        raise ConversionError(f"pdftotext failed: {error}", "Không đọc được chữ trong tệp PDF")
    pages = []
    for chunk in result.stdout.decode().split("<page ")[1:]:
        height = float(re.search(r'height="([\d.]+)"', chunk).group(1))  # type: ignore[union-attr]
        boxes = [
            WordBox(unescape(w), float(a), height - float(d), float(c), height - float(b))
            for a, b, c, d, w in _WORD.findall(chunk)
        ]
        words = [(b.text, b.x1, b.y1) for b in boxes]
        pages.append(PageWords(height, " ".join(w for w, _, _ in words), words, boxes))
    return pages


def _intents_hidden(pdf: bytes) -> bytes:
    """A copy to read the words of, its output intents renamed out of poppler's sight: poppler applies a PDF/A
    output intent's ICC profile to every colour it meets, which made pdftotext some fifty times slower on a chunk
    of letters (10 s instead of 0.2 s for 100 pages). Renamed in place (same length, so the cross-reference
    offsets hold) rather than removed by a rewrite, which cost as much as pdftotext itself."""
    return pdf.replace(b"/OutputIntents", b"/OutputIntentX")


def _split(
    source: pikepdf.Pdf,
    ranges: list[tuple[int, int]],
    records: Sequence[PdfRecord],
    slots: Sequence[SignatureSlot | None],
    marks: Sequence[Mark | None],
) -> list[bytes]:
    """One PDF per (first, last) page range, 0-based inclusive; each keeps the source's output intents (PDF/A),
    becomes its record (see :func:`make_record`) and gets its signature slot in the same pass."""
    out = []
    intents = [i if i.is_indirect else source.make_indirect(i) for i in source.Root.get("/OutputIntents", [])]
    for index, (first, last) in enumerate(ranges):
        part = pikepdf.new()
        part.pages.extend(source.pages[first : last + 1])
        if intents:
            part.Root.OutputIntents = pikepdf.Array([part.copy_foreign(i) for i in intents])
        out.append(_written(part, records[index], slots[index], marks[index]))
    return out


_SRGB = zlib.compress((Path(__file__).parent / "sRGB.icc").read_bytes(), 9)
"""The sRGB ICC profile (v2, "no copyright, use freely", as pikepdf ships it), compressed once."""


def _srgb_intent(doc: pikepdf.Pdf) -> pikepdf.Dictionary:
    """PDF/A's output intent for a PDF converted without PDF/A (a chunk of letters: ``converter.to_pdf``'s
    ``tagged``): sRGB, what LibreOffice's PDF/A export gives."""
    profile = pikepdf.Stream(doc, b"")
    profile.write(_SRGB, filter=pikepdf.Name.FlateDecode)
    profile.N = 3
    intent = pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent,
        S=pikepdf.Name.GTS_PDFA1,
        OutputConditionIdentifier=pikepdf.String("sRGB IEC61966-2.1"),
        DestOutputProfile=profile,
    )
    return doc.make_indirect(intent)


def _written(doc: pikepdf.Pdf, record: PdfRecord, slot: SignatureSlot | None, mark: Mark | None) -> bytes:
    """``doc`` made ``record`` with its signature ``slot``, written."""
    _as_record(doc, record)
    _with_slot(doc, slot, mark)
    return _saved(doc)


def _with_slot(doc: pikepdf.Pdf, slot: SignatureSlot | None, mark: Mark | None) -> None:
    """``slot``'s signature field in ``doc``, as pyHanko makes one: its widget on the mark's page (the seal's
    appearance where ``slot.box`` puts it; none and a zero box: invisible), its signature dictionary with the
    slot's placeholders, and the catalog's PAdES extension."""
    if slot is None:
        return
    box = slot.box(mark)
    page = doc.pages[mark.page if box is not None and mark is not None else 0]
    signature = pikepdf.Dictionary(
        Type=pikepdf.Name.Sig,
        Filter=pikepdf.Name(FILTER),
        SubFilter=pikepdf.Name(SUBFILTER),
        ByteRange=pikepdf.Array(slot.placeholder),
        Contents=pikepdf.String(bytes(slot.reserved // 2)),
        M=pikepdf.String(encode_pdf_date(slot.signed_at)),
        Name=pikepdf.String(slot.signer_name),
    )
    if slot.reason is not None:
        signature.Reason = pikepdf.String(slot.reason)
    if slot.location is not None:
        signature.Location = pikepdf.String(slot.location)
    widget = pikepdf.Dictionary(
        FT=pikepdf.Name.Sig,
        T=pikepdf.String(slot.field_name),
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Widget,
        F=132,  # print, locked
        Rect=[0, 0, 0, 0],
        P=page.obj,
        V=doc.make_indirect(signature),
    )
    if box is not None and slot.image is not None:
        rect = [round(box.x1), round(box.y1), round(box.x2), round(box.y2)]
        width, height = rect[2] - rect[0], rect[3] - rect[1]
        appearance = doc.make_stream(slot.image.drawing(width, height, "Img"))
        appearance.Type, appearance.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
        appearance.BBox = [0, 0, width, height]
        appearance.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Img=_image(doc, slot)))
        widget.Rect, widget.AP = rect, pikepdf.Dictionary(N=appearance)
    widget = doc.make_indirect(widget)
    page.obj.Annots = doc.make_indirect(pikepdf.Array([*page.obj.get("/Annots", []), widget]))
    form = doc.Root.get("/AcroForm")  # a form the PDF has already keeps its fields
    if form is None:
        form = doc.Root.AcroForm = doc.make_indirect(pikepdf.Dictionary(Fields=pikepdf.Array()))
    form.Fields = pikepdf.Array([*form.get("/Fields", []), widget])
    form.SigFlags = int(form.get("/SigFlags", 0)) | 3  # signatures exist, append only
    extensions = doc.Root.get("/Extensions", pikepdf.Dictionary())
    extensions.ESIC = pikepdf.Dictionary(
        Type=pikepdf.Name.DeveloperExtensions, BaseVersion=pikepdf.Name("/1.7"), ExtensionLevel=1
    )
    doc.Root.Extensions = extensions


def _image(doc: pikepdf.Pdf, slot: SignatureSlot) -> pikepdf.Stream:
    """The slot's image, its pixels and its transparency, as compressed once."""
    assert slot.image is not None
    image = slot.image
    streams = []
    for data, colours in ((image.alpha, pikepdf.Name.DeviceGray), (image.rgb, pikepdf.Name.DeviceRGB)):
        stream = pikepdf.Stream(doc, b"")
        stream.write(data, filter=pikepdf.Name.FlateDecode)
        stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        stream.Width, stream.Height, stream.BitsPerComponent = image.width, image.height, 8
        stream.ColorSpace = colours
        streams.append(stream)
    alpha, pixels = streams
    pixels.SMask = alpha
    return pixels


@dataclass(frozen=True)
class Letter:
    """One document of a converted PDF, made a record: its PDF, its number of pages, and where its signature mark
    is (page counted from its first; none: the template has no mark)."""

    pdf: bytes
    pages: int
    mark: Mark | None


def letters(
    pdf: bytes, records: Sequence[PdfRecord], slots: Sequence[SignatureSlot | None] | None = None
) -> list[Letter]:
    """The documents of ``pdf``, made from ``renderer.render_many``'s DOCX, each made its record (one per document,
    in order; see :func:`make_record`) with its signature slot (``slots``, one per document; none: no slot). Where
    each starts and where its mark is are the named destinations LibreOffice exported from the DOCX's bookmarks: no
    text is read. One document keeps its PDF whole."""
    slots = slots or [None] * len(records)
    with _opened(pdf) as source:
        places = _destinations(source)
        starts = [places.get(f"{LETTER_BOOKMARK}{i}") for i in range(len(records))]
        firsts = [start[0] for start in starts if start is not None]
        if len(firsts) < len(records) or any(a >= b for a, b in itertools.pairwise(firsts)):
            raise ConversionError(
                f"the converted PDF does not show where each of its {len(records)} documents starts",
                f"Tệp PDF đã chuyển đổi không cho biết {len(records)} văn bản của nó bắt đầu ở đâu",
            )
        ends = [*(first - 1 for first in firsts[1:]), len(source.pages) - 1]
        ranges = list(zip(firsts, ends, strict=True))
        marks = [_mark(places, i, first, last) for i, (first, last) in enumerate(ranges)]
        if len(records) == 1:
            dests = source.Root.get("/Dests")
            if dests is not None:  # ours, not the record's
                for name in [str(n) for n in dests if str(n)[1:].startswith(BOOKMARKS)]:
                    del dests[name]
                if not dests.keys():
                    del source.Root.Dests
            parts = [_written(source, records[0], slots[0], marks[0])]
        else:
            parts = _split(source, ranges, records, slots, marks)
    return [
        Letter(part, last - first + 1, mark) for part, (first, last), mark in zip(parts, ranges, marks, strict=True)
    ]


MARK_LINE = 13.5
"""How far below its line's top (where LibreOffice's destination points) a mark in a line of body type (13 pt
Liberation Serif, single spacing) has its baseline: the signature is centred on the baseline, as poppler reads it."""


def _mark(places: dict[str, tuple[int, float, float]], letter: int, first: int, last: int) -> Mark | None:
    """The letter's signature mark: the last of the template's marks that its pages show (one in a branch of the
    template not taken shows nowhere), counted from its first page; none: it shows no mark."""
    prefix = f"{MARK_BOOKMARK}{letter}x"
    shown = [
        (int(name[len(prefix) :]), place)
        for name, place in places.items()
        if name.startswith(prefix) and name[len(prefix) :].isdigit() and first <= place[0] <= last
    ]
    if not shown:
        return None
    page, x, top = max(shown)[1]
    return Mark(page - first, x, top - MARK_LINE)


def _destinations(source: pikepdf.Pdf) -> dict[str, tuple[int, float, float]]:
    """The catalog's named destinations (``/Dests``, as LibreOffice writes them): name -> (page index, left, top)."""
    dests = source.Root.get("/Dests")
    if dests is None:
        return {}
    index: dict[Any, int] = {page.objgen: i for i, page in enumerate(source.pages)}
    places = {}
    for name, value in dests.items():
        dest = value.get("/D") if isinstance(value, pikepdf.Dictionary) else value
        if isinstance(dest, pikepdf.Array) and len(dest) >= 4 and dest[0].objgen in index:
            places[name[1:]] = (index[dest[0].objgen], float(dest[2]), float(dest[3]))
    return places


@contextmanager
def _opened(pdf: bytes) -> Iterator[pikepdf.Pdf]:
    """``pdf`` opened from a file in memory (tmpfs where there is one): qpdf reads a file itself, several times
    faster than through a Python stream (``BytesIO``) for a chunk of a hundred letters. Page attributes are not
    pushed down from the page tree at opening (most of its time): qpdf gives a page copied out of it what it
    inherits (``tests/integration/test_letters.py``), and a document kept whole keeps its tree."""
    with tempfile.NamedTemporaryFile(suffix=".pdf", dir=own_scratch_folder("pages")) as file:
        file.write(pdf)
        file.flush()
        with pikepdf.open(file.name, inherit_page_attributes=False) as opened:
            yield opened


def _saved(doc: pikepdf.Pdf) -> bytes:
    """``doc`` written whole: the XMP is ours (or none); no object streams (a signature slot is found in the bytes);
    PDF 1.7 at least where a signature's PAdES extension says so; and a random permanent identifier (the first of
    ``/ID``), so that no two files written are the same bytes, whatever they hold and however close in time (qpdf
    derives its own from the second and the document's strings)."""
    identifier = pikepdf.String(secrets.token_bytes(16))
    doc.trailer.ID = pikepdf.Array([identifier, identifier])  # qpdf keeps the first, makes the second
    buffer = BytesIO()
    doc.save(
        buffer,
        fix_metadata_version=False,
        object_stream_mode=pikepdf.ObjectStreamMode.disable,
        min_version="1.7" if "/ESIC" in doc.Root.get("/Extensions", {}) else "",
    )
    return buffer.getvalue()


class Merged:
    """One PDF for printing, the documents one after the other, built as they come (``add`` in order), saved once."""

    def __init__(self) -> None:
        self._pdf = pikepdf.new()
        self._sources: list[pikepdf.Pdf] = []

    def add(self, pdf: bytes) -> None:
        source = pikepdf.open(BytesIO(pdf))
        self._sources.append(source)  # open until the save: its pages are copied then
        self._pdf.pages.extend(source.pages)

    def __len__(self) -> int:
        return len(self._sources)

    def save(self) -> bytes:
        try:
            buffer = BytesIO()
            self._pdf.save(buffer)
            return buffer.getvalue()
        finally:
            for source in self._sources:
                source.close()


def merge(pdfs: list[bytes]) -> bytes:
    """One PDF for printing, the documents one after the other."""
    merged = Merged()
    for pdf in pdfs:
        merged.add(pdf)
    return merged.save()


MM = 72 / 25.4
QR_SIZE = 16 * MM  # the code with its quiet zone
QR_LEFT, QR_BOTTOM = 30 * MM, 3 * MM  # in the bottom margin (20 mm or more, NĐ 30), at the text's left edge
QR_QUIET = 2  # modules of white around the code


_DARK_RUN = re.compile(b"[^\x00]+")


def qr_drawing(modules: list[bytes], x: float, y: float, size: float) -> bytes:
    """Content-stream operators drawing a QR code on white, its quiet zone included, as a ``size`` square whose
    lower left corner is (x, y): one rectangle per run of dark modules in a row (a byte per module, 0 light), in
    DeviceRGB, in a space where a module is one unit."""
    count = len(modules)
    side = count + 2 * QR_QUIET
    module = size / side
    ops = [f"q {module:.4f} 0 0 {module:.4f} {x:.3f} {y:.3f} cm 1 1 1 rg 0 0 {side} {side} re f 0 0 0 rg"]
    for r, row in enumerate(modules):
        bottom = count + QR_QUIET - 1 - r
        ops.extend(
            f"{run.start() + QR_QUIET} {bottom} {run.end() - run.start()} 1 re" for run in _DARK_RUN.finditer(row)
        )
    ops.append("f Q")
    return "\n".join(ops).encode()


_XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>
   <dc:language><rdf:Bag><rdf:li>{language}</rdf:li></rdf:Bag></dc:language>
   <pdf:Keywords>{keywords}</pdf:Keywords>
   <xmp:CreateDate>{created}</xmp:CreateDate>
   <xmp:ModifyDate>{created}</xmp:ModifyDate>
   <xmp:MetadataDate>{created}</xmp:MetadataDate>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def make_record(pdf: bytes, record: PdfRecord) -> bytes:
    """``pdf`` as a record: the same title, author, subject and keywords in its Info dictionary and its XMP (with
    the PDF/A-2b claim, ``pdfaid`` part 2 conformance B), its language in the catalog
    (/Lang) and in XMP, no producer, an sRGB output intent where it has none (converted without PDF/A), and, when
    ``record.verify_url`` is set, its QR code in the bottom margin of page 1.
    A full rewrite: call it before any signature."""
    with pikepdf.open(BytesIO(pdf)) as doc:
        _as_record(doc, record)
        return _saved(doc)


def _as_record(doc: pikepdf.Pdf, record: PdfRecord) -> None:
    """Info and XMP written whole, saying the same (PDF/A asks it), with no producer: a signing library's
    incremental update then names itself in both alike. Written from a template rather than edited through
    pikepdf's XMP API, which took most of a letter's time."""
    keywords = "; ".join(record.keywords)
    values = {"title": record.title, "author": record.author, "subject": record.subject, "keywords": keywords}
    xmp = _XMP.format(
        **{k: escape(v) for k, v in values.items()},
        language=escape(record.language),
        created=record.created.isoformat(timespec="seconds"),
    )
    metadata = doc.make_stream(xmp.encode())
    metadata.Type, metadata.Subtype = pikepdf.Name.Metadata, pikepdf.Name.XML
    doc.Root.Metadata = metadata
    date = pikepdf.String(encode_pdf_date(record.created))
    info = {f"/{k.title()}": pikepdf.String(v) for k, v in values.items()}
    doc.docinfo = doc.make_indirect(pikepdf.Dictionary(info | {"/CreationDate": date, "/ModDate": date}))
    doc.Root.Lang = pikepdf.String(record.language)
    if "/OutputIntents" not in doc.Root:  # converted without PDF/A
        doc.Root.OutputIntents = pikepdf.Array([_srgb_intent(doc)])
    if record.verify_url is not None:
        page = doc.pages[0]
        box = [float(v) for v in page.mediabox]
        drawing = qr_drawing(qr_modules(record.verify_url), box[0] + QR_LEFT, box[1] + QR_BOTTOM, QR_SIZE)
        page.contents_add(doc.make_stream(b"q\n"), prepend=True)
        page.contents_add(doc.make_stream(b"\nQ\n" + drawing + b"\n"))


class PdfPageTools:
    """``service.services.ports.PdfPages`` with pdftotext, pikepdf and pdftoppm (``adapters.preview``)."""

    def letters(
        self, pdf: bytes, records: Sequence[PdfRecord], slots: Sequence[SignatureSlot | None] | None = None
    ) -> list[Letter]:
        return letters(pdf, records, slots)

    def make_record(self, pdf: bytes, record: PdfRecord) -> bytes:
        return make_record(pdf, record)

    def merge(self, pdfs: list[bytes]) -> bytes:
        return merge(pdfs)

    def picture(self, pdf: bytes, page: int) -> bytes:
        return page_picture(pdf, page)

    def count(self, pdf: bytes) -> int:
        with pikepdf.open(BytesIO(pdf)) as opened:
            return len(opened.pages)
