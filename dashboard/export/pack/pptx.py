"""The pack as a 16:9 PowerPoint (python-pptx, blank layout, one clean house style)."""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from dashboard.export.pack.document import PackDocument, Section
from dashboard.export.pack.tables import STATUS_COLOURS
from dashboard.export.watermark import watermark_text

WIDTH, HEIGHT = Emu(12_192_000), Emu(6_858_000)  # 13.333 × 7.5 in: exactly 16:9
NAVY = RGBColor(0x1F, 0x3A, 0x5F)
GREY = RGBColor(0x66, 0x66, 0x66)
FONT = "Noto Sans CJK SC"
DEFINITIONS_PER_SLIDE = 6
TABLE_ROWS_PER_SLIDE = 14


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#"))


def _text(slide: Slide, left: Emu, top: Emu, width: Emu, height: Emu, text: str, size: int, **style: object) -> None:
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    run = paragraph.add_run()
    run.text = text
    run.font.size = Pt(size)
    run.font.name = FONT
    run.font.bold = bool(style.get("bold"))
    run.font.color.rgb = style.get("colour", NAVY)  # type: ignore[assignment]


def _new_slide(deck: Presentation, title: str, footer: str) -> Slide:
    slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank
    bar = slide.shapes.add_shape(1, 0, 0, WIDTH, Inches(0.12))
    bar.fill.solid()
    bar.fill.fore_color.rgb = NAVY
    bar.line.fill.background()
    _text(slide, Inches(0.5), Inches(0.3), Inches(12.3), Inches(0.7), title, 24, bold=True)
    _text(slide, Inches(0.5), Inches(7.0), Inches(12.3), Inches(0.4), footer, 9, colour=GREY)
    return slide


def _table(slide: Slide, header: list[str], rows: list[list[str]], widths: list[float], size: int = 11) -> list:
    top, left = Inches(1.15), Inches(0.5)
    shape = slide.shapes.add_table(len(rows) + 1, len(header), left, top, Inches(sum(widths)), Inches(0.4))
    table = shape.table
    for index, width in enumerate(widths):
        table.columns[index].width = Inches(width)
    for r, cells in enumerate([header, *rows]):
        for c, value in enumerate(cells):
            cell = table.cell(r, c)
            cell.text = value
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(size)
                    run.font.name = FONT
                    run.font.bold = r == 0
    return [table.cell(r + 1, len(header) - 1) for r in range(len(rows))]


def _add_fitted_picture(slide: Slide, png: bytes, left: Emu, top: Emu, width: Emu, height: Emu) -> None:
    """The image as large as fits the box, aspect kept, centred horizontally."""
    pixels_wide, pixels_high = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    scale = min(width / pixels_wide, height / pixels_high)
    shown_wide, shown_high = int(pixels_wide * scale), int(pixels_high * scale)
    slide.shapes.add_picture(io.BytesIO(png), left + (width - shown_wide) // 2, top, shown_wide, shown_high)


def _add_section(deck: Presentation, section: Section, footer: str) -> None:
    if section.kind == "summary":
        slide = _new_slide(deck, section.title, footer)
        box = slide.shapes.add_textbox(Inches(0.6), Inches(1.15), Inches(12.1), Inches(5.7)).text_frame
        box.word_wrap = True
        for index, text in enumerate(section.paragraphs):
            paragraph = box.paragraphs[0] if index == 0 else box.add_paragraph()
            run = paragraph.add_run()
            run.text = "　　" + text
            run.font.size = Pt(13)
            run.font.name = FONT
            paragraph.space_after = Pt(6)
        return
    if section.kind == "chart":
        slide = _new_slide(deck, section.title, footer)
        if section.image is not None:
            _add_fitted_picture(slide, section.image, Inches(0.5), Inches(1.1), Inches(12.3), Inches(5.3))
        if section.note:
            _text(slide, Inches(0.6), Inches(6.45), Inches(12.1), Inches(0.5), section.note, 12, colour=GREY)
        return
    if section.kind == "kpi_table":
        slide = _new_slide(deck, section.title, footer)
        status_cells = _table(slide, section.header, section.rows, [2.3, 1.3, 1.3, 1.6, 1.3, 1.6, 1.6, 1.2], 11)
        for cell, status in zip(status_cells, section.statuses, strict=True):
            for run in (r for p in cell.text_frame.paragraphs for r in p.runs):
                if status:
                    run.font.color.rgb = _rgb(STATUS_COLOURS[status])
        _text(slide, Inches(0.6), Inches(6.5), Inches(12.1), Inches(0.4), section.note, 10, colour=GREY)
        return
    per_slide = DEFINITIONS_PER_SLIDE if section.kind == "definitions" else TABLE_ROWS_PER_SLIDE
    widths = [2.4, 9.9] if section.kind == "definitions" else _even(len(section.header))
    chunks = [section.rows[i : i + per_slide] for i in range(0, len(section.rows), per_slide)] or [[]]
    for number, chunk in enumerate(chunks, start=1):
        title = section.title if len(chunks) == 1 else f"{section.title}（{number}/{len(chunks)}）"
        slide = _new_slide(deck, title, footer)
        _table(slide, section.header, chunk, widths, 10 if section.kind == "definitions" else 12)
        if section.note:
            _text(slide, Inches(0.6), Inches(6.5), Inches(12.1), Inches(0.4), section.note, 10, colour=GREY)


def _even(columns: int) -> list[float]:
    first = 2.0
    return [first] + [(12.3 - first) / (columns - 1)] * (columns - 1)


def build_pptx(document: PackDocument, watermark: bool = True) -> bytes:
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    content = document.content
    mark = watermark_text() if watermark else f"生成于 {content.generated_at:%Y-%m-%d %H:%M}"
    footer = f"{content.bank_name} · {document.title} · {document.subtitle} · {mark}"
    cover = deck.slides.add_slide(deck.slide_layouts[6])
    band = cover.shapes.add_shape(1, 0, Inches(2.3), WIDTH, Inches(2.6))
    band.fill.solid()
    band.fill.fore_color.rgb = NAVY
    band.line.fill.background()
    white = RGBColor(0xFF, 0xFF, 0xFF)
    _text(cover, Inches(0.8), Inches(2.5), Inches(11.7), Inches(0.8), content.bank_name, 28, bold=True, colour=white)
    _text(cover, Inches(0.8), Inches(3.3), Inches(11.7), Inches(0.9), document.title, 36, bold=True, colour=white)
    _text(cover, Inches(0.8), Inches(4.2), Inches(11.7), Inches(0.6), document.subtitle, 18, colour=white)
    _text(cover, Inches(0.8), Inches(6.4), Inches(11.7), Inches(0.5), mark, 12, colour=GREY)
    for section in document.sections:
        _add_section(deck, section, footer)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()
