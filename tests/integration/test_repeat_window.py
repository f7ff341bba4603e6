"""The window functions of warehouse/sql/staging/21_stg_complaint.sql (repeats, first-time resolution) agree with a plain self-join on
skewed synthetic cases. benchmarks/repeat_window.py times both formulations (`make bench`); this test only
checks that they agree."""

from __future__ import annotations

from benchmarks.repeat_window import compare_formulations


def test_window_and_self_join_formulations_agree_on_skewed_cases() -> None:
    timings = compare_formulations(20_000)  # asserts that both formulations agree, and that some cases repeat
    assert set(timings) >= {"repeat: window", "repeat: self-join", "first-time: window", "first-time: self-join"}
