"""Sources: every fact with its quote and link, counts per source and claimant, full citations."""

import functools

import streamlit as st

from dashboard.app.ui.check import check_a_figure
from dashboard.app.ui.components import (
    TABLE_COLUMNS,
    download_table,
    export_everything,
    md,
    paged_facts_table,
    table_csv,
)
from dashboard.app.ui.state import current_view

view = current_view()
export_everything(view)
facts = view.facts
st.title("Sources and their words")
check_a_figure(view)
query = st.text_input("Search facts (claimant, quote, source, metric, fact id)", key="q", bind="query-params")
shown = facts
if query:
    needle = query.strip().lower()
    haystack = (
        facts["fact_id"].fillna("")
        + " "
        + facts["claimant_name"].fillna("")
        + " "
        + facts["quote"].fillna("")
        + " "
        + facts["source_title"].fillna("")
        + " "
        + facts["publisher"].fillna("")
        + " "
        + facts["metric_label"].fillna("")
    ).str.lower()
    shown = facts[haystack.str.contains(needle, regex=False)]
st.caption(
    f"{len(shown):,} of {len(facts):,} facts. **Sort by** orders all of them, then pages them; "
    "a click on a column header sorts the page shown."
)
paged_facts_table(
    shown,
    key="all-facts",
    columns=[
        "fact_id",
        "claimant_name",
        "figure",
        "metric_label",
        "as_of_text",
        "stated",
        "quote",
        "source_title",
        "publisher",
        "url",
        "where",
    ],
    download=True,  # every fact found, in the order chosen, not only this page's
)

left, right = st.columns(2)
left.subheader("Facts per source")
per_source = (
    shown.groupby(["publisher", "source_title"], dropna=False)
    .size()
    .rename("facts")
    .sort_values(ascending=False)
    .reset_index()
)
left.dataframe(per_source, hide_index=True, key="per-source", column_config=TABLE_COLUMNS, placeholder="")
with left:
    download_table(
        functools.partial(table_csv, per_source, TABLE_COLUMNS), key="per-source", file_name="facts-per-source.csv"
    )
right.subheader("Facts per claimant")
per_claimant = (
    shown.groupby(["claimant_name", "claimant_kind", "party_to_conflict"], dropna=False)
    .size()
    .rename("facts")
    .sort_values(ascending=False)
    .reset_index()
)
right.dataframe(per_claimant, hide_index=True, key="per-claimant", column_config=TABLE_COLUMNS, placeholder="")
with right:
    download_table(
        functools.partial(table_csv, per_claimant, TABLE_COLUMNS),
        key="per-claimant",
        file_name="facts-per-claimant.csv",
    )

st.subheader("Citations")
cited = view.base.sources.loc[view.base.sources.index.intersection(shown["source"].dropna().unique())]
lines = []
for source_id, source in cited.sort_values("title").iterrows():
    parts = [
        md(source.get("publisher")) if isinstance(source.get("publisher"), str) else "",
        f"*{md(source.get('title'))}*",
        md(source.get("published")) if isinstance(source.get("published"), str) else "",
        f"licence: {md(source.get('license'))}" if isinstance(source.get("license"), str) else "",
    ]
    url = source.get("url")
    link = (
        f" [{md(url)}]({url})"
        if isinstance(url, str)
        and url.lower().startswith(("http://", "https://"))
        and not any(c in url for c in "() <>")
        else ""
    )
    lines.append("- " + ". ".join(p for p in parts if p) + "." + link + f" (`{source_id}`)")
st.markdown("\n".join(lines) if lines else "No sources under the current filters.")
