"""The KPI cards' inline SVG sparklines (dashboard/charts/sparkline.py)."""

from __future__ import annotations

import re

from dashboard.charts.sparkline import CSS_CLASS, HEIGHT, PAD, WIDTH, build_sparkline_svg


def points_of(svg: str) -> list[tuple[float, float]]:
    raw = re.search(r'points="([^"]+)"', svg)
    assert raw is not None
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in raw.group(1).split())]


def test_the_line_runs_left_to_right_with_the_highest_value_on_top() -> None:
    values = [3.0, 9.0, 6.0, 1.0]
    svg = build_sparkline_svg(values, "#B71C1C", "投诉量")
    assert svg.startswith(f'<svg class="{CSS_CLASS}"') and "<title>投诉量</title>" in svg
    points = points_of(svg)
    assert len(points) == len(values)
    xs, ys = [x for x, _ in points], [y for _, y in points]
    assert xs == sorted(xs) and xs[0] == PAD and xs[-1] == WIDTH - PAD
    assert ys[values.index(max(values))] == PAD, "the highest value touches the top"
    assert ys[values.index(min(values))] == HEIGHT - PAD, "the lowest touches the bottom"


def test_a_flat_series_is_drawn_mid_height_and_too_few_values_draw_nothing() -> None:
    assert {y for _, y in points_of(build_sparkline_svg([5.0, 5.0, 5.0], "#000"))} == {HEIGHT / 2}
    assert build_sparkline_svg([1.0], "#000") == ""
    assert build_sparkline_svg([], "#000") == ""


def test_labels_and_colours_are_escaped() -> None:
    svg = build_sparkline_svg([1.0, 2.0], '"><script>', "<b>x</b>")
    assert "<script>" not in svg and "<b>" not in svg
