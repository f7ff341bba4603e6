"""Paths that modules compute from their own location still point into the project after the layer move."""

from __future__ import annotations

from dashboard.app.components import CASE_PAGE
from dashboard.charts import geo, geo_assets
from dashboard.export import echarts_export
from warehouse.settings import PROJECT_ROOT


def test_paths_computed_from_module_files_land_in_the_project() -> None:
    assert CASE_PAGE == PROJECT_ROOT / "pages" / "case.py" and CASE_PAGE.is_file()
    assert geo_assets.DEFAULT_OUT == PROJECT_ROOT / "assets" / "maps" == geo.DEFAULT_MAPS_DIR
    assert echarts_export.ECHARTS_JS == PROJECT_ROOT / "assets" / "js" / "echarts.min.js"
