"""查询分析: the analysts' query files (search, a form from their params, table, chart, downloads, SQL) and the SQL box.

Everything runs in the SQL sandbox (dashboard/engine/sandbox.py): read-only, masked customer data, a row cap
and a time limit. New files in queries/ appear on the next rerun.
"""

from __future__ import annotations

import streamlit as st

from dashboard.app.page_frame import page
from dashboard.app.query_explorer import render_query_library, render_sql_box
from dashboard.auth.access import bound_provinces
from dashboard.engine.sandbox import open_sandbox

with page(__file__, "查询分析", needs="warehouse", router=False) as ctx:
    sandbox = open_sandbox(ctx.version, provinces=bound_provinces())
    with sandbox as box:
        library_tab, sql_tab = st.tabs(["查询库", "SQL 查询框"])
        with library_tab:
            render_query_library(box)
        with sql_tab:
            render_sql_box(box)
