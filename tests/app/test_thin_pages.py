"""Issue 12 (parts 4, 6, 8): thin pages opened by one frame, every table download through export_buttons,
no raw column name on a chart or table header, the English switch limited explicitly, dashes for blanks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app.lazy import seen_key
from dashboard.charts.query_chart import build_query_chart
from dashboard.engine import queries as registry
from dashboard.engine.i18n import NAV_TITLES_EN, TRANSLATED_PAGES
from dashboard.engine.sandbox import open_sandbox
from dashboard.views.case_list import CASE_COLUMNS, format_case_table
from tests import cockpit_support as support
from tests.sql_warehouse import build_sql_warehouse
from warehouse import store

ROOT = support.PROJECT_ROOT
APP = str(ROOT / "streamlit_app.py")
PAGE_FILES = sorted((ROOT / "pages").glob("*.py"))
ANALYSIS_PAGES = ["cockpit", "trends", "regions", "risk_radar", "watchlist", "products_issues", "alerts", "sla"]
# A snake_case identifier (n_complaints, on_time_rate) or a bare frame column shown to a reader.
RAW_NAME = re.compile(r"^[a-z]+(_[a-z0-9]+)+$|^(volume|share|value|key|count|n|variable)$")


def open_page(page: str, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state[seen_key("cockpit-mixes")] = True  # the cockpit's charts below the fold, as if scrolled to
    at.run()
    if lang is not None:
        at.radio(key="ui.lang").set_value(lang).run()  # the sidebar's switch (kept in the session and URL)
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("path", PAGE_FILES, ids=[p.stem for p in PAGE_FILES])
def test_every_page_is_thin_and_opens_with_the_frame(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 80, f"{path.name}: move logic to dashboard/views or dashboard/app"
    assert "with page(__file__, " in text
    for done_by_the_frame in ("require_page(", "st.title(", "require_loaded_warehouse(", "apply_compact_style("):
        assert done_by_the_frame not in text, f"{path.name} repeats the frame's {done_by_the_frame}"


def test_downloads_are_made_only_by_the_export_buttons() -> None:
    """Every table download is logged (dashboard/export/log.py); the pack page offers the file it built."""
    makers = {
        p.relative_to(ROOT).as_posix()
        for p in [*(ROOT / "pages").glob("*.py"), *(ROOT / "dashboard").rglob("*.py")]
        if ".download_button(" in p.read_text(encoding="utf-8")
    }
    assert makers == {"dashboard/app/export_buttons.py", "dashboard/app/pack_controls.py"}


def test_table_download_buttons_sit_in_a_wrapping_row_not_narrow_columns() -> None:
    source = (ROOT / "dashboard" / "app" / "export_buttons.py").read_text(encoding="utf-8")
    body = source.split("def render_table_downloads(")[1].split("\ndef ")[0]
    assert "st.columns(" not in body and "horizontal=True" in body and 'width="content"' in body


def _shown_names(at: AppTest) -> set[str]:
    """Axis and legend titles and trace names of every plotly chart, and every table header."""
    names: list[object] = []
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        layout = spec.get("layout", {})
        for key, axis in layout.items():
            if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
                title = axis.get("title")
                names.append(title.get("text") if isinstance(title, dict) else title)
        legend = layout.get("legend", {}).get("title")
        names.append(legend.get("text") if isinstance(legend, dict) else legend)
        names += [trace.get("name") for trace in spec.get("data", [])]
    names += [column for frame in at.dataframe for column in frame.value.columns]
    return {name for name in names if isinstance(name, str)}


@pytest.mark.parametrize("page", [*ANALYSIS_PAGES, "query_explorer"])
def test_no_raw_column_name_reaches_a_chart_or_a_header(serve_demo: Path, page: str) -> None:
    at = open_page(page)
    assert {name for name in _shown_names(at) if RAW_NAME.match(name)} == set()


def test_query_file_charts_name_their_columns_in_chinese(tmp_path_factory: pytest.TempPathFactory) -> None:
    db = build_sql_warehouse(tmp_path_factory)
    queries, _ = registry.load_queries()
    with open_sandbox(db) as sandbox:
        for query in queries:
            result = registry.run_query(query, registry.default_values(query, sandbox), sandbox, row_cap=10_000)
            figure = build_query_chart(result.frame, query.chart, query.title)
            if figure is None:
                continue
            layout = figure.layout
            shown = [layout.xaxis.title.text, layout.yaxis.title.text, layout.legend.title.text]
            shown += [trace.name for trace in figure.data]
            raw = {name for name in shown if isinstance(name, str) and RAW_NAME.match(name)}
            assert raw == set(), query.name


@pytest.mark.parametrize("page", ANALYSIS_PAGES + ["case", "pack"])
def test_an_empty_warehouse_stops_every_data_page_with_a_clear_message(tmp_db: Path, page: str) -> None:
    with store.new_version(tmp_db):
        pass
    at = open_page(page)
    assert any("还没有导入任何数据" in info.value for info in at.info)
    assert not at.metric and not at.dataframe


def test_a_missing_warehouse_is_explained_on_the_query_page() -> None:
    at = open_page("query_explorer")
    assert any("还没有数据仓库" in info.value for info in at.info)


def test_english_is_limited_explicitly(serve_demo: Path) -> None:
    assert set(NAV_TITLES_EN) == {f"pages/{p.name}" for p in PAGE_FILES}  # every page named in the English menu
    translated = open_page("trends", "en")
    assert translated.title[0].value == "Trends"
    assert any("other pages stay in Chinese" in c.value for c in translated.sidebar.caption)
    assert not any("content is in Chinese" in c.value for c in translated.caption)
    chinese = open_page("sla", "en")
    assert "pages/sla.py" not in TRANSLATED_PAGES
    assert chinese.title[0].value == NAV_TITLES_EN["pages/sla.py"]
    assert any("content is in Chinese" in c.value for c in chinese.caption)
    assert open_page("sla").title[0].value == "时效与红黄牌"


def test_a_missing_phone_or_name_is_a_dash() -> None:
    cases = pl.DataFrame({column: ["x"] for column in CASE_COLUMNS}).with_columns(
        pl.lit(None, pl.String).alias("phone_masked"), pl.lit(None, pl.String).alias("name_masked")
    )
    shown = format_case_table(cases)
    assert shown["电话"].to_list() == ["—"] and shown["客户"].to_list() == ["—"]


def test_the_products_drill_lists_cases_with_labelled_downloads(serve_demo: Path) -> None:
    at = open_page("products_issues")
    box = next(s for s in at.selectbox if s.label == "问题类型")
    box.set_value(box.options[1]).run()  # options[0] is （全部）
    assert not at.exception
    assert any("共" in c.value and "件" in c.value for c in at.caption)
    labels = [b.label for b in at.get("download_button")]
    assert {"下载清单（CSV）", "下载清单（Excel）"} <= set(labels)
    cases = at.dataframe[-1].value
    assert "None" not in cases.astype(str).to_numpy().ravel().tolist()
