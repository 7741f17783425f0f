"""Where signatures show, per Nghị định 30/2020 Phụ lục I mục II, and the info line of electronic copies.

- Leader: the signature image in the signing block, between title and name (centred on the template's mark).
- Organisation: the seal, at real size, overlapping about one third of the leader's image, on its left.
- Attachments and electronic copies: no image; an info line (số và ký hiệu, signing time ISO 8601 +07:00,
  organisation) at the top right of page 1, Times New Roman (Liberation Serif) 10 pt, black.
"""

from __future__ import annotations

from io import BytesIO

from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStamp, TextStampStyle

from signing import fonts
from signing.marks import Mark
from signing.sign import Box

MM = 72 / 25.4
LEADER_WIDTH, LEADER_HEIGHT = 45 * MM, 18 * MM
SEAL_DIAMETER = 36 * MM  # a round seal of a provincial body is 35-36 mm across


def leader_box(mark: Mark) -> Box:
    """The leader's signature image, centred on the mark left in the signing block."""
    return Box(
        mark.page,
        mark.x - LEADER_WIDTH / 2,
        mark.y - LEADER_HEIGHT / 2,
        mark.x + LEADER_WIDTH / 2,
        mark.y + LEADER_HEIGHT / 2,
    )


def seal_box(mark: Mark) -> Box:
    """The seal: its right part covers the left third of the leader's image, vertically centred on it."""
    leader = leader_box(mark)
    right = leader.x1 + (leader.x2 - leader.x1) / 3
    middle = (leader.y1 + leader.y2) / 2
    return Box(mark.page, right - SEAL_DIAMETER, middle - SEAL_DIAMETER / 2, right, middle + SEAL_DIAMETER / 2)


def text_style(font_size: int, tight: bool = False, figures: bool = False, italic: bool = False) -> TextBoxStyle:
    """Liberation Serif (metric-compatible with Times New Roman; ``italic``: its italic), subset and embedded;
    ``tight``: no margin around the text (text that sits in a gap of a line, like the number and date the clerk
    fills); ``figures``: the text is only digits and ``fonts.FIGURES`` signs (a much smaller font to subset)."""
    path = fonts.serif_figures(italic) if figures else fonts.serif(italic)
    font = GlyphAccumulatorFactory(str(path), font_size=font_size)
    if not tight:
        return TextBoxStyle(font=font, font_size=font_size)
    rule = layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MID,
        y_align=layout.AxisAlignment.ALIGN_MID,
        margins=layout.Margins.uniform(0),
    )
    return TextBoxStyle(font=font, font_size=font_size, box_layout_rule=rule)


def add_info_line(pdf: bytes, text: str, right_margin_mm: float = 15, top_margin_mm: float = 8) -> bytes:
    """Stamp the electronic-copy info line at the top right of page 1, as an incremental update."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    style = TextStampStyle(stamp_text="%(line)s", text_box_style=text_style(10), border_width=0)
    stamp = TextStamp(writer, style, text_params={"line": text})
    stamp.render()  # lays the text out, which sizes the box
    assert stamp.box is not None
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    x2, y2 = float(page["/MediaBox"][2]), float(page["/MediaBox"][3])
    stamp.apply(0, int(x2 - right_margin_mm * MM - stamp.box.width), int(y2 - top_margin_mm * MM - stamp.box.height))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
