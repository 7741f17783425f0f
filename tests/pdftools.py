"""Checks of produced PDFs with tools this project did not write: qpdf, and poppler's pdfinfo, pdffonts, pdfsig.

The suite needs nothing outside the repository: these helpers call the Debian tools directly.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

TOOLS = ("qpdf", "pdfinfo", "pdffonts", "pdfsig", "pdftotext")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    assert shutil.which(args[0]), f"{args[0]} is missing (apt-get install -y poppler-utils qpdf)"
    return subprocess.run(args, capture_output=True, text=True)


def pdf_problems(path: Path) -> tuple[list[str], int, str]:
    """What is wrong with ``path``: qpdf --check, A4 pages, every font embedded, every signature valid.

    Returns (problems, number of signatures, page size as pdfinfo prints it)."""
    problems: list[str] = []
    if _run("qpdf", "--check", str(path)).returncode != 0:
        problems.append("qpdf --check fails")
    info = _run("pdfinfo", str(path)).stdout
    size = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("Page size:")), "")
    if not re.search(r"595(\.\d+)? x 84[12](\.\d+)?", size):
        problems.append(f"page size is {size!r}, not A4")
    # pdffonts: two header lines, then one font a line; the "emb" column is the fifth from the right.
    for line in _run("pdffonts", str(path)).stdout.splitlines()[2:]:
        if line.split()[-5] != "yes":
            problems.append(f"a font is not embedded: {line.split()[0]}")
    out = _run("pdfsig", str(path)).stdout
    signatures = len(re.findall(r"^Signature #", out, re.M))
    valid = out.count("Signature Validation: Signature is Valid")
    if signatures == 0:
        problems.append("no signature")
    elif valid != signatures:
        problems.append(f"only {valid} of {signatures} signatures valid")
    return problems, signatures, size


def problems_of_each(paths: list[Path]) -> dict[Path, list[str]]:
    """:func:`pdf_problems` of every file in ``paths``, by path: the checks are separate processes that mostly wait
    to start and read, so several run at once."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(paths, (problems for problems, _, _ in pool.map(pdf_problems, paths)), strict=True))


def check_pdf(path: Path) -> str:
    """Assert that ``path`` passes every check; returns ``ok PATH (N signature(s), SIZE)``."""
    problems, signatures, size = pdf_problems(path)
    assert not problems, f"{path}: {'; '.join(problems)}"
    return f"ok    {path} ({signatures} signature(s), {size})"


def pdf_text(path: Path) -> str:
    return _run("pdftotext", "-layout", str(path), "-").stdout


# -- PDF/A-2b and the record's metadata -----------------------------------------------------------------------------
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_XMP_NAMESPACES = {
    "http://www.aiim.org/pdfa/ns/id/": "pdfaid",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://ns.adobe.com/pdf/1.3/": "pdf",
    "http://ns.adobe.com/xap/1.0/": "xmp",
}


def pdf_objects(path: Path) -> dict[str, Any]:
    """Every object of ``path`` as its last revision has it (qpdf's JSON, streams decoded inline as base64)."""
    out = _run(
        "qpdf", "--json=2", "--json-key=qpdf", "--json-stream-data=inline", "--decode-level=generalized", str(path)
    )
    assert out.returncode in (0, 3), out.stderr
    objects: dict[str, Any] = json.loads(out.stdout)["qpdf"][1]
    return objects


def _value(objects: dict[str, Any], ref: Any) -> Any:
    """An object's value, following an indirect reference (``"12 0 R"``)."""
    while isinstance(ref, str) and ref.endswith(" R"):
        entry = objects[f"obj:{ref}"]
        ref = entry["value"] if "value" in entry else entry["stream"]
    return ref


def _text(value: Any) -> str:
    """A PDF string as qpdf's JSON writes it (``u:`` text, ``b:`` hex bytes)."""
    assert isinstance(value, str), value
    if value.startswith("u:"):
        return value[2:]
    return bytes.fromhex(value[2:]).decode("latin-1")


