"""Chart builders of the 区域分析 page: heatmap grid, ranking table, city-cluster bars (plain ECharts JSON)."""

from __future__ import annotations

import json

import polars as pl

from dashboard.charts import heatmaps, rankings, region_groups


def cells_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "row": ["广东省", "广东省", "浙江省", "浙江省", "北京市"],
            "column": ["2026-01", "2026-02", "2026-01", "2026-02", "2026-02"],
            "value": [3.0, 5.0, 1.0, None, 2.0],
        }
    )


def test_heatmap_places_each_value_on_its_row_and_column() -> None:
    cells = cells_frame()
    options = heatmaps.build_heatmap(cells, title="省份 × 月份", value_label="投诉量", unit="count")
    rows, columns = options["yAxis"]["data"], options["xAxis"]["data"]
    assert rows == ["广东省", "北京市", "浙江省"]  # largest total first
    assert columns == ["2026-01", "2026-02"]
    placed = {(columns[x], rows[y]): v for x, y, v in options["series"][0]["data"]}
    expected = {(r["column"], r["row"]): r["value"] for r in cells.iter_rows(named=True) if r["value"] is not None}
    assert placed == expected  # a missing value stays a blank cell, not 0
    assert (options["visualMap"]["min"], options["visualMap"]["max"]) == (1.0, 5.0)
    json.dumps(options, ensure_ascii=False)


def test_heatmap_keeps_a_given_order_and_shows_rates_in_percent() -> None:
    cells = pl.DataFrame({"row": ["周一", "周二"], "column": ["9时", "9时"], "value": [0.125, 0.5]})
    options = heatmaps.build_heatmap(
        cells, title="t", value_label="重复投诉率", unit="rate", rows=["周二", "周一"], columns=["9时", "10时"]
    )
    assert options["yAxis"]["data"] == ["周二", "周一"]
    assert sorted(options["series"][0]["data"]) == [[0, 0, 50.0], [0, 1, 12.5]]
    assert "%" in options["tooltip"]["formatter"]


def test_big_heatmaps_leave_numbers_to_the_tooltip() -> None:
    rows = [f"城市{i}" for i in range(30)]
    cells = pl.DataFrame({"row": rows, "column": ["2026-01"] * 30, "value": [1.0] * 30})
    small = heatmaps.build_heatmap(cells, title="t", value_label="v", unit="count")
    wide = pl.concat([cells.with_columns(column=pl.lit(f"2026-{m:02d}")) for m in range(1, 13)])
    big = heatmaps.build_heatmap(wide, title="t", value_label="v", unit="count")
    assert small["series"][0]["label"]["show"] is True
    assert big["series"][0]["label"]["show"] is False
    assert heatmaps.heatmap_height(30) > heatmaps.heatmap_height(5)


def test_ranking_table_ranks_computable_values_and_puts_the_rest_last() -> None:
    values = pl.DataFrame(
        {
            "key": ["浙江省", "广东省", "西藏自治区", "江苏省"],
            "value": [0.2, 0.35, None, 0.2],
            "volume": [10, 40, 0, 30],
            "trend": [[0.1, None, 0.2], [0.3, 0.4, None], [None, None, None], [0.2, 0.2, 0.2]],
        }
    )
    table = rankings.build_ranking_table(values, "rate")
    assert table[rankings.REGION].to_list() == ["广东省", "江苏省", "浙江省", "西藏自治区"]
    assert table[rankings.RANK].to_list() == [1, 2, 3, None]
    assert table[rankings.VALUE].to_list() == [35.0, 20.0, 20.0, None]
    assert table[rankings.TREND].to_list()[0] == [30.0, 40.0]  # a month without a rate is left out
    counts = values.with_columns(value=pl.col("volume").cast(pl.Float64), trend=pl.Series([[1.0, None]] * 4))
    volume_table = rankings.build_ranking_table(counts, "count", with_volume=False)
    assert rankings.VOLUME not in volume_table.columns
    assert volume_table[rankings.TREND].to_list()[0] == [1.0, 0.0]  # a month without a case counts 0


def test_ranking_bars_show_the_top_rows_in_order() -> None:
    values = pl.DataFrame({"key": ["甲", "乙", "丙"], "value": [3.0, 9.0, 6.0], "volume": [3, 9, 6]})
    table = rankings.build_ranking_table(values, "count")
    options = rankings.build_ranking_bars(table, title="排名", value_label="投诉量", unit="count", top=2)
    assert options["yAxis"]["data"] == ["乙", "丙"]
    assert options["series"][0]["data"] == [9.0, 6.0]


def test_group_bars_show_both_shares_in_percent() -> None:
    shares = pl.DataFrame(
        {"region_group": ["长三角", "珠三角"], "volume_share": [0.4, 0.1], "high_risk_share": [0.5, None]}
    )
    options = region_groups.build_group_share_bars(shares)
    assert options["yAxis"]["data"] == ["长三角", "珠三角"]
    assert [s["name"] for s in options["series"]] == ["投诉量占比", "高风险案件占比"]
    assert options["series"][0]["data"] == [40.0, 10.0]
    assert options["series"][1]["data"] == [50.0, None]
