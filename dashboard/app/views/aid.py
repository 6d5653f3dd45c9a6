"""Aid: packages as bars by kind, their running sum against the totals stated, authority left as a level;
the totals by every other measure one click away, in the question they answer. One currency a chart."""

import functools

import streamlit as st

from charts.registry import aid_chart, aid_currencies
from dashboard.analysis.questions import questions_of
from dashboard.analysis.reconcile import CANNOT_REACH, WITHIN, reconciliations
from dashboard.app.ui.components import (
    download_table,
    export_everything,
    md,
    paged_facts_table,
    show_figure,
    table_csv,
)
from dashboard.app.ui.state import current_view, per_view
from dashboard.factbase.wording import format_amount, format_value, format_written_date

view = current_view()
export_everything(view)
aid = per_view(view, "aid_facts", lambda: view.facts[view.facts["category"] == "aid"])
st.title("Aid: packages, totals and what is left")
if aid.empty:
    st.info("No aid figures under the current filters.")
    st.stop()
currencies = aid_currencies(aid)
if not currencies:  # aid counted in vehicles or shells has no money chart
    st.info("No aid figures in a currency under the current filters.")
    st.stop()
currency = (
    st.segmented_control("Currency", currencies, default=currencies[0], key="currency", bind="query-params")
    if len(currencies) > 1
    else currencies[0]
)
currency = currency or currencies[0]
chart = per_view(
    view, "aid_chart", lambda: aid_chart(view.base, view.filters, view.facts, currency, colors=view.colors), currency
)
show_figure(chart, key=f"aid-{currency}")
reconciled = per_view(view, "aid_reconciled", lambda: reconciliations(view.base, chart.rows), currency)
st.caption(
    "Packages (one announcement each) are bars coloured by kind and hatched by stage"
    + (
        "; the grey dashed step is their running sum, computed here from the packages (nobody's claim), "
        "beside the totals stated for the same measure"
        if reconciled
        else ""
    )
    + "; drawdown authority left is a level. Different stages are never added together."
)

for r in reconciled:
    st.subheader("The packages against the totals stated")
    latest = r.headline
    gap, total = st.columns(2)
    figure = format_value(latest["value"], r.unit, latest["qualifier"], latest["low"], latest["high"])
    # Labels are markdown: every text from the data goes through md().
    total.metric(
        md(f"{r.label}: the latest total {latest['claimant_name']} stated"),
        figure,
        help=md(f"{latest['claimant_name']}, {latest['as_of_text']}"),
    )
    gap.metric(
        md(f"Sum of the packages by {format_written_date(latest['as_of_text'])} (computed)"),
        format_amount(latest["sum_at"], r.unit),
        delta=f"{format_amount(abs(latest['gap']), r.unit)} {'ahead of' if latest['gap'] >= 0 else 'behind'} the total",
        delta_color="off",
    )
    st.markdown(md(r.sentence(latest)))
    if r.note:
        st.info(md(r.note), icon=":material/info:")
    odd = r.totals[r.totals["verdict"] != WITHIN]
    for row in odd.to_dict("records"):
        why = "the packages cannot reach it" if row["verdict"] == CANNOT_REACH else "beyond the gap the note explains"
        st.warning(f"{md(r.sentence(row))} That is {why}.")
    with st.expander(f"Every total stated for this measure ({len(r.totals)}), against the packages"):
        table = r.totals.assign(
            figure=[
                format_value(t["value"], r.unit, t["qualifier"], t["low"], t["high"])
                for t in r.totals.to_dict("records")
            ],
            packages=[format_amount(v, r.unit) for v in r.totals["sum_at"]],
            gap=[format_amount(v, r.unit) for v in r.totals["gap"]],
        )
        labels = {
            "as_of_text": "As of",
            "claimant_name": "Claimant",
            "figure": "Total stated",
            "packages": "Packages by then (computed)",
            "gap": "Packages minus total",
            "verdict": "Reconciles",
            "quote": "Their words",
            "url": "Source",
        }
        table = table[list(labels)]
        st.dataframe(
            table,
            hide_index=True,
            column_config={**labels, "url": st.column_config.LinkColumn("Source")},
        )
        download_table(
            functools.partial(table_csv, table, labels),
            key=f"aid-totals-{r.metric}",
            file_name=f"{r.metric}-totals.csv",
            what="the totals stated, against the packages",
        )
    question = next((q for q in questions_of(view.base) if r.metric in q.metrics), None)
    if question is not None:
        st.page_link(
            "views/questions.py",
            label=md(f"{question.title} Every answer, by each of its {len(question.metrics)} measures"),
            query_params={"question": question.title},
            icon=":material/quiz:",
        )

paged_facts_table(per_view(view, "aid_table_rows", lambda: chart.rows.sort_values("as_of"), currency), key="aid-facts")
