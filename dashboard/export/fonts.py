"""A CJK web font for the PDF: Noto Sans CJK SC (fonts-noto-cjk), cut down to the characters of
the document and converted from CFF to TrueType outlines.

Why: chromium's PDF printer (Skia) turns CFF fonts from a .ttc collection into unnamed Type 3
glyphs; a TrueType web font is embedded as a named, subset CID font that any PDF font listing
shows, and the document never depends on the reader's fonts."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc")
SC_INDEX = 2  # Noto Sans CJK SC inside the collection (JP, KR, SC, TC, HK, …)
FAMILY = "CockpitCJK"
MAX_ERROR = 1.0  # font units: curves converted to quadratics within 1/1000 em


class FontMissingError(RuntimeError):
    pass


def _to_truetype(font: TTFont) -> None:
    """Replace the CFF outlines with quadratic glyf outlines, in place."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyphs[name] = pen.glyph()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    font["maxp"] = newTable("maxp")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    font["head"].indexToLocFormat = 0
    font["post"].formatType = 2.0
    font["post"].extraNames = []
    font["post"].mapping = {}
    font["post"].glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"
    font.recalcBBoxes = True


def build_font(text: str, weight: str = "Regular") -> bytes:
    """A TrueType font holding the glyphs of `text` (plus ASCII)."""
    path = Path(str(NOTO_CJK).format(weight=weight))
    if not path.exists():
        raise FontMissingError(f"缺少中文字体 {path}：请安装 fonts-noto-cjk（make setup）")
    font = TTFont(path, fontNumber=SC_INDEX, lazy=False)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.layout_features = ["*"]
    options.hinting = False
    subsetter = subset.Subsetter(options)
    chars = set(text) | {chr(c) for c in range(0x20, 0x7F)}
    subsetter.populate(text="".join(sorted(chars)))
    subsetter.subset(font)
    _to_truetype(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def font_face_css(text: str) -> str:
    """@font-face rules (regular and bold) with the subset fonts inlined as data URLs."""
    rules = []
    for weight, css_weight in (("Regular", 400), ("Bold", 700)):
        data = base64.b64encode(build_font(text, weight)).decode("ascii")
        rules.append(
            f"@font-face{{font-family:'{FAMILY}';font-weight:{css_weight};"
            f"src:url(data:font/ttf;base64,{data}) format('truetype');}}"
        )
    return "".join(rules)
