"""The result of one suite run, and the one shape every check result takes (GX or SQL)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from data_checks.check import Check
from data_checks.labels import label_column


@dataclass
class CheckOutcome:
    """A suite's results; `critical_failures` holds one operator-readable line per failed critical check."""

    suite: str
    results: list[dict] = field(default_factory=list)
    critical_failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.critical_failures

    @property
    def failed_checks(self) -> list[str]:
        """Ids of every failed check, critical or warning."""
        return [r["expectation"] for r in self.results if not r["success"]]

    @property
    def warnings(self) -> list[str]:
        """Details of failed warning checks (they never reject a load)."""
        return [r["details"] for r in self.results if not r["success"] and not r["critical"]]


def build_result(
    check: Check,
    *,
    success: bool,
    unexpected_count: int | None = None,
    element_count: int | None = None,
    examples: Sequence[str] = (),
    note: str = "",
) -> dict[str, Any]:
    """One check result: the catalog's facts plus what this run found, with a Chinese sentence."""
    return {
        "suite": check.suite,
        "expectation": check.id,
        "description": check.description,
        "table": check.table or check.suite,
        "column": check.column,
        "column_label": label_column(check.column),
        "critical": check.critical,
        "severity": check.severity_label,
        "success": bool(success),
        "unexpected_count": unexpected_count,
        "element_count": element_count,
        "examples": list(examples),
        "details": describe_result(check, success, unexpected_count, element_count, examples, note),
    }


def describe_result(
    check: Check,
    success: bool,
    unexpected_count: int | None,
    element_count: int | None,
    examples: Sequence[str],
    note: str,
) -> str:
    if success:
        checked = f"（检查 {element_count:,} 行）" if element_count is not None else ""
        text = f"{check.description}：通过{checked}"
        return f"{text}。{note}" if note else text
    if unexpected_count is None:
        # Table-level checks: the note says what is wrong (missing column, table, latest date ...).
        return f"{check.description}：{note or '未通过'}"
    total = f"（共 {element_count:,} 行）" if element_count is not None else ""
    text = f"{check.description}：{unexpected_count:,} 行不符{total}"
    if examples:
        text += "，例如 " + "；".join(examples)
    return f"{text}。{note}" if note else text


def build_outcome(suite: str, results: list[dict]) -> CheckOutcome:
    failures = [f"{r['details']}（检查项 {r['expectation']}）" for r in results if r["critical"] and not r["success"]]
    return CheckOutcome(suite=suite, results=results, critical_failures=failures)
