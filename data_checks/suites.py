"""Catalog entries -> great_expectations ExpectationSuite (imported lazily: GX costs ~4 s to import)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from data_checks.check import SQL, Check

if TYPE_CHECKING:
    from great_expectations import ExpectationSuite
    from great_expectations.expectations import Expectation


def build_expectation(check: Check) -> Expectation:
    """The GX expectation of a catalog entry; its meta carries the check id back into the results."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    kwargs = check.resolve_kwargs()
    if check.row_condition:
        column, value = check.row_condition
        kwargs["row_condition"] = Column(name=column) == value
    expectation_class = getattr(gxe, check.expectation)
    return expectation_class(
        **kwargs,
        description=check.description,
        severity=check.severity,
        meta={"check_id": check.id},
    )


def select_runnable(checks: Sequence[Check], columns: Collection[str]) -> tuple[list[Check], list[Check]]:
    """(checks GX can run on a frame with these columns, checks whose columns are missing); SQL checks excluded."""
    available = set(columns)
    runnable: list[Check] = []
    missing: list[Check] = []
    for check in checks:
        if check.expectation == SQL:
            continue
        (runnable if set(check.columns_used()) <= available else missing).append(check)
    return runnable, missing


def build_suite(name: str, checks: Sequence[Check]) -> ExpectationSuite:
    import great_expectations as gx

    return gx.ExpectationSuite(name=name, expectations=[build_expectation(check) for check in checks])
