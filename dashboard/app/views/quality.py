"""Data quality: the consistency checks, each naming the facts involved and where they are written."""

from urllib.parse import quote_plus

import streamlit as st

from dashboard.analysis.checks import findings_frame, run_checks
from dashboard.app.ui.state import current_view, remember

view = current_view()
st.title("Data quality")
if view.problems:
    st.error(f"{len(view.problems)} problem(s) stop the fact base from loading; see them above.")
# The checks look at the whole fact base, not the filters: run them once per content.
findings = remember(("checks", view.base.content_hash), lambda: run_checks(view.base))
frame = findings_frame(findings)
errors = int((frame["severity"] == "error").sum()) if len(frame) else 0
st.caption(
    f"{len(findings)} finding(s): {errors} error(s), {len(findings) - errors} warning(s). "
    "Each finding names the facts involved; search for a fact id on the Sources page."
)
if len(frame):
    kinds = sorted(frame["check"].unique().tolist())
    chosen = st.multiselect("Checks", kinds, key="checks", bind="query-params", placeholder="All checks")
    shown = (frame[frame["check"].isin(chosen)] if chosen else frame).copy()
    # Each finding links to the Sources page searched for its first fact, where quote and link are.
    shown["facts"] = ["sources?q=" + quote_plus(ids[0]) if len(ids) else None for ids in shown["fact_ids"]]
    st.dataframe(
        shown[["severity", "check", "message", "location", "facts", "fact_ids"]],
        hide_index=True,
        key="findings",
        column_config={
            "facts": st.column_config.LinkColumn("Facts", display_text="show the facts"),
            "message": st.column_config.TextColumn("Finding", width="large"),
            "location": "Written at",
            "fact_ids": "Fact ids",
        },
    )
