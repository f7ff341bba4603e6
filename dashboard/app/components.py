"""Reusable rendering bits for the pages: reconciliation card, Chinese-headed tables, downloads, progress.

Pages lay out; these functions turn prepared data into Streamlit elements so
every page shows a load, a table or a missing warehouse the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePath
from typing import Any

import polars as pl
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from dashboard.app.export_buttons import (
    figure_title,
    render_chart_downloads,
    render_list_downloads,
    render_table_downloads,
)
from dashboard.charts.kpi_cards import KpiCard
from dashboard.charts.sparkline import build_sparkline_svg
from dashboard.charts.theme import PALETTE
from dashboard.engine.i18n import KIND_LABELS, STATUS_LABELS, column_labels, kind_label, text
from dashboard.engine.safe_text import escape_markdown
from dashboard.views import uploads
from dashboard.views.reconciliation import Reconciliation, build_from_load_result
from dashboard.views.warehouse_views import WarehouseSummary, build_table_counts
from warehouse.importer.pipeline import LoadResult, Preview, preview_file

# Warehouse times are China Standard Time (docs/design.md); the server may run in UTC.
CHINA_TIME = timezone(timedelta(hours=8))
DATA_IMPORT_PAGE = "pages/data_import.py"
DATA_QUALITY_PAGE = "pages/data_quality.py"


def format_count(value: int) -> str:
    # Reconciliation figures are exact: an operator compares them with the source system.
    return f"{value:,}"


def format_time(value: datetime | None) -> str:
    return "—" if value is None else value.strftime("%Y-%m-%d %H:%M")


def render_missing_warehouse() -> None:
    """What to do when no warehouse exists yet (instead of an error)."""
    st.info(
        "还没有数据仓库。可以在 **数据导入** 页上传导出文件来建立，"
        "或在项目目录运行 `python -m warehouse demo` 生成演示数据、"
        "`python -m warehouse load 文件.csv` 导入文件。"
    )
    st.page_link(DATA_IMPORT_PAGE, label="前往数据导入", icon=":material/upload_file:")


def render_empty_warehouse() -> None:
    st.info("数据仓库已建立，但还没有导入任何数据。请在 **数据导入** 页上传导出文件。")
    st.page_link(DATA_IMPORT_PAGE, label="前往数据导入", icon=":material/upload_file:")


def render_no_cases() -> None:
    st.info(
        "数据仓库中还没有投诉案件（已导入的只有客户基数、办理环节或联系记录）。"
        "请在 **数据导入** 页上传投诉案件导出文件。"
    )
    st.page_link(DATA_IMPORT_PAGE, label="前往数据导入", icon=":material/upload_file:")


def render_table(frame: pl.DataFrame, *, key: str | None = None, height: int | str = "auto") -> None:
    """A table with Chinese headers and without the row index."""
    st.dataframe(frame.rename(column_labels(frame.columns)), hide_index=True, key=key, height=height)


def render_reconciliation(rec: Reconciliation) -> None:
    """读取 = 新增 + 更新 + 重复 + 隔离, as five figures and the checked equation."""
    figures = (
        ("读取", rec.read, "文件中的数据行数（不含表头）"),
        ("新增", rec.loaded, "第一次出现的记录"),
        ("更新", rec.updated, "已有记录的新版本（以最新版本为准）"),
        ("重复", rec.duplicates, "与已导入记录完全相同，未重复入库"),
        ("隔离", rec.quarantined, "违反规则、未入库的行，原因见隔离明细"),
    )
    for column, (label, value, help_text) in zip(st.columns(len(figures)), figures, strict=True):
        column.metric(label, format_count(value), help=help_text, border=True)
    equation = (
        f"读取 = 新增 + 更新 + 重复 + 隔离：{format_count(rec.read)} = {format_count(rec.loaded)} + "
        f"{format_count(rec.updated)} + {format_count(rec.duplicates)} + {format_count(rec.quarantined)}"
    )
    if rec.balances:
        st.success(f"{equation}（对账平衡）", icon=":material/check_circle:")
    else:
        st.warning(f"{equation} 不平衡：相差 {format_count(rec.read - rec.accounted)} 行，请联系管理员。")
    for note in describe_skipped(rec.footer_lines, rec.malformed):
        st.caption(note)


def describe_skipped(footer_lines: int, malformed: int) -> list[str]:
    """The lines the equation leaves out (footers) or hides inside 隔离 (malformed records)."""
    notes = []
    if footer_lines:
        notes.append(
            f"另跳过表尾 {format_count(footer_lines)} 行（合计、小计、制表人、审核人、空行等）：不是案件，"
            "不计入读取，也不隔离。"
        )
    if malformed:
        notes.append(
            f"隔离中有 {format_count(malformed)} 行残缺记录（字段数与表头不一致或引号未闭合，规则 malformed_record），"
            "原文见隔离明细；文件的其余记录照常导入。"
        )
    return notes


def render_import_warnings(warnings: list[str]) -> None:
    """Cases loaded with a blank descriptive column (未知地区 …): they count in every national figure."""
    for warning in warnings:
        st.warning(warning, icon=":material/help:")


def render_batch_heading(rec: Reconciliation) -> None:
    batch = "" if rec.batch_id is None else f"批次 #{rec.batch_id} · "
    st.markdown(f"**{batch}{rec.file}**（{kind_label(rec.kind)}）")  # a file name holds no "/": no outside URL


def render_quarantine(rows: pl.DataFrame, *, file_name: str, key: str) -> None:
    """Quarantined rows with their reasons and a CSV download, or a note that there are none."""
    if rows.is_empty():
        st.caption("没有被隔离的行。")
        return
    st.caption(f"共 {format_count(rows.height)} 条隔离记录（一行违反多条规则时各记一条）。")
    render_table(rows, key=f"{key}-table")
    stem = PurePath(file_name).stem or "import"
    render_list_downloads(rows, f"{stem}_隔离行", "下载隔离行（CSV）", key=f"{key}-download", xlsx=False)


def render_quarantine_by_rule(by_rule: pl.DataFrame, *, key: str) -> None:
    if by_rule.is_empty():
        st.caption("没有被隔离的行。")
        return
    render_table(by_rule, key=key)


def render_check_results(results: pl.DataFrame, *, key: str, empty_note: str) -> None:
    """Suite results: how many checks passed, then failures first."""
    if results.is_empty():
        st.caption(empty_note)
        return
    failed = results.filter(~pl.col("success"))
    critical = failed.filter(pl.col("critical"))
    passed_col, failed_col, critical_col = st.columns(3)
    passed_col.metric("通过", format_count(results.height - failed.height), border=True)
    failed_col.metric("未通过", format_count(failed.height), border=True)
    critical_col.metric("关键检查未通过", format_count(critical.height), border=True)
    render_table(results, key=key)


def start_progress(text: str) -> Callable[[float, str], None]:
    """A progress bar and the callback the importer feeds (fraction 0..1, Chinese step)."""
    bar = st.progress(0.0, text=text)

    def report(fraction: float, step: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=step or text)

    return report


def render_summary(summary: WarehouseSummary) -> None:
    """What the warehouse holds: cases, latest 受理日期, loads, quarantine; then the time range and last load."""
    latest = summary.latest_received_at
    figures = (
        ("投诉案件数", format_count(summary.cases)),
        ("最近受理日期", "—" if latest is None else latest.strftime("%Y-%m-%d")),
        ("导入批次", format_count(summary.batches)),
        ("累计隔离行", format_count(summary.quarantined)),
    )
    for column, (label, value) in zip(st.columns(len(figures)), figures, strict=True):
        column.metric(label, value, border=True)
    lines = [
        f"受理时间范围：{format_time(summary.earliest_received_at)} 至 {format_time(latest)}",
        f"客户基数记录 {format_count(summary.customer_rows)} 行，办理环节记录 {format_count(summary.event_rows)} 行",
    ]
    if summary.last_load_file:
        lines.append(f"最近导入：{format_time(summary.last_load_at)}（{summary.last_load_file}）")
    st.caption("；".join(lines) + "。")


def render_table_counts(summary: WarehouseSummary) -> None:
    render_table(build_table_counts(summary), key="table-counts")


def render_batches(batches: pl.DataFrame, *, key: str) -> None:
    """The batch log with Chinese kinds and states."""
    shown = batches.with_columns(
        pl.col("kind").replace(KIND_LABELS),
        pl.col("status").replace(STATUS_LABELS),
    )
    render_table(shown, key=key)


def render_version_caption(version: str | None, lang: str = "zh") -> None:
    """When the snapshot the pages show was published (sidebar)."""
    if version is None:
        st.caption(text("no_warehouse_yet", lang))
        return
    try:
        published = datetime.fromtimestamp(Path(version).stat().st_mtime, CHINA_TIME).replace(tzinfo=None)
    except OSError:  # pruned by a newer load between two calls; the next run shows the new one
        return
    st.caption(text("updated_at", lang, at=format_time(published)))


# --- The upload flow of the 数据导入 page: one saved copy, one preview and one result per uploaded file. ---
_UPLOAD = "import.upload"  # (file_id, saved path)
_PREVIEW = "import.preview"  # ((file_id, kind, profile), Preview)
_RESULT = "import.result"  # (file_id, LoadResult)


def forget_upload() -> None:
    """The user removed the file: delete its temp copy and forget its preview."""
    held = st.session_state.pop(_UPLOAD, None)
    if held is not None:
        uploads.discard_upload(held[1])
    st.session_state.pop(_PREVIEW, None)


def hold_upload(uploaded: UploadedFile) -> Path:
    """The temp copy of this upload, written once per uploaded file (a new file replaces the old copy)."""
    held = st.session_state.get(_UPLOAD)
    if held is not None and held[0] == uploaded.file_id and Path(held[1]).exists():
        return Path(held[1])
    forget_upload()
    path = uploads.save_upload(uploaded.getvalue(), uploaded.name)
    st.session_state[_UPLOAD] = (uploaded.file_id, str(path))
    return path


def chosen_sheet(uploaded: UploadedFile) -> str | None:
    """The worksheet picked for this upload (None: the one whose header matches the profile)."""
    return st.session_state.get(f"import-sheet-{uploaded.file_id}")


def render_sheet_choice(uploaded: UploadedFile, preview: Preview) -> None:
    """A select box of the workbook's sheets, starting on the one the importer chose."""
    if len(preview.sheets) < 2:
        return
    current = preview.sheet if preview.sheet in preview.sheets else preview.sheets[0]
    st.selectbox(
        "工作表",
        preview.sheets,
        index=preview.sheets.index(current),
        key=f"import-sheet-{uploaded.file_id}",
        help="默认读取表头与映射配置相符的工作表（填表说明、封面等工作表会被跳过）；也可在此指定",
    )


