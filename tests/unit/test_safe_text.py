"""Markdown escaping of imported text, checked with a CommonMark renderer (text in, the same text out)."""

from __future__ import annotations

import pytest

from dashboard.engine.safe_text import escape_markdown

VALUES = [
    "![x](http://198.51.100.1/p.png)",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "**粗体** _斜体_ [链接](http://example.com) `code` # 标题",
    "普通的分行名称（深圳）",
    "a\\*b",
]


@pytest.mark.parametrize("value", VALUES)
def test_escaped_text_renders_back_to_itself(value: str) -> None:
    mistune = pytest.importorskip("mistune")  # installed with great_expectations' dependencies
    html = mistune.html(escape_markdown(value))
    body = html.removeprefix("<p>").removesuffix("</p>\n")
    import html as html_module

    assert html_module.unescape(body) == value
    assert "<img" not in html and "<a " not in html and "<script" not in html


def test_none_is_empty() -> None:
    assert escape_markdown(None) == ""
