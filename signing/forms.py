"""Text form fields for what the clerk (văn thư) fills after the leader has signed: the number and the issue date.

The fields are added before the leader's certification signature (DocMDP level 2, "form filling and signing
allowed"), so filling them later keeps that signature valid; their appearance is drawn in Liberation Serif,
embedded.
"""

from __future__ import annotations

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
from signing.fonts import FIGURES
from signing.sign import Box


def _write(writer: IncrementalPdfFileWriter) -> bytes:
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def add_text_fields(pdf: bytes, boxes: dict[str, Box], sizes: dict[str, int] | None = None) -> bytes:
    """Add empty, read-only-for-readers text fields named as ``boxes`` says, as an incremental update; ``sizes``:
    each field's font size (default 13 pt), kept in the field and used when it is filled."""
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
                pdf_name("/DA"): generic.pdf_string(f"/F1 {(sizes or {}).get(name, 13)} Tf 0 g"),
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


def _font_size(field: generic.DictionaryObject) -> int:
    parts = str(field.get("/DA", "")).split()
    return int(float(parts[parts.index("Tf") - 1])) if "Tf" in parts else 13


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
        style = TextStampStyle(
            stamp_text="%(value)s",
            text_box_style=text_style(_font_size(field), tight=True, figures=set(value) <= set(FIGURES)),
            border_width=0,
            inner_content_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID,
                y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins.uniform(0),
                inner_content_scaling=layout.InnerScaling.NO_SCALING,
            ),
        )
        x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
        stamp = TextStamp(writer, style, text_params={"value": value}, box=BoxConstraints(x2 - x1, y2 - y1))
        field[pdf_name("/V")] = generic.TextStringObject(value)
        field[pdf_name("/AP")] = generic.DictionaryObject({pdf_name("/N"): stamp.register()})
        writer.mark_update(ref)
    return _write(writer)
