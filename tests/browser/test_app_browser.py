"""End-to-end in headless chromium (Debian's /usr/bin/chromium) with every outside request blocked.

Acceptance of the import flow: upload a canonical file on 数据导入, read its
reconciliation, then find the batch on 数据质量. Expected figures come from the
file this test builds.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import Page, expect

from tests.builders import build_cases, write_csv

pytestmark = pytest.mark.browser

IMPORT_SECONDS = 120


def build_canonical_file(tmp_path: Path, clean: int, copies: int, broken: int) -> tuple[Path, dict[str, int]]:
    """`clean` valid cases, `copies` exact repeats, `broken` rows closed before they were received."""
    frame = build_cases(clean + broken)
    closed = [
        frame["received_at"][i] - timedelta(hours=5) if i >= clean else frame["closed_at"][i]
        for i in range(frame.height)
    ]
    frame = frame.with_columns(pl.Series("closed_at", closed, dtype=frame["closed_at"].dtype))
    frame = pl.concat([frame, frame.head(copies)])
    path = write_csv(frame, tmp_path / "浏览器导入测试.csv", bom=True)
    expected = {"读取": frame.height, "新增": clean, "更新": 0, "重复": copies, "隔离": broken}
    return path, expected


def read_metrics(page: Page) -> dict[str, str]:
    """Label -> value of every metric on the page, read in one pass (no element can vanish in between)."""
    pairs = page.eval_on_selector_all(
        '[data-testid="stMetric"]',
        """els => els.map(el => [
            el.querySelector('[data-testid="stMetricLabel"]').innerText.trim(),
            el.querySelector('[data-testid="stMetricValue"]').innerText.trim(),
        ])""",
    )
    return dict(pairs)


def test_home_page_explains_a_missing_warehouse_offline(cockpit) -> None:
    cockpit.open_home()
    page = cockpit.page
    expect(page.get_by_role("heading", name="驾驶舱总览")).to_be_visible()  # the cockpit is the home page
    expect(page.get_by_text("还没有数据仓库")).to_be_visible()
    for title in ("驾驶舱总览", "趋势分析", "数据概况", "数据导入", "数据质量"):
        expect(page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True)).to_be_visible()
    cockpit.screenshot("home-missing-warehouse")
    assert cockpit.outside_requests == []


def test_upload_reconcile_and_find_the_batch_offline(cockpit, tmp_path: Path) -> None:
    path, expected = build_canonical_file(tmp_path, clean=40, copies=4, broken=3)
    page = cockpit.page
    cockpit.open_home()
    cockpit.open_page("数据导入")
    expect(page.get_by_role("heading", name="数据导入")).to_be_visible()

    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    confirm = page.get_by_role("button", name="确认导入")
    expect(confirm).to_be_visible(timeout=IMPORT_SECONDS * 1000)
    cockpit.wait()
    expect(page.get_by_text("字段映射", exact=True)).to_be_visible()
    assert read_metrics(page)["数据行数"] == str(expected["读取"])
    cockpit.screenshot("import-preview")

    confirm.click()
    expect(page.get_by_text("对账平衡")).to_be_visible(timeout=IMPORT_SECONDS * 1000)
    cockpit.wait()
    metrics = read_metrics(page)
    assert {k: metrics[k] for k in expected} == {k: f"{v:,}" for k, v in expected.items()}
    cockpit.screenshot("import-result")
    with page.expect_download() as download:
        page.get_by_role("button", name="下载隔离行（CSV）").click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 BOM to show Chinese"
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("源文件行号,") and len(lines) == 1 + expected["隔离"]

    cockpit.open_page("数据质量")
    expect(page.get_by_role("heading", name="数据质量")).to_be_visible()
    expect(page.get_by_text(f"批次 #1 · {path.name}")).to_be_visible()
    metrics = read_metrics(page)
    assert {k: metrics[k] for k in expected} == {k: f"{v:,}" for k, v in expected.items()}
    cockpit.screenshot("data-quality")

    cockpit.open_page("数据概况")
    assert read_metrics(page)["投诉案件数"] == str(expected["新增"])
    cockpit.screenshot("home")
    assert cockpit.outside_requests == []
