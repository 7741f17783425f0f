"""Liberation Serif (metric-compatible with Times New Roman) for text that signing draws (info line, number and
date fields), embedded as a subset.

pyHanko writes glyph widths in the font's own units, which PDF readers take as thousandths of an em; Liberation
uses 2048 units per em, so its glyphs would be drawn twice as far apart. A copy scaled to 1000 units per em, made
once and cached, is drawn right.
"""

from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path

SOURCE = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
ITALIC = SOURCE.with_name("LiberationSerif-Italic.ttf")
DESCENT = 443 / 2048
"""How far Liberation Serif's letters reach below the baseline, in ems (its hhea descender; the italic's alike)."""


@cache
def serif(italic: bool = False) -> Path:
    """Liberation Serif (``italic``: its italic), scaled to 1000 units per em."""
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    source = ITALIC if italic else SOURCE
    cache_dir = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "vanban"
    target = cache_dir / f"{source.stem}-1000upem-{source.stat().st_mtime_ns}.ttf"
    if not target.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        font = TTFont(str(source))
        scale_upem(font, 1000)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".ttf")
        os.close(fd)
        font.save(tmp)
        os.replace(tmp, target)
    return target


FIGURES = "0123456789/-.: "


@cache
def serif_figures(italic: bool = False) -> Path:
    """Liberation Serif with only digits and a few signs, no layout tables: for the number and date the clerk fills.
    A field's font is subset when it is written; subsetting the whole font costs ~100 ms a field, this one ~1 ms."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    full = serif(italic)
    target = full.with_name(full.stem + "-figures.ttf")
    if not target.exists():
        font = TTFont(str(full))
        options = subset.Options()
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern"]
        options.layout_features = []
        options.name_IDs = ["*"]
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=FIGURES)
        subsetter.subset(font)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".ttf")
        os.close(fd)
        font.save(tmp)
        os.replace(tmp, target)
    return target
