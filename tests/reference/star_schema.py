"""A small star schema written straight from a case frame, without the import pipeline.

Moved out of dashboard/engine/kpi_source.py (only tests used it): the parity tests write the same
hand-built cases (tests/reference/kpi_frames.py) as the tables `DuckDBSource` reads and compare both
sources. The real tables come from warehouse/sql.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import polars as pl

from dashboard.engine.kpis import NOT_SURVEYED_VALUES, SATISFIED_VALUES
from tests.reference.kpi_frames import empty_customer_base, empty_region_groups
from warehouse import store
from warehouse.aggregates import build_aggregates
from warehouse.risk_settings import write_risk_settings


def _sql_list(values: Sequence[str]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def write_star_schema(
    con: duckdb.DuckDBPyConnection,
    cases: pl.DataFrame,
    customer_base: pl.DataFrame | None = None,
    region_groups: pl.DataFrame | None = None,
) -> None:
    """Write a case frame (CASE_SCHEMA, names and region_key) as the tables DuckDBSource reads.

    For tests that need a small warehouse without the import pipeline:
    dim_channel/product/issue/department/region with keys, fct_complaint with the keys (and the
    risk score of warehouse/sql/marts/23_fct_case_risk.sql unless the frame has a risk_level column), v_complaint, v_customer_base and dim_region_group. The real ones come from warehouse/sql.
    """
    base = customer_base if customer_base is not None else empty_customer_base()
    groups = region_groups if region_groups is not None else empty_region_groups()
    con.register("_cases_given", cases.to_arrow())
    # A case without region_key gets one per (province, city), so region filters work on it.
    scored = "risk_level" in cases.columns  # given by the test; else scored by warehouse/sql/marts/23_fct_case_risk.sql
    case_key = "" if scored or "case_key" in cases.columns else ", row_number() OVER () AS case_key"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _cases_frame AS SELECT * REPLACE (coalesce(region_key, "
        f"1000000 + dense_rank() OVER (ORDER BY province, city)) AS region_key){case_key} FROM _cases_given"
    )
    con.register("_base_frame", base.to_arrow())
    con.register("_groups_frame", groups.to_arrow())
    try:
        for name, columns in (
            ("channel", ["channel"]),
            ("issue", ["issue"]),
            ("department", ["department"]),
            ("branch", ["branch"]),
            ("product", ["business_line", "product"]),
        ):
            listed = ", ".join(columns)
            con.execute(
                f"CREATE OR REPLACE TABLE dim_{name} AS SELECT row_number() OVER (ORDER BY {listed})::INTEGER "
                f"AS {name}_key, {listed} FROM (SELECT DISTINCT {listed} FROM _cases_frame "
                f"WHERE {columns[-1]} IS NOT NULL)"
            )
        con.execute(
            "CREATE OR REPLACE TABLE dim_region AS SELECT DISTINCT region_key, province, city, "
            "city IS NULL AS is_province_level FROM (SELECT region_key, province, city FROM _cases_frame "
            "UNION SELECT region_key, province, city FROM _base_frame)"
        )
        # Unscored cases go through the marts' own risk SQL, which turns stg_complaint into fct_complaint.
        target = "fct_complaint" if scored else "stg_complaint"
        con.execute(
            f"CREATE OR REPLACE TABLE {target} AS SELECT "
            "c.* EXCLUDE (channel, business_line, product, issue, department, branch, province, city), "
            "ch.channel_key, p.product_key, i.issue_key, d.department_key, b.branch_key, "
            "CASE WHEN c.is_closed THEN coalesce(c.closed_date, c.received_date) END AS closed_on, "
            f"trim(c.satisfaction) NOT IN ({_sql_list(NOT_SURVEYED_VALUES)}) AS is_surveyed, "
            f"trim(c.satisfaction) IN ({_sql_list(SATISFIED_VALUES)}) AS is_satisfied FROM _cases_frame AS c "
            "LEFT JOIN dim_channel AS ch ON ch.channel = c.channel "
            "LEFT JOIN dim_product AS p ON p.product = c.product "
            "AND p.business_line IS NOT DISTINCT FROM c.business_line "
            "LEFT JOIN dim_issue AS i ON i.issue = c.issue "
            "LEFT JOIN dim_department AS d ON d.department = c.department "
            "LEFT JOIN dim_branch AS b ON b.branch = c.branch"
        )
        if not scored:
            write_risk_settings(con)
            for step in ("staging/22_stg_risk_hit.sql", "marts/23_fct_case_risk.sql", "marts/24_fct_complaint.sql"):
                store.run_sql_file(con, store.SQL_DIR / step)
        build_aggregates(con)
        con.execute(
            "CREATE OR REPLACE VIEW v_complaint AS SELECT f.*, ch.channel, p.business_line, p.product, i.issue, "
            "r.province, r.city, d.department, b.branch FROM fct_complaint AS f "
            "LEFT JOIN dim_channel AS ch USING (channel_key) LEFT JOIN dim_product AS p USING (product_key) "
            "LEFT JOIN dim_issue AS i USING (issue_key) LEFT JOIN dim_department AS d USING (department_key) "
            "LEFT JOIN dim_branch AS b USING (branch_key) "
            "LEFT JOIN (SELECT DISTINCT region_key, province, city FROM dim_region) AS r USING (region_key)"
        )
        con.execute("CREATE OR REPLACE TABLE v_customer_base AS SELECT * FROM _base_frame")
        order = "" if "group_order" in groups.columns else ", dense_rank() OVER (ORDER BY region_group) AS group_order"
        con.execute(f"CREATE OR REPLACE TABLE dim_region_group AS SELECT *{order} FROM _groups_frame")
    finally:
        for name in ("_cases_given", "_base_frame", "_groups_frame"):
            con.unregister(name)
        con.execute("DROP TABLE IF EXISTS _cases_frame")
