"""Rich content (nội dung định dạng) sent as JSON: formatted runs, whole paragraphs, pictures and included documents.

A template's schema marks such a field with ``"x-vanban-kind"``: ``rich`` for ``{{r x}}`` (runs inside a
paragraph), ``paragraphs`` for ``{{p x}}`` (whole paragraphs, or a whole included document), ``image`` for a
picture. :func:`content_schema` is the JSON Schema of each kind; :func:`from_json` turns checked data into the
values below, which the renderer maps onto docxtpl's own objects (RichText, RichTextParagraph, InlineImage, Subdoc).
"""

from __future__ import annotations

import base64
import binascii
import io
import lzma
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO, Any

KIND = "x-vanban-kind"
KINDS = ("rich", "paragraphs", "image")
MAX_IMAGE_BYTES = 5 * 1_048_576
MAX_IMAGE_PIXELS = 40_000_000  # a 40-megapixel photo; a decompression bomb claims far more
MAX_IMAGE_MM = 600  # wider or taller than an A2 page is a typo
MAX_DOCX_BYTES = 5 * 1_048_576
SHA256 = "^[0-9a-f]{64}$"


@dataclass(frozen=True)
class Run:
    """A piece of text with one formatting; ``size`` in points, ``color``/``highlight`` as RRGGBB."""

    text: str
    bold: bool = False
    italic: bool = False
    underline: bool | str = False
    strike: bool = False
    color: str | None = None
    highlight: str | None = None
    size: float | None = None
    font: str | None = None
    url: str | None = None
    superscript: bool = False
    subscript: bool = False


@dataclass(frozen=True)
class RichText:
    """Runs inside an existing paragraph (``{{r x}}``)."""

    runs: tuple[Run, ...]


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    style: str | None = None


@dataclass(frozen=True)
class Paragraphs:
    """Whole paragraphs in place of the placeholder's paragraph (``{{p x}}``)."""

    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class Image:
    """A PNG or JPEG picture in the text; without width and height it keeps its own size (at its dpi)."""

    data: bytes = field(repr=False)
    width_mm: float | None = None
    height_mm: float | None = None


@dataclass(frozen=True)
class SubDocument:
    """A whole .docx included in place of a ``{{p x}}`` paragraph; ``context``: filled with it first, or None to
    include it as it is."""

    docx: bytes = field(repr=False)
    context: dict[str, Any] | None = None


@dataclass(frozen=True)
class TemplateInclusion:
    """A registered template to fill with ``data`` and include (resolved by the services: it needs the catalog)."""

    template_id: str
    data: dict[str, Any]


@dataclass(frozen=True)
class StoredImage:
    """A picture already in the archive, by its sha256 (resolved by the services)."""

    digest: str
    width_mm: float | None = None
    height_mm: float | None = None


class ContentError(ValueError):
    """A rich value that its schema admits but that cannot be used (not a PNG, too many pixels...)."""

    def __init__(self, path: list[Any], message_en: str, message_vi: str) -> None:
        super().__init__(message_en)
        self.path, self.message_en, self.message_vi = path, message_en, message_vi


