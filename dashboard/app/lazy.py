"""Blocks drawn when scrolled to: charts below the fold cost the first screen nothing.

The cockpit's mixes and rising-issues table sit below a 1440×900 laptop screen. Drawing them at once makes the
browser load and run plotly's bundle (4.7 MB) and the data grid's (1.3 MB) before the first screen is done,
on a machine without a GPU. `render_when_scrolled_to` puts an empty placeholder of the block's height there
instead, with a marker (a components-v2 element, in the app's own page: no iframe, nothing fetched) that tells
the server when it comes into view; the block then draws in a fragment rerun (the page's figures come from
its cache, so that is a redraw, not a computation). Once seen, the block draws at once for the rest of the
session (a filter change redraws it with the page). A screen tall enough to show the block at first sight
draws it at once. benchmarks/browser_timing.py times the first screen and, separately, the scroll to it.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

_MARKER_JS = """
export default function (component) {
  const { parentElement, setStateValue } = component;
  const marker = document.createElement('div');
  marker.className = 'cockpit-lazy-marker';
  marker.style.height = '1px';
  parentElement.appendChild(marker);
  const observer = new IntersectionObserver(entries => {
    if (entries.some(entry => entry.isIntersecting)) {
      observer.disconnect();
      setStateValue('seen', true);
    }
  });
  observer.observe(marker);
  return () => observer.disconnect();
}
"""
_marker = st.components.v2.component("cockpit_lazy_marker", js=_MARKER_JS, isolate_styles=False)


def _noop() -> None:
    """The marker's state change only has to rerun the fragment."""


def seen_key(key: str) -> str:
    return f"lazy.{key}.seen"


def render_when_scrolled_to(key: str, draw: Callable[[], None], *, height: int) -> None:
    """Call `draw()` here once this place has been in view in this session; until then, `height` px of space."""

    @st.fragment
    def block() -> None:
        if not st.session_state.get(seen_key(key)):
            slot = st.empty()
            with slot.container(height=height, border=False):
                result = _marker(key=f"lazy-{key}", default={"seen": False}, on_seen_change=_noop)
            if not result.seen:
                return
            st.session_state[seen_key(key)] = True
            slot.empty()  # the placeholder gone, the block in its place
        draw()

    block()
