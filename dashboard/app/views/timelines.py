"""Timelines: one metric's figures over time, one series per claimant, with events marked."""

import streamlit as st

from charts.registry import timeline_chart
from dashboard.analysis.series import metrics_with_series
from dashboard.app.ui.components import export_everything, md, paged_facts_table, show_figure
from dashboard.app.ui.state import current_view, per_view

view = current_view()
export_everything(view)
facts = view.facts
st.title("How the figures moved")
metrics = per_view(view, "metrics_with_series", lambda: metrics_with_series(facts))
if not metrics:
    st.info("No figures under the current filters.")
    st.stop()
labels = per_view(
    view,
    "metric_labels",
    lambda: facts.drop_duplicates("metric").set_index("metric")["metric_label"].astype(str).to_dict(),
)
left, right = st.columns([3, 1])
default = metrics.index("tanks-lost-russia") if "tanks-lost-russia" in metrics else 0
metric = left.selectbox(
    "Metric", metrics, index=default, format_func=lambda m: labels.get(m, m), key="metric", bind="query-params"
)
log = right.toggle("Log scale", key="log", bind="query-params")
others = [m for m in metrics if m != metric]
beside = st.multiselect(
    "Show beside it, each in its own panel (never on one axis)",
    others,
    key="beside",
    bind="query-params",
    format_func=lambda m: labels.get(m, m),
    max_selections=3,
)

chosen = [metric, *beside]
chart = per_view(
    view,
    "timeline_chart",
    lambda: timeline_chart(view.base, view.filters, facts, chosen, log=log, colors=view.colors),
    tuple(chosen),
    log,
)
shown = chart.rows
show_figure(chart, key=f"timeline-{'-'.join(chosen)}")
definitions = per_view(
    view,
    "timeline_definitions",
    lambda: [
        f"{md(row.metric_label)}: {md(row.definition)}"
        for row in shown.drop_duplicates("metric")[["metric_label", "definition"]].dropna().itertuples()
    ],
    tuple(chosen),
)
for definition in definitions:
    st.caption(definition)
with st.expander(f"The {len(shown):,} figures behind the chart"):
    paged_facts_table(
        per_view(view, "timeline_table_rows", lambda: shown.sort_values(["claimant_name", "as_of"]), tuple(chosen)),
        key="timeline-facts",
    )
