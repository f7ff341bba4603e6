"""One call for the page and the CLI: the committee pack as PPTX or PDF bytes, logged."""

from __future__ import annotations

import os

import duckdb

from dashboard.engine.filters import Filters
from dashboard.engine.periods import Period
from dashboard.engine.watchlist import find_latest_date
from dashboard.export.log import log_export
from dashboard.export.pack.content import last_complete_quarter
from dashboard.export.pack.document import PackDocument, build_pack_document
from dashboard.export.pack.pdf import build_pdf
from dashboard.export.pack.pptx import build_pptx

FORMATS = ("pptx", "pdf")
MEDIA_TYPES = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
}


def default_period(con: duckdb.DuckDBPyConnection) -> Period:
    """The last complete quarter before the latest 受理日期 (ValueError when there are no cases)."""
    latest = find_latest_date(con)
    if latest is None:
        raise ValueError("数据仓库中没有案件，无法生成汇报材料")
    return last_complete_quarter(latest)


def build_pack_file(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    fmt: str,
    *,
    filters: Filters | None = None,
    watermark: bool = True,
    db: str | os.PathLike[str] | None = None,
    user: str | None = None,
) -> tuple[PackDocument, bytes]:
    """The document (for a preview) and the file; the export is logged."""
    if fmt not in FORMATS:
        raise ValueError(f"不支持的格式 {fmt!r}：请选择 pptx 或 pdf")
    document = build_pack_document(con, period, filters)
    data = build_pptx(document, watermark) if fmt == "pptx" else build_pdf(document, watermark)
    log_export("委员会汇报材料", fmt, user=user, db=db, period=period.as_list(), bytes=len(data), watermark=watermark)
    return document, data


def pack_file_name(period: Period, fmt: str, bank: str = "") -> str:
    return f"{bank}消保委员会汇报材料_{period.start:%Y%m%d}-{period.last_day:%Y%m%d}.{fmt}"