def _xmp_properties(xml: bytes) -> dict[str, list[str]]:
    """The XMP packet's properties we read, by prefix:name, each as its list of values (one for a simple value)."""
    props: dict[str, list[str]] = {}
    root = ElementTree.fromstring(xml)
    for description in root.iter(f"{_RDF}Description"):
        items = [(k, [v]) for k, v in description.attrib.items()]
        for child in description:
            lis = [li.text or "" for li in child.iter(f"{_RDF}li")]
            items.append((child.tag, lis or [child.text or ""]))
        for tag, values in items:
            namespace, _, name = tag[1:].partition("}")
            if namespace in _XMP_NAMESPACES:
                props[f"{_XMP_NAMESPACES[namespace]}:{name}"] = values
    return props


# Info entries and the XMP properties PDF/A asks them to agree with (ISO 19005-2, 6.6.2.3.1); dates are left out.
_INFO_IN_XMP = {
    "Title": "dc:title",
    "Author": "dc:creator",
    "Subject": "dc:description",
    "Keywords": "pdf:Keywords",
    "Producer": "pdf:Producer",
    "Creator": "xmp:CreatorTool",
}


@dataclass(frozen=True)
class RecordFacts:
    """What a PDF says of itself as an archival record (read with qpdf, XMP parsed here)."""

    xmp: dict[str, list[str]]
    info: dict[str, str]
    lang: str | None
    output_intents: list[tuple[str, bytes]]  # (subtype, the ICC profile)
    encrypted: bool
    javascript: bool


def record_facts(path: Path) -> RecordFacts:
    objects = pdf_objects(path)
    trailer = objects["trailer"]["value"]
    root = _value(objects, trailer["/Root"])
    metadata = _value(objects, root.get("/Metadata"))
    xmp = _xmp_properties(base64.b64decode(metadata["data"])) if metadata else {}
    info = {k[1:]: _text(v) for k, v in _value(objects, trailer.get("/Info", {})).items() if isinstance(v, str)}
    info = {k: v for k, v in info.items() if not v.startswith("/")}
    intents = []
    for ref in _value(objects, root.get("/OutputIntents", [])):
        intent = _value(objects, ref)
        profile = _value(objects, intent["/DestOutputProfile"])
        intents.append((str(intent["/S"]), base64.b64decode(profile["data"])))
    names = _value(objects, root.get("/Names", {}))
    dump = json.dumps(objects)
    javascript = "/JavaScript" in names or '"/JS"' in dump or '"/S": "/JavaScript"' in dump
    lang = _text(root["/Lang"]) if "/Lang" in root else None
    return RecordFacts(xmp, info, lang, intents, "/Encrypt" in trailer, javascript)


def _pdfa_report(path: Path) -> Any:
    """pikepdf's PDF/A validator (veraPDF's rules for PDF/A-2b) on ``path``."""
    import pikepdf
    import pikepdf.pdfa

    with pikepdf.open(path) as pdf:
        return pikepdf.pdfa.check(pdf, "2b")


def pdfa_findings(path: Path) -> list[str]:
    """The rules of PDF/A-2b that pikepdf's validator finds ``path`` breaking; what it does not check (a signed PDF's
    form, say) is not counted."""
    return [str(finding) for finding in _pdfa_report(path).findings if finding.kind == "violation"]


def pdfa_verdict(path: Path) -> tuple[str, list[str]]:
    """pikepdf's verdict on ``path`` as PDF/A-2b (``pass``, ``fail``, or ``not_checked`` where it meets what it does
    not check, a signed PDF's form say) and every finding."""
    report = _pdfa_report(path)
    return report.verdict, [str(finding) for finding in report.findings]


