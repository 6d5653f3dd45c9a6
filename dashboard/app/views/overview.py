"""Overview: how much is in the fact base, where sources disagree most, and what came in last."""

import streamlit as st

from dashboard.analysis.conflicts import find_conflicts
from dashboard.app.ui.components import conflict_label, export_everything, facts_table, md
from dashboard.app.ui.state import current_view, per_view
from dashboard.factbase.wording import format_ratio, format_value

view = current_view()
export_everything(view)
facts = view.facts
st.title("Who says what, and how far apart")
st.caption(md(view.base.description) if view.base is not None else "")

cols = st.columns(4)
cols[0].metric("Facts", f"{len(facts):,}")
cols[1].metric("Sources", f"{facts['source'].nunique():,}")
cols[2].metric("Claimants", f"{facts['claimant'].nunique():,}")
cols[3].metric("Metrics", f"{facts['metric'].nunique():,}")

st.subheader("Largest disagreements")
# The largest disagreement of each metric: long series (one claimant against another every day)
# would otherwise fill every card with the same comparison.
conflicts, seen = [], set()
for candidate in per_view(view, "conflicts", lambda: find_conflicts(facts)):
    if candidate.conflicting and candidate.metric not in seen:
        seen.add(candidate.metric)
        conflicts.append(candidate)
conflicts = conflicts[:6]
if not conflicts:
    st.info("No conflicting figures under the current filters.")
for row_start in range(0, len(conflicts), 2):
    # A last row may hold one conflict in two columns.
    for column, conflict in zip(st.columns(2), conflicts[row_start : row_start + 2], strict=False):
        high, low = conflict.members.iloc[0], conflict.members.iloc[-1]
        with column.container(border=True):
            st.markdown(f"**{md(conflict.metric_label)}**, {conflict.as_of_from:%B %Y}")
            left, right, ratio = st.columns([3, 3, 2])
            for column, member in ((left, high), (right, low)):
                figure = format_value(
                    member.value, conflict.unit, member.qualifier, member.low, member.high, words=True, units=False
                )
                party = " · party to the conflict" if member.party_to_conflict == True else ""  # noqa: E712 (NA-safe)
                column.markdown(f"### {md(figure)}")
                column.caption(f"{md(member.claimant_name)}{party}")
            ratio.markdown(f"### {format_ratio(conflict.ratio)}" if conflict.ratio < 1e6 else "### —")
            ratio.caption("highest ÷ lowest")
            st.markdown(md(conflict.summary))  # names and units in it are data
            st.page_link(
                "views/compare.py",
                label="Compare the figures and their quotes",
                query_params={"group": conflict_label(conflict)},
                icon=":material/compare_arrows:",
            )

st.subheader("Latest facts")
latest = facts.sort_values(["stated", "as_of"], ascending=False, na_position="last").head(10)
facts_table(latest, key="latest-facts")
