"""The 区域分析 drill-down as a view-model (dashboard/views/regions_page.py): every transition without Streamlit."""

from __future__ import annotations

from datetime import date

from dashboard.engine.filters import Filters
from dashboard.engine.periods import Period
from dashboard.views.regions_page import CHINA, RegionsDrill, heatmap_specs
from dashboard.views.regions_view import MAP_METRICS, WEEKDAYS

GD, SZ = "广东省", "深圳市"


def test_the_page_opens_on_china_or_on_the_filters_single_province() -> None:
    assert RegionsDrill.from_filters(Filters()) == RegionsDrill(None, None)
    assert RegionsDrill.from_filters(Filters(provinces=(GD,))) == RegionsDrill(GD, GD)
    two = RegionsDrill.from_filters(Filters(provinces=(GD, "福建省")))
    assert two.province is None and two.scope == CHINA and two.area == "省份" and two.level == "province"


def test_a_map_click_drills_without_filtering_and_survives_reruns() -> None:
    drill = RegionsDrill.from_filters(Filters()).click_map(GD)
    assert drill == RegionsDrill(GD, None)
    assert (drill.scope, drill.area, drill.level) == (GD, "城市", "city")
    assert drill.synced(Filters()) == drill  # the filters did not change: the click stays
    assert drill.click_map("福建省") == drill  # a click on a city map does not drill further
    assert RegionsDrill().click_map(None) == RegionsDrill()  # a click off the provinces does nothing


def test_back_drops_the_province_filter_only_when_it_opened_the_province() -> None:
    filtered = Filters(provinces=(GD,), cities=(SZ,))
    drill, new_filters = RegionsDrill.from_filters(filtered).back(filtered)
    assert drill.province is None and new_filters == Filters()
    drill, new_filters = RegionsDrill().click_map(GD).back(Filters(channels=("电话",)))
    assert drill.province is None and new_filters is None


def test_a_ranking_row_filters_the_cockpit_and_the_drill_follows_the_filters() -> None:
    china = RegionsDrill.from_filters(Filters(region_group="粤港澳大湾区"))
    chosen = china.pick_ranking_row(Filters(region_group="粤港澳大湾区"), GD)
    assert chosen == Filters(provinces=(GD,))
    assert china.synced(chosen) == RegionsDrill(GD, GD)  # next run: the city map of the chosen province
    in_province = RegionsDrill(GD, GD).pick_ranking_row(chosen, SZ)
    assert in_province == Filters(provinces=(GD,), cities=(SZ,))
    assert RegionsDrill(GD, GD).synced(in_province) == RegionsDrill(GD, GD)


def test_a_changed_filter_province_replaces_a_clicked_drill() -> None:
    clicked = RegionsDrill().click_map(GD)
    assert clicked.synced(Filters(provinces=("福建省",))) == RegionsDrill("福建省", "福建省")


def test_clear_goes_back_to_china_without_region_filters() -> None:
    drill, filters = RegionsDrill(GD, GD).clear(Filters(provinces=(GD,), cities=(SZ,), channels=("电话",)))
    assert drill.province is None and filters == Filters(channels=("电话",))
    assert drill.synced(filters) == RegionsDrill(None, None)


def test_words_follow_the_level() -> None:
    metric = MAP_METRICS["volume"]
    period = Period(date(2026, 7, 1), date(2026, 10, 1))
    china, province = RegionsDrill(), RegionsDrill(GD, GD)
    assert (
        china.ranking_heading(metric) == "省份排名：投诉量" and province.ranking_heading(metric) == "城市排名：投诉量"
    )
    assert china.map_title(metric) == "区域热力：投诉量" and province.map_title(metric) == f"{GD}各城市：投诉量"
    assert china.map_subtitle(period).endswith("点击省份查看各城市")
    assert not province.map_subtitle(period).endswith("点击省份查看各城市")


def test_the_four_heatmaps_are_specs() -> None:
    period = Period(date(2026, 7, 1), date(2026, 10, 1))
    heat = MAP_METRICS["per_million_customers"]
    specs = heatmap_specs(RegionsDrill(GD, GD), heat, period)
    assert [s.tab for s in specs] == ["城市 × 月份", "城市 × 业务条线", "产品 × 问题类型", "星期 × 受理时段"]
    assert len({s.key for s in specs}) == 4 and len({s.cells for s in specs}) == 4
    month, line, issue, hour = specs
    assert month.columns is not None and len(month.columns) == 12 and month.columns[-1] == "2026-09"
    assert (month.value_label, line.value_label, issue.value_label) == (heat.label, heat.label, "投诉量")
    assert issue.columns_by_total and line.columns is None and line.rows is None
    assert hour.rows == WEEKDAYS and hour.columns is not None and len(hour.columns) == 24
    assert [s.tab for s in heatmap_specs(RegionsDrill(), heat, period)][:2] == ["省份 × 月份", "省份 × 业务条线"]