def pdfa_problems(path: Path, title: str, author: str, language: str = "vi-VN") -> list[str]:
    """What keeps ``path`` from being the PDF/A-2b record it claims: the XMP claim (pdfaid part 2, conformance B),
    an sRGB output intent, no encryption nor JavaScript, no rule broken that pikepdf's validator checks, the same
    title and author in Info and XMP, its language in the catalog and XMP, nothing left of LibreOffice's defaults
    (en-US, python-docx); fonts and signatures as :func:`pdf_problems` checks them."""
    facts = record_facts(path)
    problems = list(pdf_problems(path)[0]) + pdfa_findings(path)
    expected = {
        "pdfaid:part": ["2"],
        "pdfaid:conformance": ["B"],
        "dc:title": [title],
        "dc:creator": [author],
        "dc:language": [language],
    }
    problems += [f"XMP {k} is {facts.xmp.get(k)}, not {v}" for k, v in expected.items() if facts.xmp.get(k) != v]
    if (facts.info.get("Title"), facts.info.get("Author")) != (title, author):
        problems.append(f"Info says title {facts.info.get('Title')!r}, author {facts.info.get('Author')!r}")
    for key, twin in _INFO_IN_XMP.items():
        if key in facts.info and [facts.info[key]] != facts.xmp.get(twin):
            problems.append(f"Info's {key} {facts.info[key]!r} differs from XMP's {twin} {facts.xmp.get(twin)}")
    if facts.lang != language:
        problems.append(f"the catalog's /Lang is {facts.lang!r}")
    if not any(subtype == "/GTS_PDFA1" and b"sRGB" in profile for subtype, profile in facts.output_intents):
        problems.append(f"no sRGB PDF/A output intent: {[s for s, _ in facts.output_intents]}")
    if facts.encrypted:
        problems.append("encrypted")
    if facts.javascript:
        problems.append("JavaScript")
    everything = json.dumps([facts.info, facts.xmp], ensure_ascii=False)
    problems += [f"{left} is still in the metadata" for left in ("en-US", "python-docx") if left in everything]
    return problems


# -- QR codes -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QrCode:
    """A QR code read from a page: its text and its box in PDF points (origin bottom left)."""

    text: str
    x1: float
    y1: float
    x2: float
    y2: float


def qr_codes(path: Path, page: int = 1, dpi: int = 200) -> list[QrCode]:
    """The QR codes on ``page`` of ``path``, as a phone would read them: pdftoppm renders it, zxing-cpp decodes."""
    import zxingcpp
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp) / "page"
        rendered = _run("pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", str(path), str(prefix))
        assert rendered.returncode == 0, rendered.stderr
        image = Image.open(next(Path(tmp).glob("page*.png")))
        image.load()
    scale = 72 / dpi
    found: list[QrCode] = []
    only_qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)  # no line of text read as a 1D code
    for result in zxingcpp.read_barcodes(image, formats=only_qr):
        if any(code.text == result.text for code in found):
            continue  # the same symbol reported twice
        p = result.position
        xs = [pt.x for pt in (p.top_left, p.top_right, p.bottom_left, p.bottom_right)]
        ys = [pt.y for pt in (p.top_left, p.top_right, p.bottom_left, p.bottom_right)]
        height = image.height * scale
        found.append(
            QrCode(result.text, min(xs) * scale, height - max(ys) * scale, max(xs) * scale, height - min(ys) * scale)
        )
    return found


def font_names(path: Path) -> set[str]:
    """The names of the fonts of ``path``, as pdffonts lists them, without a subset's ``ABCDEF+`` prefix."""
    lines = _run("pdffonts", str(path)).stdout.splitlines()[2:]
    return {line.split()[0].split("+")[-1] for line in lines if line.strip()}


def word_boxes(path: Path, page: int = 1) -> list[tuple[str, float, float, float, float]]:
    """The words of ``page`` with their boxes in PDF points (origin bottom left), as pdftotext -bbox gives them."""
    out = _run("pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-").stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', out).group(1))  # type: ignore[union-attr]
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out)
    return [(w, float(a), height - float(d), float(c), height - float(b)) for a, b, c, d, w in words]


def qr_code_clear_of_text(path: Path) -> QrCode:
    """The one QR code of page 1, asserted to cover no word of it."""
    [code] = qr_codes(path)
    words = word_boxes(path)
    covered = [w for w, x1, y1, x2, y2 in words if x1 < code.x2 and code.x1 < x2 and y1 < code.y2 and code.y1 < y2]
    assert covered == [], f"{path}: the QR code covers {covered}"
    return code