_COLOR = {"type": "string", "pattern": "^#?[0-9A-Fa-f]{6}$"}
_RUN: dict[str, Any] = {
    "type": "object",
    "required": ["text"],
    "additionalProperties": False,
    "properties": {
        "text": {"type": "string"},
        "bold": {"type": "boolean"},
        "italic": {"type": "boolean"},
        "underline": {
            "anyOf": [
                {"type": "boolean"},
                {"enum": ["single", "double", "thick", "dotted", "dash", "dotDash", "dotDotDash", "wave"]},
            ]
        },
        "strike": {"type": "boolean"},
        "color": _COLOR,
        "highlight": _COLOR,
        "size": {"type": "number", "minimum": 1, "maximum": 400},
        "font": {"type": "string", "pattern": '^[^<>&"]{1,64}$'},
        "url": {"type": "string", "pattern": '^(https?://|mailto:)[^\\s<>"]+$', "maxLength": 2000},
        "superscript": {"type": "boolean"},
        "subscript": {"type": "boolean"},
    },
}
_RICH: dict[str, Any] = {
    "type": "object",
    "required": ["runs"],
    "additionalProperties": False,
    "properties": {"runs": {"type": "array", "items": _RUN}},
}
_PARAGRAPH: dict[str, Any] = {
    "anyOf": [
        {"type": "string"},
        {
            "type": "object",
            "required": ["runs"],
            "additionalProperties": False,
            "properties": {
                "runs": {"type": "array", "items": _RUN},
                "style": {"type": "string", "pattern": "^[A-Za-z0-9_ -]{1,64}$"},
            },
        },
    ]
}
_SIZE = {"width_mm": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_IMAGE_MM}}
_SIZE["height_mm"] = _SIZE["width_mm"]
_IMAGE: dict[str, Any] = {
    "anyOf": [
        {
            "type": "object",
            "required": ["image"],
            "additionalProperties": False,
            "properties": {"image": {"type": "string", "contentEncoding": "base64"}, **_SIZE},
        },
        {
            "type": "object",
            "required": ["file"],
            "additionalProperties": False,
            "properties": {"file": {"type": "string", "pattern": SHA256}, **_SIZE},
        },
    ]
}
_PARAGRAPHS: dict[str, Any] = {
    "anyOf": [
        {"type": "string"},
        {
            "type": "object",
            "required": ["paragraphs"],
            "additionalProperties": False,
            "properties": {"paragraphs": {"type": "array", "items": _PARAGRAPH}},
        },
        {
            "type": "object",
            "required": ["template"],
            "additionalProperties": False,
            "properties": {
                "template": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,60}$"},
                "data": {"type": "object"},
            },
        },
        {
            "type": "object",
            "required": ["docx"],
            "additionalProperties": False,
            "properties": {"docx": {"type": "string", "contentEncoding": "base64"}},
        },
    ]
}


def content_schema(kind: str, optional: bool = False) -> dict[str, Any]:
    """The JSON Schema of a field of ``kind`` (one of :data:`KINDS`); ``optional`` admits null too."""
    choices: list[dict[str, Any]] = {
        "rich": [{"type": "string"}, _RICH],
        "paragraphs": list(_PARAGRAPHS["anyOf"]),
        "image": list(_IMAGE["anyOf"]),
    }[kind]
    if optional:
        choices = [*choices, {"type": "null"}]
    return {KIND: kind, "anyOf": choices}


def _run(value: dict[str, Any]) -> Run:
    return Run(
        text=value["text"],
        bold=bool(value.get("bold", False)),
        italic=bool(value.get("italic", False)),
        underline=value.get("underline", False),
        strike=bool(value.get("strike", False)),
        color=value.get("color", "").lstrip("#") or None,
        highlight=value.get("highlight", "").lstrip("#") or None,
        size=value.get("size"),
        font=value.get("font"),
        url=value.get("url"),
        superscript=bool(value.get("superscript", False)),
        subscript=bool(value.get("subscript", False)),
    )


def _decode(path: list[Any], text: str, what: str, limit: int) -> bytes:
    try:
        blob = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ContentError(path, f"the {what} is not valid base64", f"{what} không phải base64 hợp lệ") from None
    if len(blob) > limit:
        raise ContentError(
            path, f"the {what} is {len(blob)} bytes; the limit is {limit}", f"{what} lớn quá {limit} byte"
        )
    return blob


ALT_CHUNK = re.compile(rb"<(?:[\w.-]+:)?altChunk[\s/>]")
"""The element of content Word imports from another part when it opens the file (HTML, RTF, a document a program
merged in): LibreOffice does not print it, so a .docx holding one would lose that text silently."""


def checked_docx(path: list[Any], blob: bytes) -> bytes:
    """``blob`` if it is a Word document (a zip holding ``word/document.xml``) with its text in itself, else a
    ``ContentError``."""
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as docx, docx.open("word/document.xml") as body:
            imports = _holds(body, ALT_CHUNK)
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError, OSError, RuntimeError, NotImplementedError,
            zlib.error, lzma.LZMAError):  # fmt: skip
        raise ContentError(path, "the docx is not a Word document", "docx không phải văn bản Word (.docx)") from None
    if imports:
        raise ContentError(
            path,
            "the docx holds content kept in another part (altChunk), which is not printed: paste it into the document",
            "docx chứa nội dung lưu ở phần khác (altChunk), không in ra được: hãy dán nội dung đó vào văn bản",
        )
    return blob


