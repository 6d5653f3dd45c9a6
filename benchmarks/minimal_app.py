"""The baseline for benchmarks/dashboard.py: one Plotly line chart of a small frame and one URL-bound filter.

Run: streamlit run benchmarks/minimal_app.py. It is what any Streamlit page with a chart costs, so
the dashboard is measured as a ratio to it (same server flags, same browser, same run).
"""

import pandas as pd
import plotly.express as px
import streamlit as st

SERIES = [f"Claimant {letter}" for letter in "ABCDE"]
POINTS = 20

frame = pd.DataFrame(
    {
        "claimant": [name for name in SERIES for _ in range(POINTS)],
        "as_of": list(pd.date_range("2024-01-01", periods=POINTS, freq="MS")) * len(SERIES),
        "value": [100 * (s + 1) + 10 * p for s in range(len(SERIES)) for p in range(POINTS)],
    }
)

st.title("Minimal app")
with st.sidebar:
    chosen = st.multiselect("Claimant", SERIES, key="claimant", bind="query-params", placeholder="All claimants")
shown = frame[frame["claimant"].isin(chosen)] if chosen else frame
st.plotly_chart(px.line(shown, x="as_of", y="value", color="claimant", markers=True), key="chart", theme="streamlit")
