"""The 查询分析 page's two tabs: the analysts' query library (search, a form from each file's params, chart,
table, downloads, SQL) and the SQL box. Everything runs in the SQL sandbox (dashboard/engine/sandbox.py)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard.app import auth_session as session
from dashboard.app.export_buttons import render_plotly_with_downloads, render_table_downloads
from dashboard.charts.query_chart import build_query_chart
from dashboard.engine import queries as registry
from dashboard.engine.i18n import result_labels
from dashboard.engine.sandbox import Sandbox, SandboxError, SandboxResult, row_cap_default, time_limit_default

EXAMPLE_SQL = "SELECT channel, count(*) AS n_complaints\nFROM v_complaint\nGROUP BY channel\nORDER BY n_complaints DESC"


def render_param_input(param: registry.QueryParam, default: Any, sandbox: Sandbox, key: str) -> Any:
    """One form widget for a declared parameter; list options come from the warehouse's dimensions."""
    label = param.label
    if param.options:
        options = registry.list_options(sandbox, param.options)
        if param.multiple:
            kept = [v for v in (default or []) if v in options]
            placeholder = "全部" if param.optional else "请选择"
            return st.multiselect(label, options, default=kept, key=key, placeholder=placeholder)
        choices: list[Any] = ([None] if param.optional else []) + options
        index = choices.index(default) if default in choices else 0
        return st.selectbox(label, choices, index=index, key=key, format_func=lambda v: "全部" if v is None else v)
    if param.type == "date":
        return st.date_input(label, value=default, key=key)
    if param.type == "int":
        return st.number_input(label, value=default, step=1, key=key)
    if param.type == "number":
        return st.number_input(label, value=default, key=key)
    if param.type == "bool":
        return st.checkbox(label, value=bool(default), key=key)
    return st.text_input(label, value=default or "", key=key)


def render_result(result: SandboxResult, name: str, key: str, *, labelled: bool) -> None:
    """Row count and time, the table and its downloads (export_buttons: logged like every table download).

    A query file's columns get Chinese headers (`labelled`); the SQL box keeps the names its author wrote."""
    note = f"，已截断为前 {result.frame.height:,} 行（上限 {row_cap_default():,}）" if result.truncated else ""
    st.caption(f"{result.frame.height:,} 行，用时 {result.elapsed_seconds:.2f} 秒{note}")
    frame = result.frame.rename(result_labels(result.frame.columns)) if labelled else result.frame
    st.dataframe(frame, hide_index=True, key=f"{key}-table")
    render_table_downloads(frame, name=name, key=key, label="下载 CSV")


def render_query_library(sandbox: Sandbox) -> None:
    found_queries, problems = registry.load_queries()
    if problems:
        with st.expander(f"有 {len(problems)} 个查询文件未通过检查，未列出", icon=":material/warning:"):
            for problem in problems:
                st.write(problem)
    search_col, tag_col = st.columns([2, 3])
    text = search_col.text_input("搜索", placeholder="名称、标题、说明或标签", key="qx-search")
    tags = tag_col.multiselect("标签", registry.list_tags(found_queries), key="qx-tags", placeholder="全部标签")
    matches = registry.search_queries(found_queries, text, tags)
    if not matches:
        st.info("没有符合条件的查询。新增查询的方法见 queries/README.md。")
        return
    by_name = {q.name: q for q in matches}
    name = st.selectbox(
        "查询", list(by_name), key="qx-query", format_func=lambda n: f"{by_name[n].title}（{by_name[n].group}/{n}）"
    )
    query = by_name[name]
    st.markdown(f"**{query.title}** · {query.description}")
    if query.tags:
        st.caption("标签：" + "、".join(query.tags) + " · 粒度：" + "、".join(query.grain))
    defaults = registry.default_values(query, sandbox)
    values: dict[str, Any] = {}
    with st.form(key=f"qx-form-{query.name}"):
        columns = st.columns(min(max(len(query.params), 1), 4))
        for index, param in enumerate(query.params):
            with columns[index % len(columns)]:
                widget_key = f"qx-{query.name}-{param.name}"
                values[param.name] = render_param_input(param, defaults[param.name], sandbox, key=widget_key)
        st.form_submit_button("运行查询", type="primary")
    ran = (query.name, repr(values))
    if st.session_state.get("qx-audited") != ran:  # each run of new parameters, not every rerun
        st.session_state["qx-audited"] = ran
        session.record("query", "query_explorer", {"query": query.name, "params": values})
    try:
        result = registry.run_query(query, values, sandbox)
    except (SandboxError, registry.QueryFileError) as error:
        st.error(str(error))
        return
    figure = build_query_chart(result.frame, query.chart, query.title)
    if figure is not None:
        render_plotly_with_downloads(figure, key=f"qx-chart-{query.name}")
    render_result(result, query.title, key=f"qx-result-{query.name}", labelled=True)
    with st.expander("查询的 SQL（可复制到下方的 SQL 查询框改写）"):
        st.code(query.text, language="sql")
        st.caption(f"文件：queries/{query.group}/{query.name}.sql")


def render_sql_box(sandbox: Sandbox) -> None:
    st.caption(
        f"运行一条只读 SELECT：只能查询下列脱敏视图（客户标识只保留前 16 位哈希），不能读写文件或联网；"
        f"最多返回 {row_cap_default():,} 行，超过 {time_limit_default():g} 秒自动停止。"
    )
    with st.expander("可用视图与字段"):
        st.dataframe(sandbox.describe(), hide_index=True, key="qx-schema")
    with st.form(key="qx-sql-form"):
        statement = st.text_area("SQL", value=EXAMPLE_SQL, height=180, key="qx-sql")
        submitted = st.form_submit_button("运行", type="primary")
    if not submitted:
        return
    session.record("sql", "query_explorer", {"sql": statement, "provinces": list(sandbox.provinces)})
    try:
        result = sandbox.run(statement)
    except SandboxError as error:
        st.error(error.message)
        return
    render_result(result, "SQL查询结果", key="qx-sql-result", labelled=False)