def hold_preview(uploaded: UploadedFile, path: Path, kind: str | None, profile: str) -> Preview:
    """The importer's preview of this file with this kind, profile and sheet (computed once per choice)."""
    sheet = chosen_sheet(uploaded)
    key = (uploaded.file_id, kind, profile, sheet)
    held = st.session_state.get(_PREVIEW)
    if held is not None and held[0] == key:
        return held[1]
    with st.spinner("正在读取文件并识别字段…"):
        preview = preview_file(path, kind=kind, profile=profile, original_name=uploaded.name, sheet=sheet)
    st.session_state[_PREVIEW] = (key, preview)
    return preview


def finished_load(uploaded: UploadedFile) -> LoadResult | None:
    held = st.session_state.get(_RESULT)
    return held[1] if held is not None and held[0] == uploaded.file_id else None


def import_upload(uploaded: UploadedFile, path: Path, kind: str | None, profile: str) -> LoadResult:
    """Run the importer with a progress bar; remember the result and delete the temp copy."""
    report = start_progress("开始导入…")
    result = uploads.run_import(path, kind, profile, uploaded.name, progress=report, sheet=chosen_sheet(uploaded))
    st.session_state[_RESULT] = (uploaded.file_id, result)
    forget_upload()
    return result


def render_preview(preview: Preview) -> None:
    """How the importer will read the file: format, detected kind, column mapping, ignored columns, first rows."""
    if not preview.ok:
        st.error(preview.message, icon=":material/block:")
        if preview.sample.width > 1:
            headers = "、".join(c for c in preview.sample.columns if c != "行号")
            st.caption(f"文件中的表头：{escape_markdown(headers)}")
        return
    st.caption(uploads.describe_format(preview))
    figures = (
        ("识别为", kind_label(preview.kind)),
        ("数据行数", format_count(preview.read)),
        ("预计隔离", format_count(preview.quarantined)),
        ("跳过表尾", format_count(preview.footer_lines)),
    )
    for column, (label, value) in zip(st.columns(len(figures)), figures, strict=True):
        column.metric(label, value, border=True)
    for note in describe_skipped(preview.footer_lines, preview.malformed):
        st.caption(note)
    render_import_warnings(preview.warnings)

    st.markdown("**字段映射**（文件表头 → 标准中文表头）")
    render_table(uploads.build_mapping_table(preview), key="import-mapping")
    if preview.unmapped:
        st.warning(
            f"以下列不在导入模板中，将被忽略：{escape_markdown('、'.join(preview.unmapped))}",
            icon=":material/visibility_off:",
        )
    else:
        st.caption("文件中的每一列都有对应字段，没有被忽略的列。")

    st.markdown(f"**前 {preview.normalised.height} 行预览**（规范化后；客户标识、姓名、电话已脱敏）")
    st.dataframe(preview.normalised, hide_index=True, key="import-sample")
    if preview.quarantined:
        with st.expander(f"预计隔离的 {format_count(preview.quarantined)} 行及原因"):
            render_table(uploads.prepare_quarantine_rows(preview.quarantine_rows), key="import-preview-quarantine")


