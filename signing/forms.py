"""Text form fields for what the clerk (văn thư) fills after the leader has signed: the number and the issue date.

The fields are added before the leader's certification signature (DocMDP level 2, "form filling and signing
allowed"), so filling them later keeps that signature valid; their appearance is drawn in Liberation Serif,
embedded.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields
from pyhanko.stamp import TextStamp, TextStampStyle

from signing.appearance import text_style
from signing.errors import SigningError
from signing.fonts import DESCENT, FIGURES
from signing.sign import Box


def _write(writer: IncrementalPdfFileWriter) -> bytes:
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


LEFT, CENTRE, RIGHT = 0, 1, 2  # PDF's quadding of a text field (its /Q)


@dataclass(frozen=True)
class FieldStyle:
    """How a text field's value is drawn, kept in the field (its ``/DA`` and ``/Q``) and used when it is filled:
    its size in points, Liberation Serif or its italic, and where in the field's box (PDF's quadding: ``LEFT``,
    ``CENTRE``, ``RIGHT``), so that a value sits as if printed with the text around it."""

    size: int = 13
    italic: bool = False
    quadding: int = CENTRE


_FONTS = {False: "/Serif", True: "/SerifItalic"}  # a field's font in its /DA
_ALIGN = {
    LEFT: layout.AxisAlignment.ALIGN_MIN,
    CENTRE: layout.AxisAlignment.ALIGN_MID,
    RIGHT: layout.AxisAlignment.ALIGN_MAX,
}


def add_text_fields(pdf: bytes, boxes: dict[str, Box], styles: dict[str, FieldStyle] | None = None) -> bytes:
    """Add empty, read-only-for-readers text fields named as ``boxes`` says, as an incremental update; ``styles``:
    how each one's value is drawn (default 13 pt, upright, centred)."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    root = writer.root
    if "/AcroForm" in root:
        form = root["/AcroForm"]
    else:
        form = generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject()})
        root[pdf_name("/AcroForm")] = writer.add_object(form)
        writer.update_root()
    field_refs = form["/Fields"]
    for name, box in boxes.items():
        style = (styles or {}).get(name, FieldStyle())
        page_ref = writer.find_page_for_modification(box.page)[0]
        page = page_ref.get_object()
        field = generic.DictionaryObject(
            {
                pdf_name("/FT"): pdf_name("/Tx"),
                pdf_name("/T"): generic.TextStringObject(name),
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/Widget"),
                pdf_name("/Rect"): generic.ArrayObject(
                    generic.FloatObject(v) for v in (box.x1, box.y1, box.x2, box.y2)
                ),
                pdf_name("/F"): generic.NumberObject(4),  # print
                pdf_name("/Ff"): generic.NumberObject(1),  # read-only in viewers: only the service fills it
                pdf_name("/DA"): generic.pdf_string(f"{_FONTS[style.italic]} {style.size} Tf 0 g"),
                pdf_name("/Q"): generic.NumberObject(style.quadding),
                pdf_name("/P"): page_ref,
            }
        )
        ref = writer.add_object(field)
        annots = page.get("/Annots")
        if annots is None:
            page[pdf_name("/Annots")] = generic.ArrayObject([ref])
        else:
            annots.get_object().append(ref)
        writer.update_container(page)
        field_refs.append(ref)
    writer.update_container(form)
    return _write(writer)


def add_signature_fields(pdf: bytes, boxes: dict[str, Box]) -> bytes:
    """Add empty signature fields, as an incremental update. Every signature that follows a certification must go
    into a field that existed before it: a new visible field is a change DocMDP level 2 does not allow."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    for name, b in boxes.items():
        spec = fields.SigFieldSpec(name, on_page=b.page, box=(round(b.x1), round(b.y1), round(b.x2), round(b.y2)))
        fields.append_signature_field(writer, spec)
    return _write(writer)


def field_names(pdf: bytes) -> list[str]:
    """The names of the PDF's (top-level) form fields."""
    root = PdfFileReader(BytesIO(pdf), strict=False).root
    if "/AcroForm" not in root:
        return []
    return [str(f.get_object().get("/T")) for f in root["/AcroForm"]["/Fields"]]


def _style(field: generic.DictionaryObject) -> FieldStyle:
    """The style ``add_text_fields`` kept in the field (a field of an older draft: ``/F1 13 Tf``, no ``/Q``)."""
    parts = str(field.get("/DA", "")).split()
    if "Tf" not in parts or parts.index("Tf") < 2:
        return FieldStyle()
    at = parts.index("Tf")
    return FieldStyle(int(float(parts[at - 1])), parts[at - 2] == _FONTS[True], int(field.get("/Q", CENTRE)))


def fill_text_fields(pdf: bytes, values: dict[str, str]) -> bytes:
    """Fill the named text fields (value and appearance, in each field's font size) as an incremental update;
    allowed after a DocMDP level 2 certification."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    refs = writer.root["/AcroForm"]["/Fields"] if "/AcroForm" in writer.root else generic.ArrayObject()
    fields = {str(refs[i].get("/T")): refs.raw_get(i) for i in range(len(refs))}
    missing = [n for n in values if n not in fields]
    if missing:
        raise SigningError(f"the PDF has no form field {', '.join(missing)}")
    for name, value in values.items():
        ref = fields[name]
        field = ref.get_object()
        kept = _style(field)
        figures = set(value) <= set(FIGURES)
        style = TextStampStyle(
            stamp_text="%(value)s",
            text_box_style=text_style(kept.size, tight=True, figures=figures, italic=kept.italic),
            border_width=0,
            inner_content_layout=layout.SimpleBoxLayoutRule(
                x_align=_ALIGN.get(kept.quadding, layout.AxisAlignment.ALIGN_MID),
                # on the line's baseline: the field's box is the line's height, from its descent up (pyHanko types
                # margins as int and draws them as the points they are)
                y_align=layout.AxisAlignment.ALIGN_MIN,
                margins=layout.Margins(0, 0, 0, DESCENT * kept.size),  # type: ignore[arg-type]
                inner_content_scaling=layout.InnerScaling.NO_SCALING,
            ),
        )
        x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
        stamp = TextStamp(writer, style, text_params={"value": value}, box=BoxConstraints(x2 - x1, y2 - y1))
        field[pdf_name("/V")] = generic.TextStringObject(value)
        field[pdf_name("/AP")] = generic.DictionaryObject({pdf_name("/N"): stamp.register()})
        writer.mark_update(ref)
    return _write(writer)
