"""Text from imported files shown inside Markdown (st.markdown, st.caption, alerts) as plain text.

Streamlit never renders raw HTML without unsafe_allow_html (no page uses it), but Markdown itself
would turn a value such as `![x](http://host/p.png)` into an outside image request or a link, and
`**`/`_` would restyle a name. Backslash-escaping every Markdown punctuation character keeps the
value exactly as it was typed; `<` and `>` are escaped too, so nothing reads as a tag either.
"""

from __future__ import annotations

_MARKDOWN_CHARS = set("\\`*_{}[]()<>#+-.!|~:$=^&\"'")


def escape_markdown(value: object) -> str:
    """`value` as literal text inside a Markdown string (None becomes an empty string)."""
    if value is None:
        return ""
    return "".join("\\" + ch if ch in _MARKDOWN_CHARS else ch for ch in str(value))