def render_load_result(result: LoadResult) -> None:
    """A rejected file's reason, or the reconciliation and the quarantined rows of the new batch."""
    if result.rejected:
        st.error(result.message, icon=":material/block:")
        st.caption("整个文件未导入，数据仓库没有任何改动。请按提示修改文件后重新上传。")
        return
    rec = build_from_load_result(result)
    st.subheader("导入完成")
    render_batch_heading(rec)
    render_reconciliation(rec)
    render_import_warnings(result.warnings)
    st.subheader("被隔离的行")
    render_quarantine(
        uploads.prepare_quarantine_rows(result.quarantine_rows), file_name=rec.file, key="import-quarantine"
    )
    st.page_link(DATA_QUALITY_PAGE, label="在数据质量页查看全部批次", icon=":material/fact_check:")


def render_rejected_loads(rejected: pl.DataFrame) -> None:
    """Files rejected whole (nothing changed in the warehouse), newest first."""
    if rejected.is_empty():
        st.caption("没有被拒绝的文件。")
        return
    shown = rejected.with_columns(pl.col("kind").replace(KIND_LABELS))
    render_table(shown, key="rejected-loads")


# --- Cockpit and trends: KPI cards, charts with their tables, the period and freshness lines. ---
def render_kpi_card(card: KpiCard) -> None:
    """One bordered card: value, chosen comparison with its arrow, sparkline, then the footnote line."""
    with st.container(border=True, gap="small", height="stretch"):
        st.metric(
            card.label,
            card.value,
            delta=card.delta,
            delta_color=card.delta_color,  # type: ignore[arg-type]
            delta_arrow=card.delta_arrow,  # type: ignore[arg-type]
            delta_description=card.delta_description if card.delta else None,
            help=card.help,
        )
        # Inline SVG rather than st.metric's Vega chart: twelve of those cost the browser seconds per open.
        spark = build_sparkline_svg(card.spark, PALETTE[0], card.label)
        if spark:
            st.markdown(spark, unsafe_allow_html=True)
        st.caption(card.footnote or "&nbsp;")


