"""The 查询分析 page: lists the query files, runs the chosen one with its form, refuses unsafe SQL in the box."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.sql_warehouse import build_sql_warehouse
from warehouse.settings import PROJECT_ROOT


@pytest.fixture
def sql_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sql_warehouse(tmp_path_factory)


PAGE = str(PROJECT_ROOT / "pages" / "query_explorer.py")


@pytest.fixture
def page(sql_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("COCKPIT_DB", str(sql_warehouse))
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    return app


def test_page_runs_the_first_query_with_its_defaults(page: AppTest) -> None:
    assert page.title[0].value == "查询分析"
    assert page.selectbox(key="qx-query").options
    assert len(page.dataframe) >= 1
    assert any("SELECT" in block.value for block in page.code)
    assert page.get("plotly_chart") or page.get("download_button")


def test_search_narrows_the_list_and_the_form_reruns_the_query(page: AppTest) -> None:
    page.text_input(key="qx-search").input("帕累托").run()
    assert page.selectbox(key="qx-query").options == ["问题类型帕累托（issue/complaints_pareto_by_issue）"]
    page.date_input(key="qx-complaints_pareto_by_issue-start_date").set_value("2026-01-01")
    page.button[0].click().run()
    assert not page.exception
    assert not page.error
    assert page.dataframe[0].value.shape[0] > 0


def test_sql_box_refuses_a_file_read_and_runs_a_select(page: AppTest) -> None:
    page.text_area(key="qx-sql").input("SELECT * FROM read_text('/etc/passwd')")
    page.button[-1].click().run()
    assert page.error and "read_text" in page.error[0].value
    page.text_area(key="qx-sql").input("SELECT channel, count(*) AS n FROM v_complaint GROUP BY 1")
    page.button[-1].click().run()
    assert not page.error
    assert page.dataframe[-1].value.shape[0] > 0
