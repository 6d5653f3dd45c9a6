"""Compare: each group of conflicting figures on one axis, with the members' quotes and links."""

import streamlit as st

from charts.registry import compare_chart
from dashboard.analysis.conflicts import conflict_title
from dashboard.app.ui.components import conflict_label, export_everything, facts_table, md, show_figure
from dashboard.app.ui.state import current_view, per_view, view_conflicts

view = current_view()
export_everything(view)
st.title("Compare conflicting figures")
st.caption(
    "Figures are compared only when they count the same thing (same metric and stage) within 31 days, "
    'from at least two claimants. "About" allows ±10%; "at least" is open-ended.'
)

show_agreeing = st.toggle(
    "Also show groups whose figures agree within their stated precision", key="agreeing", bind="query-params"
)
found = view_conflicts(view)
# The groups shown and their names in the picker, by group id: named once per view, not per rerun.
shown = per_view(
    view,
    "conflicts_shown",
    lambda: {c.group_id: (c, conflict_label(c)) for c in found if show_agreeing or c.conflicting},
    show_agreeing,
)
if not shown:
    st.info("No comparable figures disagree under the current filters.")
    st.stop()

chosen = st.selectbox(
    "Group", list(shown), format_func=lambda group: shown[group][1], key="group", bind="query-params", index=0
)
conflict = shown[chosen][0]

st.subheader(md(conflict_title(conflict)))  # measure, stage and days: no two groups share it
st.markdown(md(conflict.summary))  # names and units in it are data
chart = per_view(
    view,
    "compare_chart",
    lambda: compare_chart(view.base, view.filters, conflict, colors=view.colors),
    conflict.group_id,
)
show_figure(chart, key=f"compare-{conflict.group_id}")
definition = conflict.members["definition"].dropna()
if len(definition):
    st.caption(f"What is counted: {md(definition.iloc[0])}")
st.markdown("**The figures, in their sources' words**")
facts_table(
    conflict.members,
    key="compare-members",
    columns=["claimant_name", "figure", "as_of_text", "quote", "source_title", "publisher", "url", "fact_id"],
)
