"""Every data check of every suite, in one list (ids, Chinese descriptions, severities) for pages and docs."""

from __future__ import annotations

from typing import Any

from data_checks.check import SQL, Check
from data_checks.mart_checks import MART_CHECKS
from data_checks.raw_checks import BATCH_CHECKS
from data_checks.schema_checks import SCHEMA_CHECKS


def list_checks() -> list[Check]:
    """Every check, import suites first."""
    return [check for checks in BATCH_CHECKS.values() for check in checks] + MART_CHECKS + SCHEMA_CHECKS


def find_check(check_id: str) -> Check | None:
    return _index().get(check_id)


def _index() -> dict[str, Check]:
    return {check.id: check for check in list_checks()}


def describe_checks() -> list[dict[str, Any]]:
    """The catalog as rows (id, suite, table, column, severity, description, engine)."""
    return [
        {
            "id": c.id,
            "suite": c.suite,
            "table": c.table or c.suite,
            "column": c.column,
            "severity": c.severity_label,
            "critical": c.critical,
            "description": c.description,
            "engine": "SQL" if c.expectation == SQL else c.expectation,
        }
        for c in list_checks()
    ]
