"""The 区域分析 page's view-model, without Streamlit: the drill-down state and the heatmaps as specs.

The page shows either all of China (a province map, ranking by province) or one province (its city map,
ranking by city). `RegionsDrill` is that state and its transitions; a transition that changes the cockpit's
filters returns the new Filters, which the page writes to the URL (every page then shows that region).

- A single province in the filters opens its city map; a map click only drills (the filters stay).
- 返回全国地图 goes back to China, and drops the province filter when the drill came from it.
- A ranking row filters the cockpit to that region (a province, or a city of the drilled province).
- 清除地区筛选 goes back to China without any region filter.

The four heatmaps differ only in their cells, axes and words: `heatmap_specs` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from dashboard.engine.filters import Filters
from dashboard.engine.periods import Period, month_key
from dashboard.views.regions_view import WEEKDAYS, MapMetric, trend_periods

CHINA = "全国"


def single_province(filters: Filters) -> str | None:
    return filters.provinces[0] if len(filters.provinces) == 1 else None


@dataclass(frozen=True)
class RegionsDrill:
    province: str | None = None  # the province whose cities are shown; None: all of China
    filter_province: str | None = None  # the filters' single province when `province` was last set from them

    @classmethod
    def from_filters(cls, filters: Filters) -> RegionsDrill:
        single = single_province(filters)
        return cls(single, single)

    def synced(self, filters: Filters) -> RegionsDrill:
        """This state, unless the filters' single province changed since: then the filters decide."""
        return self if self.filter_province == single_province(filters) else RegionsDrill.from_filters(filters)

    @property
    def level(self) -> str:
        return "province" if self.province is None else "city"

    @property
    def scope(self) -> str:
        return self.province or CHINA

    @property
    def area(self) -> str:
        """What a map region, ranking row or heatmap row is: 省份 or 城市."""
        return "省份" if self.province is None else "城市"

    def ranking_heading(self, metric: MapMetric) -> str:
        return f"{self.area}排名：{metric.label}"

    def map_title(self, metric: MapMetric) -> str:
        return f"区域热力：{metric.label}" if self.province is None else f"{self.province}各城市：{metric.label}"

    def map_subtitle(self, period: Period) -> str:
        hint = "　点击省份查看各城市" if self.province is None else ""
        return f"{period.label()}　浅灰：无数据{hint}"

    def click_map(self, province: str | None) -> RegionsDrill:
        """A click on the China map drills into the province (a click on a city map, or off the map, does nothing)."""
        if self.province is not None or province is None:
            return self
        return replace(self, province=province)

    def back(self, filters: Filters) -> tuple[RegionsDrill, Filters | None]:
        """Back to China; the province filter is dropped when it is what opened this province."""
        if self.province is not None and filters.provinces == (self.province,):
            return replace(self, province=None), replace(filters, provinces=(), cities=())
        return replace(self, province=None), None

    def pick_ranking_row(self, filters: Filters, region: str) -> Filters:
        """A ranking row filters the whole cockpit to that region (the drill then follows the filters)."""
        if self.province is None:
            return replace(filters, provinces=(region,), cities=(), region_group=None)
        return replace(filters, provinces=(self.province,), cities=(region,), region_group=None)

    def clear(self, filters: Filters) -> tuple[RegionsDrill, Filters]:
        return replace(self, province=None), replace(filters, provinces=(), cities=(), region_group=None)


@dataclass(frozen=True)
class HeatmapSpec:
    """One heatmap tab: which two-way cells (dashboard/app/regions_data.load_heatmap_cells), axes and words."""

    cells: str  # region_month | region_line | product_issue | weekday_hour
    tab: str
    title: str
    value_label: str
    unit: str
    subtitle: str
    key: str
    rows: tuple[str, ...] | None = None  # top to bottom; None: the largest total first
    columns: tuple[str, ...] | None = None  # left to right; None: as the cells come, or by total (below)
    columns_by_total: bool = False


def heatmap_specs(drill: RegionsDrill, heat: MapMetric, period: Period) -> list[HeatmapSpec]:
    """The four heatmaps of the page: region × month and × business line coloured by the chosen metric,
    product × issue and weekday × hour by volume (the last one for staffing the phone and visit windows)."""
    area = drill.area
    months = tuple(month_key(p.start) for p in trend_periods(period))
    return [
        HeatmapSpec("region_month", f"{area} × 月份", f"{area} × 月份：{heat.label}", heat.label, heat.unit,
                    "近12个月", "regions-heat-month", columns=months),
        HeatmapSpec("region_line", f"{area} × 业务条线", f"{area} × 业务条线：{heat.label}", heat.label, heat.unit,
                    period.label(), "regions-heat-line"),
        HeatmapSpec("product_issue", "产品 × 问题类型", "产品 × 问题类型：投诉量", "投诉量", "count",
                    period.label(), "regions-heat-issue", columns_by_total=True),
        HeatmapSpec("weekday_hour", "星期 × 受理时段", "星期 × 受理时段：投诉量（用于电话与来访窗口排班）", "投诉量",
                    "count", period.label(), "regions-heat-hour", rows=WEEKDAYS,
                    columns=tuple(f"{hour}时" for hour in range(24))),
    ]  # fmt: skip
