"""Widgets every page uses: charts with their sources, fact tables with links, problem lists."""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ..errors import Problem
from ..numbers import format_figure

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&])")


def md(text: object) -> str:
    """Data text made inert for st.markdown: no links, no HTML, no formatting smuggled in."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)) if text is not None and text == text else ""


def conflict_label(conflict) -> str:  # noqa: ANN001 - a dashboard.conflicts.Conflict
    """How a conflict group is named in the picker and in the URL (bound widgets put labels there)."""
    ratio = f"{conflict.ratio:.1f}×" if conflict.ratio < 1e6 else "open-ended"
    return f"{conflict.metric_label} ({conflict.as_of_from:%b %Y}): {ratio}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "chart"


def show_figure(fig: go.Figure, *, key: str, caption: str, title: str) -> None:
    """Draw a figure with its "Sources: ..." caption; the modebar saves SVG/PNG named after the title."""
    config = {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "svg", "filename": slug(title), "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }
    st.plotly_chart(fig, key=key, config=config, theme="streamlit")
    st.caption(caption)


TABLE_COLUMNS = {
    "claimant_name": "Claimant", "figure": "Figure", "as_of_text": "As of", "metric_label": "Metric",
    "quote": "Quote", "source_title": "Source", "publisher": "Publisher", "url": "Link", "stated": "Stated",
    "fact_id": "Fact id", "where": "Written at",
}


def facts_table(facts: pd.DataFrame, *, key: str, columns: list[str] | None = None, height: int | str = "auto"):
    """Facts as a sortable table: the figure in words, the quote, and a working link to the source."""
    table = pd.DataFrame({
        "fact_id": facts["fact_id"],
        "claimant_name": facts["claimant_name"],
        "figure": [format_figure(r.qualifier, r.value, r.low, r.high, r.unit) for r in facts.itertuples()],
        "metric_label": facts["metric_label"],
        "as_of_text": facts["as_of_text"],
        "stated": facts["stated"].dt.date,
        "quote": facts["quote"],
        "source_title": facts["source_title"],
        "publisher": facts["publisher"],
        "url": facts["url"].where(facts["url"].fillna("").str.match(r"^https?://"), None),
        "where": facts["file"].astype(str) + ":" + facts["line"].astype(str),
    })
    shown = columns or ["claimant_name", "figure", "as_of_text", "metric_label", "quote", "source_title",
                        "publisher", "url", "fact_id"]
    config = {name: TABLE_COLUMNS[name] for name in shown}
    config["url"] = st.column_config.LinkColumn("Link", display_text="open source")
    config["quote"] = st.column_config.TextColumn("Quote", width="large")
    return st.dataframe(table[shown], key=key, hide_index=True, column_config=config, height=height)


def show_problems(problems: list[Problem], *, stale: bool) -> None:
    """Load problems as a readable list; says whether the page shows the last good data."""
    if stale:
        st.warning(f"The fact base has {len(problems)} problem(s); the pages show the last good version "
                   "until they are fixed." if problems else "Showing the last good version of the fact base.")
    with st.expander(f"Problems in the fact base ({len(problems)})", expanded=True):
        st.code("\n".join(str(p) for p in problems[:200]) + (f"\n… and {len(problems) - 200} more"
                                                              if len(problems) > 200 else ""), language=None)
