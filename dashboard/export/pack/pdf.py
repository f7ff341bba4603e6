"""The pack as an A4-landscape PDF laid out by chromium's print engine (Playwright): fonts are
embedded (Noto Sans CJK from fonts-noto-cjk), charts are the same PNGs as in the PPTX."""

from __future__ import annotations

import base64
from html import escape

from playwright.sync_api import Browser

from dashboard.export.browser import open_page, with_browser
from dashboard.export.fonts import FAMILY, font_face_css
from dashboard.export.pack.document import PackDocument, Section
from dashboard.export.pack.tables import STATUS_COLOURS
from dashboard.export.watermark import watermark_text

STYLE = """
@page { size: A4 landscape; margin: 14mm 14mm 16mm 14mm; }
body { font-family: 'CockpitCJK', 'Noto Sans CJK SC', sans-serif; color: #1f2d3d; margin: 0; font-size: 11pt; }
section { page-break-after: always; position: relative; }
section:last-child { page-break-after: auto; }
h1 { font-size: 30pt; margin: 0 0 6mm; }
h2 { font-size: 17pt; color: #1F3A5F; border-bottom: 2px solid #1F3A5F; padding-bottom: 2mm; margin: 0 0 5mm; }
.cover { background: #1F3A5F; color: #fff; padding: 38mm 18mm; margin-top: 20mm; }
.cover .bank { font-size: 20pt; margin-bottom: 6mm; }
.cover .period { font-size: 15pt; }
p.text { text-indent: 2em; line-height: 1.75; margin: 0 0 3mm; font-size: 12pt; }
table { border-collapse: collapse; width: 100%; font-size: 10pt; }
th, td { border: 1px solid #c8d0da; padding: 1.6mm 2.4mm; text-align: left; vertical-align: top; }
th { background: #eef2f7; }
td.num { text-align: right; white-space: nowrap; }
img.chart { width: 100%; max-height: 150mm; object-fit: contain; }
.note { color: #666; font-size: 9.5pt; margin-top: 3mm; }
.mark { position: fixed; top: 45%; left: 18%; transform: rotate(-18deg); font-size: 26pt;
        color: rgba(120,120,120,0.16); white-space: nowrap; z-index: 10; pointer-events: none; }
"""


def _table(section: Section, numeric_from: int = 1) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in section.header)
    body = []
    statuses = section.statuses or [None] * len(section.rows)
    for cells, status in zip(section.rows, statuses, strict=True):
        tds = []
        for index, value in enumerate(cells):
            css = ' class="num"' if section.kind == "kpi_table" and numeric_from <= index < len(cells) - 1 else ""
            colour = f' style="color:{STATUS_COLOURS[status]}"' if status and index == len(cells) - 1 else ""
            tds.append(f"<td{css}{colour}>{escape(value)}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _section_html(section: Section) -> str:
    parts = [f"<h2>{escape(section.title)}</h2>"]
    if section.kind == "summary":
        parts += [f'<p class="text">{escape(text)}</p>' for text in section.paragraphs]
    elif section.kind == "chart" and section.image is not None:
        data = base64.b64encode(section.image).decode("ascii")
        parts.append(f'<img class="chart" src="data:image/png;base64,{data}" alt="{escape(section.title)}">')
    elif section.rows or section.header:
        parts.append(_table(section))
    if section.note:
        parts.append(f'<div class="note">{escape(section.note)}</div>')
    return "<section>" + "".join(parts) + "</section>"


def build_pack_html(document: PackDocument, watermark: bool = True) -> str:
    content = document.content
    mark = f'<div class="mark">{escape(watermark_text())}</div>' if watermark else ""
    cover = (
        '<section><div class="cover">'
        f'<div class="bank">{escape(content.bank_name)}</div><h1>{escape(document.title)}</h1>'
        f'<div class="period">{escape(document.subtitle)}</div></div>'
        f'<p class="note">生成时间：{content.generated_at:%Y-%m-%d %H:%M}；数据来源：投诉信访治理驾驶舱（指标引擎）。</p>'
        "</section>"
    )
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(document.title)}</title>'
        "<style>@@FONTS@@"
        + STYLE
        + f"</style></head><body>{mark}{cover}"
        + "".join(_section_html(s) for s in document.sections)
        + "</body></html>"
    )


def build_pdf(document: PackDocument, watermark: bool = True) -> bytes:
    html = build_pack_html(document, watermark)
    footer_text = f"{escape(document.content.bank_name)} · {escape(document.title)} · "
    # One subset font for the body and the footer (a separate document in chromium's printer).
    fonts = font_face_css(html + footer_text + "第页/0123456789")
    html = html.replace("@@FONTS@@", fonts, 1)
    footer = (
        f"<style>{fonts}</style>"
        f'<div style="font-size:8px;color:#888;width:100%;text-align:center;font-family:{FAMILY}">'
        f"{footer_text}"
        '第 <span class="pageNumber"></span> / <span class="totalPages"></span> 页</div>'
    )

    def print_pdf(browser: Browser) -> bytes:
        page = open_page(browser, html)
        try:
            page.emulate_media(media="print")
            page.evaluate("document.fonts.ready")
            return page.pdf(
                format="A4",
                landscape=True,
                print_background=True,
                display_header_footer=True,
                header_template="<div></div>",
                footer_template=footer,
                margin={"top": "14mm", "bottom": "16mm", "left": "14mm", "right": "14mm"},
            )
        finally:
            page.close()

    return with_browser(print_pdf)