def _holds(stream: IO[bytes], needle: re.Pattern[bytes], block: int = 1 << 16, limit: int = 30 << 20) -> bool:
    """Whether the first ``limit`` bytes of ``stream`` hold a match of ``needle`` (at most 256 bytes long), read a
    block at a time (a part that unpacks larger is the renderer's to refuse)."""
    tail = b""
    for _ in range(limit // block):
        data = stream.read(block)
        if not data:
            return False
        if needle.search(tail + data):
            return True
        tail = data[-256:]
    return False


def image_size(blob: bytes) -> tuple[str, int, int] | None:
    """``("png"|"jpeg", width, height)`` in pixels from the file's header, or None for anything else."""
    if blob[:8] == b"\x89PNG\r\n\x1a\n" and blob[12:16] == b"IHDR" and len(blob) >= 24:
        width, height = struct.unpack(">II", blob[16:24])
        return "png", width, height
    if blob[:3] == b"\xff\xd8\xff":
        at = 2
        while at + 9 < len(blob):
            if blob[at] != 0xFF:
                return None
            marker = blob[at + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                at += 2
                continue
            (length,) = struct.unpack(">H", blob[at + 2 : at + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", blob[at + 5 : at + 9])
                return "jpeg", width, height
            at += 2 + length
    return None


def checked_image(path: list[Any], blob: bytes) -> bytes:
    """``blob`` if it is a whole PNG or JPEG (its end marker there) within the pixel limit; else
    :class:`ContentError` at ``path``."""
    size = image_size(blob)
    whole = blob.rstrip(b"\0").endswith(b"\xff\xd9") if blob[:2] == b"\xff\xd8" else b"IEND" in blob[-12:]
    if size is None or size[1] == 0 or size[2] == 0 or not whole:
        raise ContentError(path, "the picture must be a PNG or JPEG file", "ảnh phải là tệp PNG hoặc JPEG")
    if size[1] * size[2] > MAX_IMAGE_PIXELS:
        raise ContentError(
            path,
            f"the picture has {size[1]}x{size[2]} pixels; the limit is {MAX_IMAGE_PIXELS} pixels",
            f"ảnh có {size[1]}x{size[2]} điểm ảnh, vượt giới hạn {MAX_IMAGE_PIXELS} điểm ảnh",
        )
    return blob


def _image(path: list[Any], value: dict[str, Any]) -> Image | StoredImage:
    width, height = value.get("width_mm"), value.get("height_mm")
    if "file" in value:
        return StoredImage(value["file"], width, height)
    return Image(checked_image(path, _decode(path, value["image"], "image", MAX_IMAGE_BYTES)), width, height)


def _paragraphs(path: list[Any], value: Any) -> Paragraphs | SubDocument | TemplateInclusion:
    if isinstance(value, str):
        return Paragraphs(tuple(Paragraph((Run(line),)) for line in value.replace("\r\n", "\n").split("\n")))
    if "template" in value:
        return TemplateInclusion(value["template"], value.get("data", {}))
    if "docx" in value:
        return SubDocument(checked_docx(path, _decode(path, value["docx"], "docx", MAX_DOCX_BYTES)))
    out = []
    for item in value["paragraphs"]:
        if isinstance(item, str):
            out.append(Paragraph((Run(item),)))
        else:
            out.append(Paragraph(tuple(_run(r) for r in item["runs"]), item.get("style")))
    return Paragraphs(tuple(out))


def from_json(schema: Any, data: Any, path: list[Any] | None = None) -> Any:
    """``data`` (already valid against ``schema``) with its rich fields made into the values above; the rest as
    is. Walks the schema's ``properties``, ``additionalProperties`` and ``items``."""
    at = path or []
    if not isinstance(schema, dict) or data is None:
        return data
    kind = schema.get(KIND)
    if kind == "rich":
        if isinstance(data, str):
            return RichText((Run(data),))
        return RichText(tuple(_run(r) for r in data["runs"]))
    if kind == "paragraphs":
        return _paragraphs(at, data)
    if kind == "image":
        return _image(at, data)
    if isinstance(data, dict):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        out = {}
        for key, value in data.items():
            sub = properties.get(key, extra if isinstance(extra, dict) else None)
            out[key] = from_json(sub, value, [*at, key]) if sub is not None else value
        return out
    if isinstance(data, list) and isinstance(schema.get("items"), dict):
        return [from_json(schema["items"], item, [*at, i]) for i, item in enumerate(data)]
    return data


def has_content(schema: Any, depth: int = 0) -> bool:
    """Whether ``schema`` marks a rich field anywhere (most templates have none: nothing to convert)."""
    if depth > 64:
        return False
    if isinstance(schema, dict):
        return KIND in schema or any(has_content(v, depth + 1) for v in schema.values())
    if isinstance(schema, list):
        return any(has_content(v, depth + 1) for v in schema)
    return False
