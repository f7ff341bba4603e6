"""The installed map boundaries (assets/maps, built by dashboard/charts/geo_assets.py) and region names.

The warehouse stores full names (`广东省`, `深圳市`); the China map's features are
named by short names (`广东`) as ECharts maps are, the province maps' features by
full city names. `province_to_map_name` / `map_name_to_province` translate both
ways; `unmatched_regions` tells which regions of the data have no feature, so a
page can say so instead of silently leaving them off the map.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from warehouse.importer.contract import UNKNOWN_MEMBERS
from warehouse.reference.regions import canonical_province, province_short
from warehouse.settings import PROJECT_ROOT

DEFAULT_MAPS_DIR = PROJECT_ROOT / "assets" / "maps"
CHINA_MAP = "china"
INSET_NAMES = ("南海诸岛", "南海诸岛界线")
UNKNOWN_REGION = UNKNOWN_MEMBERS["province"][0]  # cases loaded without a 省份


class MapAssetsMissing(RuntimeError):
    """The boundary files are not installed (set-up was not run)."""


def maps_dir() -> Path:
    """Where the boundaries are: COCKPIT_MAPS_DIR, else assets/maps of the project."""
    return Path(os.environ.get("COCKPIT_MAPS_DIR") or DEFAULT_MAPS_DIR)


@lru_cache(maxsize=64)
def _read(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise MapAssetsMissing(
            f"地图边界文件不存在：{path}。请运行 make setup（或 bash scripts/install_assets.sh）安装地图数据。"
        ) from None


def load_china_map() -> dict[str, Any]:
    """GeoJSON of the provinces (short names) with the 南海诸岛 inset."""
    return _read(str(maps_dir() / "china.json"))


def load_source() -> dict[str, Any]:
    """Provenance of the installed boundaries (package, version, licence)."""
    return _read(str(maps_dir() / "SOURCE.json"))


def province_adcodes() -> dict[str, str]:
    """Full province name -> its 6-digit division code, from the installed China map."""
    return {
        f["properties"]["full_name"]: f["properties"]["adcode"]
        for f in load_china_map()["features"]
        if not f["properties"].get("inset")
    }


def load_province_map(province: str) -> dict[str, Any]:
    """GeoJSON of one province's cities (features named by full city name)."""
    full = canonical_province(province) or province
    code = province_adcodes().get(full)
    if code is None:
        raise KeyError(f"地图中没有省份 {province!r}")
    return _read(str(maps_dir() / "province" / f"{code}.json"))


def province_map_name(province: str) -> str:
    """The name the province's city map is registered under in ECharts."""
    return f"province_{province_adcodes()[canonical_province(province) or province]}"


def province_to_map_name(province: str) -> str:
    """广东省 / 广东 -> 广东 (the China map's feature name)."""
    full = canonical_province(province)
    return province_short(full) if full else province


def map_name_to_province(name: str) -> str | None:
    """广东 (a clicked feature) -> 广东省; None for the inset or an unknown name."""
    if name in INSET_NAMES:
        return None
    return canonical_province(name)


def feature_names(geojson: dict[str, Any]) -> set[str]:
    return {f["properties"]["name"] for f in geojson["features"] if not f["properties"].get("inset")}


def unknown_region_note(names: Iterable[str | None], values: Iterable[object]) -> str | None:
    """The note under a map for cases loaded without a 省份 (未知地区): counted, but nowhere to colour."""
    for name, value in zip(names, values, strict=False):
        if name == UNKNOWN_REGION:
            return f"「{UNKNOWN_REGION}」：{value}（省份为空的案件，已计入全国总量；地图上无法着色，见右侧排名）"
    return None


def unmatched_regions(province: str | None, names: Iterable[str | None]) -> list[str]:
    """Regions with no feature on the map shown: provinces on the China map (province None),
    else cities on that province's map. Blank names and 未知地区 (cases without a region) are skipped."""
    names = [name for name in names if name != UNKNOWN_REGION]
    if province is None:
        features = feature_names(load_china_map())
        wanted = {name: province_to_map_name(name) for name in names if name}
    else:
        features = feature_names(load_province_map(province))
        wanted = {name: name for name in names if name}
    return sorted(name for name, feature in wanted.items() if feature not in features)