def render_kpi_row(cards: list[KpiCard]) -> None:
    for column, card in zip(st.columns(len(cards), gap="small"), cards, strict=True):
        with column:
            render_kpi_card(card)


def render_chart_with_table(figure: Any, table: pl.DataFrame, *, key: str, lang: str = "zh") -> None:
    """A chart and, under it, the same numbers as a table (folded, so the charts stay on screen)."""
    st.plotly_chart(figure, key=f"{key}-chart", config={"displaylogo": False, "locale": lang})
    name = figure_title(figure, key)
    render_chart_downloads(figure, name=name, key=f"{key}-chart")
    with st.expander(text("table", lang), icon=":material/table:"):
        st.dataframe(table, hide_index=True, key=f"{key}-table")
        render_table_downloads(table, name=name, key=f"{key}-table")


def render_period_line(lines: list[str]) -> None:
    st.caption(" · ".join(line for line in lines if line))


def require_router() -> None:
    """Make a page opened by its URL on a freshly started server run under the router (streamlit_app.py).

    Streamlit treats an app with a pages/ folder as a legacy multipage app until
    st.navigation has run once in the server process; a first request for
    /trends would then run the page alone (no page config, no language switch,
    file names as the menu). Clearing that flag and rerunning hands the same URL
    to the router.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


# Six KPI cards share a 1440x900 screen with the sidebar: tighter top space, card labels that wrap
# instead of being cut ("每千万个人客户投诉量"), the comparison's name kept beside its change.
_COMPACT_STYLE = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.25rem; padding-bottom: 2rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2rem; padding: 0.25rem 0 0.5rem 0; }
[data-testid="stMetricLabel"] .stMarkdownEllipsis,
[data-testid="stMetricLabel"] .stMarkdownEllipsis p {
    white-space: normal; overflow: visible; text-overflow: clip; line-height: 1.3;
}
[data-testid="stMetricLabel"] { min-height: 2.6em; align-items: flex-start; }
[data-testid="stMetricValue"] { font-size: 1.9rem; }
div:has(> [data-testid="stMetricDelta"]) { flex-wrap: wrap; row-gap: 0.15rem; }
</style>
"""


