"""产品与问题: the Pareto of issues, the product × issue matrix and the channel structure of a period.

Volumes come from the KPI engine (`DuckDBSource.volumes`, `compute_mix`), so the bars
equal the cockpit's mixes; the matrix is one GROUP BY over fct_complaint with the same
filters. Every bar can be drilled to its cases with dashboard/views/case_list.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.kpis import compute_mix
from dashboard.engine.periods import Period
from dashboard.views.sql_files import view_sql

PARETO_CUT = 0.8  # the "vital few": issues that together make 80% of volume
BLANK = "（未填）"


@dataclass(frozen=True)
class Pareto:
    issues: pl.DataFrame  # issue, volume, share, cum_share, is_vital (largest first)
    total: int
    vital_count: int  # issues needed to reach PARETO_CUT of volume

    def summary(self) -> str:
        if self.total == 0:
            return "期间内没有案件。"
        kinds = self.issues.height
        covered = float(self.issues.filter(pl.col("is_vital"))["share"].sum())
        return (
            f"前 {self.vital_count} 类问题（占 {kinds} 类的 {self.vital_count / kinds:.0%}）"
            f"贡献了 {covered:.1%} 的投诉量。"
        )


def build_issue_pareto(source: DuckDBSource, period: Period) -> Pareto:
    """Issues by volume, with cumulative share; vital = the first issues needed to reach 80%."""
    frame = source.volumes(period, ["issue"])["issue"]
    frame = frame.select(pl.col("key").fill_null(BLANK).alias("issue"), pl.col("volume").cast(pl.Int64))
    frame = frame.sort(["volume", "issue"], descending=[True, False])
    total = int(frame["volume"].sum())
    if total == 0:
        empty = frame.with_columns(
            share=pl.lit(None, dtype=pl.Float64), cum_share=pl.lit(None, dtype=pl.Float64), is_vital=pl.lit(False)
        )
        return Pareto(empty, 0, 0)
    frame = frame.with_columns(share=pl.col("volume") / total).with_columns(cum_share=pl.col("share").cum_sum())
    # An issue is vital while the issues before it have not yet reached the cut.
    frame = frame.with_columns(is_vital=(pl.col("cum_share") - pl.col("share")) < PARETO_CUT - 1e-12)
    return Pareto(frame, total, int(frame["is_vital"].sum()))


def build_product_issue_matrix(
    con: duckdb.DuckDBPyConnection, source: DuckDBSource, period: Period, top_products: int = 12, top_issues: int = 10
) -> pl.DataFrame:
    """Cases per (product, issue) for the largest products and issues: product, issue, volume (long).

    Products and issues outside the top are left out (the table under the chart says which are shown).
    """
    where, params = source.filters.to_sql_where("f")
    sql = view_sql("product_issue_volume", where=where)
    long = con.sql(sql, params={**params, "p_start": period.start, "p_end": period.end}).pl()
    if long.is_empty():
        return pl.DataFrame(schema={"product": pl.String, "issue": pl.String, "volume": pl.Int64})
    products = _top(long, "product", top_products)
    issues = _top(long, "issue", top_issues)
    return long.filter(pl.col("product").is_in(products) & pl.col("issue").is_in(issues)).cast({"volume": pl.Int64})


def _top(long: pl.DataFrame, column: str, count: int) -> list[str]:
    totals = long.group_by(column).agg(pl.col("volume").sum()).sort(["volume", column], descending=[True, False])
    return totals.head(count)[column].to_list()


def build_channel_structure(source: DuckDBSource, period: Period) -> pl.DataFrame:
    """Share of volume by channel (the engine's channel mix): key, volume, share, largest first."""
    return compute_mix(source, period, ("channel",))["channel"]


def pivot_matrix(long: pl.DataFrame) -> pl.DataFrame:
    """The matrix as a table: one row per product (largest first), one column per issue (largest first)."""
    if long.is_empty():
        return pl.DataFrame({"产品": []}, schema={"产品": pl.String})
    issues = _top(long, "issue", long["issue"].n_unique())
    products = _top(long, "product", long["product"].n_unique())
    wide = long.pivot("issue", index="product", values="volume").fill_null(0)
    wide = wide.join(pl.DataFrame({"product": products, "_o": range(len(products))}), on="product").sort("_o")
    return wide.select(pl.col("product").alias("产品"), *[pl.col(i) for i in issues])
