"""Aid: packages as bars by stage, running totals as steps, authority left as a level, one currency a chart."""

import streamlit as st

from charts.registry import aid_chart, aid_currencies
from dashboard.app.ui.components import export_everything, paged_facts_table, show_figure
from dashboard.app.ui.state import current_view, per_view

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
st.caption(
    "Packages (one announcement each) are bars coloured by stage; running totals since February 2022 are "
    "steps; drawdown authority left is a level. Different stages are never added together."
)
paged_facts_table(per_view(view, "aid_table_rows", lambda: chart.rows.sort_values("as_of"), currency), key="aid-facts")