def apply_compact_style() -> None:
    """Page-wide CSS for the analysis pages (style only: nothing is fetched, nothing takes space)."""
    st.html(_COMPACT_STYLE)


# ---- case lists lead to the case ------------------------------------------------------------------
CASE_PAGE = Path(__file__).resolve().parents[2] / "pages" / "case.py"  # absolute: matches however it is registered
CASE_ID_HEADER = "案件编号"


def case_link_column(table: pl.DataFrame, id_column: str = CASE_ID_HEADER) -> tuple[pl.DataFrame, dict[str, Any]]:
    """`table` with a 详情 column linking each row to its case (?case=…, opens in a new tab), and its column_config."""
    linked = table.with_columns(详情=pl.lit("case?case=") + pl.col(id_column))
    return linked, {"详情": st.column_config.LinkColumn("详情", display_text="打开案件", width="small")}


def render_case_opener(case_ids: list[str], *, key: str) -> None:
    """Under a case list: pick one of its cases and open it here (the URL ?case=… can be shared)."""
    if not case_ids:
        return
    pick_col, open_col = st.columns([3, 1], vertical_alignment="bottom")
    chosen = pick_col.selectbox(
        "打开案件详情", case_ids, key=f"{key}-pick", help="也可点击表中“详情”列在新标签页打开。"
    )
    if open_col.button("打开案件", key=f"{key}-open", icon=":material/open_in_new:") and chosen:
        st.switch_page(CASE_PAGE, query_params={"case": chosen})
