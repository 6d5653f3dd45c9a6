"""Data quality: the consistency checks, each naming the facts involved and where they are written."""

import functools
import hashlib
from urllib.parse import quote_plus

import pandas as pd
import streamlit as st

from dashboard.analysis.checks import findings_frame, run_checks
from dashboard.app.ui.components import download_table, facts_table, md, table_csv
from dashboard.app.ui.state import current_view, remember
from dashboard.exports.files import reader_path


def for_readers(frame: pd.DataFrame, files: list[str]) -> pd.DataFrame:
    """The findings with every fact file named relative to the top one's folder (`facts/x.yaml:12`),
    in their locations and their messages: the server's own paths are nobody's business."""
    shown = {f: reader_path(f, files[0]) for f in sorted(files, key=len, reverse=True)} if files else {}

    def located(location: str) -> str:
        file, colon, line = str(location).rpartition(":")
        return f"{reader_path(file, files[0] if files else None)}:{line}" if colon and line.isdigit() else location

    def told(message: str) -> str:
        for file, name in shown.items():
            message = message.replace(file, name)
        return message

    return frame.assign(
        location=frame["location"].map(located),
        locations=frame["locations"].map(lambda places: [located(p) for p in places]),
        message=frame["message"].map(told),
    )


def finding_key(check: str, message: str, location: str) -> str:
    """A finding's name in a link (`quality?finding=...`): its fact ids would not fit in an address (one
    finding names 22,000 facts), and its row number changes whenever another finding comes or goes."""
    return hashlib.sha256(f"{check}\n{message}\n{location}".encode()).hexdigest()[:16]


SHOWN_FACTS = 500  # of a finding's facts drawn in the table (the Sources page's page size); all are downloaded
FACT_COLUMNS = ["fact_id", "claimant_name", "figure", "metric_label", "as_of_text", "quote", "source_title", "url"]

view = current_view()
st.title("Data quality")
if view.problems:
    st.error(f"{len(view.problems)} problem(s) stop the fact base from loading; see them above.")
# The checks look at the whole fact base, not the filters: run them once per content.
findings = remember(("checks", view.base.content_hash), lambda: run_checks(view.base))
frame = remember(
    ("findings-for-readers", view.base.content_hash), lambda: for_readers(findings_frame(findings), view.base.files)
)
errors = int((frame["severity"] == "error").sum()) if len(frame) else 0
st.caption(
    f"{len(findings)} finding(s): {errors} error(s), {len(findings) - errors} warning(s). "
    "Each finding names the facts involved; search for a fact id on the Sources page."
)
keys = [finding_key(*row) for row in frame[["check", "message", "location"]].itertuples(index=False, name=None)]
asked = st.query_params.get("finding")
if asked:
    # The facts a finding's link names, every one of them (the Sources page's search finds one).
    named = [i for i, key in enumerate(keys) if key == asked]
    if not named:
        st.info("That finding is no longer made: the fact base has changed since the link was copied.")
    else:
        finding = frame.iloc[named[0]]
        ids = set(finding["fact_ids"])
        facts = view.base.facts[view.base.facts["fact_id"].isin(ids)]
        st.subheader("The facts of a finding")
        st.markdown(f"**{md(finding['check'])}:** {md(finding['message'])}")
        more = f"; the first {SHOWN_FACTS:,} are shown, the download holds them all" if len(facts) > SHOWN_FACTS else ""
        st.caption(f"{len(facts):,} fact(s){more}.")
        facts_table(facts.head(SHOWN_FACTS), key="finding-facts", columns=FACT_COLUMNS, download=facts)
if len(frame):
    kinds = sorted(frame["check"].unique().tolist())
    chosen = st.multiselect("Checks", kinds, key="checks", bind="query-params", placeholder="All checks")
    shown = (frame[frame["check"].isin(chosen)] if chosen else frame).copy()
    # Each finding links to this page showing every fact it names, with their quotes and links.
    shown["facts"] = [
        "quality?finding=" + quote_plus(key) if len(ids) else None
        for key, ids in zip(pd.Series(keys, index=frame.index)[shown.index], shown["fact_ids"], strict=True)
    ]
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
    columns = ["severity", "check", "message", "location", "fact_ids"]
    labels = {"message": "Finding", "location": "Written at", "fact_ids": "Fact ids"}
    download_table(
        functools.partial(table_csv, shown[columns], labels),
        key="findings",
        file_name="findings.csv",
        what="the findings",
    )
