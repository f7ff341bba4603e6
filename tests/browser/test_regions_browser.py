"""区域分析 in headless chromium on the demo warehouse with every outside request blocked.

Acceptance of issue 5: the China map draws from local boundaries (many distinct
fill colours on its canvas, not a blank one), a province click shows its cities,
a ranking row filters the cockpit, and every chart is screenshotted to
test-artifacts/regions-*.png for a person to look at. Expected regions come from
the KPI engine on the same warehouse.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.kpis import resolve_period
from dashboard.views import regions_view as view
from tests.browser.conftest import ARTIFACTS
from warehouse import store

pytestmark = pytest.mark.browser


PAINT_SECONDS = 30
MIN_FILL_PIXELS = 150  # a province's fill, not the anti-aliased edge of one
DARKEST = (0x8E, 0x1B, 0x13)  # theme.SEQUENTIAL[-1]: the largest volume when lower is better

# Distinct colours of the first chart's canvas with at least MIN_FILL_PIXELS pixels each, and
# a point inside the largest patch of `target` (or null): the map is the page's first ECharts chart.
READ_MAP = """([minPixels, target]) => {
  const canvas = document.querySelector('.echarts-container canvas');
  if (!canvas || !canvas.width) return null;
  const {width, height} = canvas;
  const pixels = canvas.getContext('2d').getImageData(0, 0, width, height).data;
  const counts = new Map();
  let best = null, bestRun = 0;
  for (let y = 0; y < height; y += 1) {
    let run = 0;
    for (let x = 0; x < width; x += 1) {
      const i = (y * width + x) * 4;
      const key = pixels[i] + ',' + pixels[i + 1] + ',' + pixels[i + 2];
      counts.set(key, (counts.get(key) || 0) + 1);
      const hit = pixels[i] === target[0] && pixels[i + 1] === target[1] && pixels[i + 2] === target[2];
      run = hit ? run + 1 : 0;
      if (run > bestRun) { bestRun = run; best = [x - Math.floor(run / 2), y]; }
    }
  }
  const fills = [...counts.entries()].filter(([, n]) => n >= minPixels).map(([k]) => k);
  const box = canvas.getBoundingClientRect();
  const scale = box.width / width;
  return {fills, click: best && [box.left + best[0] * scale, box.top + best[1] * scale]};
}"""


def reddish(colour: str) -> bool:
    r, g, b = (int(part) for part in colour.split(","))
    return r > g + 12 and r > b + 12  # the sequential reds; not white, grey, text or the blue of other charts


def read_map(page: Page, min_fills: int = 8) -> dict:
    """Wait until the map canvas has painted `min_fills` coloured regions (ECharts animates in)."""
    deadline = time.monotonic() + PAINT_SECONDS
    last: dict | None = None
    while time.monotonic() < deadline:
        last = page.evaluate(READ_MAP, [MIN_FILL_PIXELS, list(DARKEST)])
        if last and last["click"] and len([c for c in last["fills"] if reddish(c)]) >= min_fills:
            time.sleep(0.8)  # the end of the animation
            return page.evaluate(READ_MAP, [MIN_FILL_PIXELS, list(DARKEST)])
        time.sleep(0.5)
    raise AssertionError(f"the map did not paint within {PAINT_SECONDS}s: {last}")


def engine_ranking(db: Path) -> list[tuple[str, float]]:
    con = store.open_reader(db)
    try:
        period = resolve_period(DuckDBSource(con, Filters()))
        values = view.region_values(con, Filters(), period, "volume")
        return list(zip(values["key"].to_list(), values["value"].to_list(), strict=True))
    finally:
        con.close()


def test_map_draws_offline_drills_into_cities_and_filters_the_cockpit(serve_demo: Path, cockpit) -> None:
    ranking = engine_ranking(serve_demo)
    distinct_values = {value for _name, value in ranking}
    assert len(distinct_values) >= 10  # the demo has enough spread for a many-coloured map
    top_value = ranking[0][1]
    largest = {name for name, value in ranking if value == top_value}

    page = cockpit.page
    cockpit.open_home()
    cockpit.open_page("区域分析")
    expect(page.get_by_text("当前范围：全国")).to_be_visible()
    painted = read_map(page)
    fills = [c for c in painted["fills"] if reddish(c)]
    assert len(fills) >= 10, f"too few coloured provinces on the map: {fills}"
    cockpit.screenshot("regions-china-map")

    # A click on the darkest province (the largest volume) opens its city map.
    page.mouse.click(*painted["click"])
    cockpit.wait()
    expect(page.get_by_text("当前范围：", exact=False)).not_to_have_text("当前范围：全国")
    scope = page.get_by_text("当前范围：", exact=False).inner_text().removeprefix("当前范围：").strip()
    assert scope in largest
    expect(page.get_by_role("button", name="← 返回全国地图")).to_be_visible()
    expect(page.get_by_role("heading", name="城市排名：投诉量")).to_be_visible()
    read_map(page, min_fills=3)
    cockpit.screenshot("regions-province-map")

    for tab, name in (
        ("城市 × 月份", "heat-city-month"),
        ("城市 × 业务条线", "heat-city-line"),
        ("产品 × 问题类型", "heat-product-issue"),
        ("星期 × 受理时段", "heat-weekday-hour"),
    ):
        page.get_by_role("tab", name=tab).click()
        cockpit.wait()
        panel = page.get_by_role("tabpanel", name=tab)
        panel.scroll_into_view_if_needed()
        time.sleep(1.0)  # the chart's entry animation
        ARTIFACTS.mkdir(exist_ok=True)
        panel.screenshot(path=str(ARTIFACTS / f"regions-{name}.png"))

    page.get_by_role("button", name="← 返回全国地图").click()
    cockpit.wait()
    expect(page.get_by_text("当前范围：全国")).to_be_visible()

    # A row of the ranking filters the whole cockpit to that region (it lands in the URL).
    grid = page.get_by_test_id("stDataFrame").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)  # the first data row's selection box
    cockpit.wait()
    first = ranking[0][0]
    expect(page.get_by_text(f"当前范围：{first}")).to_be_visible()
    expect(page.get_by_role("heading", name="城市排名：投诉量")).to_be_visible()
    cockpit.wait()
    assert "province=" in page.url
    cockpit.screenshot("regions-filtered")


def test_every_map_metric_colours_the_map(serve_demo: Path, cockpit) -> None:
    page = cockpit.page
    cockpit.open_home()
    cockpit.open_page("区域分析")
    read_map(page)
    for label, name in (("百万客户投诉量", "per-million"), ("重复投诉率", "repeat"), ("按期办结率", "on-time")):
        page.get_by_test_id("stButtonGroup").first.get_by_text(label, exact=True).click()
        cockpit.wait()
        read_map(page, min_fills=6)
        cockpit.screenshot(f"regions-map-{name}")
