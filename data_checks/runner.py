"""Runs a suite on a pandas frame in one ephemeral GX context per process.

Speed matters (every load waits for the gate): the whole suite runs once with the
BASIC result format, which is cheap; only failed expectations run a second time
asking for the source row numbers of a few offending rows, and only when there
are not so many that collecting them would itself be slow.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from data_checks.check import Check
from data_checks.labels import label_column
from data_checks.outcome import build_result
from data_checks.suites import build_expectation, build_suite, select_runnable

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core.batch_definition import BatchDefinition

EXAMPLE_COUNT = 5
# Above this many offending rows the second pass (row numbers) costs seconds; the values are enough then.
ROW_DETAIL_LIMIT = 5000
# pandas compares datetime64[ns] columns ~30x faster than [us] inside GX; clip to the ns range first.
_NS_MIN, _NS_MAX = datetime(1678, 1, 1), datetime(2262, 1, 1)

_lock = threading.Lock()
_batch_definition: BatchDefinition | None = None


def get_batch_definition() -> BatchDefinition:
    """The process's one ephemeral, in-memory GX context (no files, no analytics, no progress bars)."""
    global _batch_definition
    if _batch_definition is None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
        )
        context = gx.get_context(project_config=config, mode="ephemeral")
        asset = context.data_sources.add_pandas("cockpit").add_dataframe_asset("frame")
        _batch_definition = asset.add_batch_definition_whole_dataframe("whole_frame")
    return _batch_definition


def convert_frame(frame: pl.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """The listed columns (those present) as pandas, with types GX handles fast and exactly."""
    present = [c for c in dict.fromkeys(columns) if c in frame.columns]
    casts: list[pl.Expr] = []
    for name in present:
        dtype = frame.schema[name]
        if isinstance(dtype, pl.Decimal):
            casts.append(pl.col(name).cast(pl.Float64))
        elif dtype == pl.Date:
            casts.append(pl.col(name).clip(_NS_MIN.date(), _NS_MAX.date()).cast(pl.Datetime("ns")))
        elif isinstance(dtype, pl.Datetime):
            casts.append(pl.col(name).dt.replace_time_zone(None).clip(_NS_MIN, _NS_MAX).cast(pl.Datetime("ns")))
    return frame.select(present).with_columns(casts).to_pandas()


def validate_frame(
    checks: Sequence[Check],
    frame: pd.DataFrame,
    *,
    suite_name: str,
    index_column: str | None = None,
    report_missing: bool = False,
) -> list[dict[str, Any]]:
    """Run the GX checks on `frame`; one result dict per check (see outcome.build_result)."""
    runnable, missing = select_runnable(checks, frame.columns)
    results = [_describe_missing(check, frame.columns) for check in missing] if report_missing else []
    if not runnable:
        return results
    suite = build_suite(suite_name, runnable)
    by_id = {check.id: check for check in runnable}
    use_index = index_column if index_column in frame.columns else None
    with _lock:
        batch = get_batch_definition().get_batch(batch_parameters={"dataframe": frame})
        validation = batch.validate(
            suite, result_format={"result_format": "BASIC", "partial_unexpected_count": EXAMPLE_COUNT}
        )
        for gx_result in validation.results:
            check = by_id[gx_result.expectation_config.meta["check_id"]]
            detail = gx_result.result or {}
            rows: list[dict] = []
            unexpected = detail.get("unexpected_count")
            if not gx_result.success and use_index and unexpected and unexpected <= ROW_DETAIL_LIMIT:
                rows = _fetch_offending_rows(batch, check, use_index)
            results.append(_convert_result(check, gx_result, rows, use_index))
    order = {check.id: n for n, check in enumerate(checks)}
    return sorted(results, key=lambda r: order[r["expectation"]])


def _fetch_offending_rows(batch: Any, check: Check, index_column: str) -> list[dict]:
    again = batch.validate(
        build_expectation(check),
        result_format={
            "result_format": "SUMMARY",
            "partial_unexpected_count": EXAMPLE_COUNT,
            "unexpected_index_column_names": [index_column],
        },
    )
    return list((again.result or {}).get("partial_unexpected_index_list") or [])[:EXAMPLE_COUNT]


def _convert_result(check: Check, gx_result: Any, rows: list[dict], index_column: str | None) -> dict[str, Any]:
    detail = gx_result.result or {}
    exception = gx_result.exception_info or {}
    if exception.get("raised_exception"):
        message = str(exception.get("exception_message") or "").splitlines()[0:1]
        return build_result(check, success=False, note=f"检查无法执行：{''.join(message)}")
    note = ""
    mismatched = (detail.get("details") or {}).get("mismatched") or {}
    if mismatched.get("missing"):
        note = "缺少列：" + "、".join(f"{label_column(c)}（{c}）" for c in mismatched["missing"])
    examples = (
        list(dict.fromkeys(_describe_row(row, index_column) for row in rows))
        if rows
        else _describe_values(detail.get("partial_unexpected_list") or [])
    )
    return build_result(
        check,
        success=bool(gx_result.success),
        unexpected_count=_as_int(detail.get("unexpected_count")),
        element_count=_as_int(detail.get("element_count")),
        examples=[] if gx_result.success else examples,
        note=note,
    )


def _describe_missing(check: Check, columns: Iterable[str]) -> dict[str, Any]:
    absent = [c for c in check.columns_used() if c not in set(columns)]
    return build_result(check, success=False, note="缺少列：" + "、".join(absent))


def _describe_row(row: dict, index_column: str | None) -> str:
    values = "，".join(f"{label_column(k)}={format_value(v)}" for k, v in row.items() if k != index_column)
    if index_column and index_column in row:
        return f"第 {format_value(row[index_column])} 行（{values}）" if values else f"第 {row[index_column]} 行"
    return values


def _describe_values(values: list[Any]) -> list[str]:
    return [format_value(v) for v in dict.fromkeys(_hashable(v) for v in values)][:EXAMPLE_COUNT]


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def format_value(value: Any) -> str:
    """A value as an operator reads it: dates without nanoseconds, no numpy noise, blanks named."""
    if value is None or _is_missing(value):
        return "（空）"
    if isinstance(value, tuple):
        return " / ".join(format_value(v) for v in value)
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == datetime.min.time() else f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_missing(value: Any) -> bool:
    """NaN and NaT are the only values unequal to themselves."""
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return False


def _as_int(value: Any) -> int | None:
    return None if value is None else int(value)
