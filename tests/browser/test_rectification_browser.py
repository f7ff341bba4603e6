"""溯源整改 in headless chromium with the outside network cut: the page opens from the sidebar with no exception,
shows the hand-made ledger's figures, lists the overdue defect with its description masked, and opens a defect's
complaints (the two lists side by side)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Cockpit
from tests.builders import build_cases, case_row
from warehouse.importer.pipeline import import_file, load_frame

pytestmark = pytest.mark.browser
CLEAR_PHONE = "13912345678"


def plant(db: Path, folder: Path) -> None:
    """Four cases in 2025 Q1 (two traced to QX-1, one to QX-2 from the case side) and a two-defect ledger."""
    days = [date(2025, 1, 10), date(2025, 2, 5), date(2025, 3, 1), date(2025, 3, 20)]
    cases = [
        case_row(i, case_id=f"K{i + 1}", received_at=datetime.combine(d, datetime.min.time()) + timedelta(hours=9),
                 closed_at=None, status="办理中", defect_ids="QX-2" if i == 2 else None)
        for i, d in enumerate(days)
    ]  # fmt: skip
    assert load_frame(build_cases(cases), "cases", db=db, file_name="cases.csv").loaded == 4
    ledger = pl.DataFrame(
        {
            "缺陷编号": ["QX-1", "QX-2"],
            "缺陷类型": ["制度缺陷", "系统漏洞"],
            "缺陷描述": [f"客户来电 {CLEAR_PHONE} 反映分期费率披露不清", "短信提醒延迟"],
            "根因分类": ["制度缺失", "系统设计缺陷"],
            "责任部门": ["信用卡中心", "电子银行部"],
            "发现日期": ["2025-01-15", "2025-02-10"],
            "整改期限": ["2025-02-28", "2025-06-30"],
            "整改状态": ["整改中", "已完成"],
            "完成日期": ["", "2025-03-05"],
            "整改措施": ["修订制度", "优化系统功能"],
            "关联案件": ["K1；K2", ""],
        }
    )
    ledger.write_csv(folder / "缺陷清单.csv")
    result = import_file(folder / "缺陷清单.csv", kind="defects", db=db)
    assert (result.loaded, result.quarantined) == (2, 0), result.message


def test_the_page_opens_offline_with_the_ledger_figures(
    cockpit: Cockpit, isolated_warehouse: Path, tmp_path: Path
) -> None:
    plant(isolated_warehouse, tmp_path)
    page = cockpit.page
    page.goto(f"{cockpit.base_url}/?preset=custom&from=2025-01-01&to=2025-04-01")
    cockpit.wait()
    cockpit.open_page("溯源整改")
    expect(page.get_by_test_id("stMetric").filter(has_text="发现缺陷")).to_contain_text("2 项")
    expect(page.get_by_test_id("stMetric").filter(has_text="整改完成率")).to_contain_text("50.0%")
    expect(page.get_by_test_id("stMetric").filter(has_text="逾期未整改")).to_contain_text("1 项")
    expect(page.get_by_test_id("stMetric").filter(has_text="溯源投诉")).to_contain_text("3 件")
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert CLEAR_PHONE not in body and "逾期未整改（工作清单）" in body
    assert page.locator('[data-testid="stException"]').count() == 0
    cockpit.screenshot("rectification_page")
