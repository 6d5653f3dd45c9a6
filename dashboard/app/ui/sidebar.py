"""The shared filters in the sidebar, bound to the URL so that a copied link reopens the same view."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.analysis.filters import PARTY_CHOICES, Filters
from dashboard.factbase.model import FactBase

_OPTIONS: dict[str, dict] = {}
PARTY_LABELS = {"all": "Everyone", "parties": "Parties to the conflict", "third-parties": "Third parties"}


def options_for(base: FactBase) -> dict:
    """The sidebar's choices, computed once per fact base content (not on every rerun)."""
    found = _OPTIONS.get(base.content_hash)
    if found is None:
        facts = base.facts
        found = {
            "publishers": sorted(facts["publisher"].dropna().unique().tolist()),
            "sources": sorted(facts["source"].dropna().unique().tolist()),
            "source_titles": _unique(
                {k: _short(str(v.get("title", k))) for k, v in base.sources.to_dict("index").items()}
            ),
            "claimants": sorted(
                facts["claimant"].dropna().unique().tolist(),
                key=lambda c: str(base.claimants["name"].get(c, c)).lower(),
            ),
            "claimant_names": _unique(base.claimants["name"].astype(str).to_dict()) if len(base.claimants) else {},
            "kinds": sorted(facts["claimant_kind"].dropna().unique().tolist()),
            "categories": sorted(facts["category"].dropna().unique().tolist()),
            "first": _day(facts["as_of"].min()),
            "last": _day(facts["as_of_end"].max()),
        }
        if len(_OPTIONS) > 8:
            _OPTIONS.clear()
        _OPTIONS[base.content_hash] = found
    return found


def _unique(labels: dict[str, str]) -> dict[str, str]:
    """Labels double as URL values (bound widgets put the shown label in the query string): keep them unique."""
    counts: dict[str, int] = {}
    for label in labels.values():
        counts[label] = counts.get(label, 0) + 1
    return {key: (f"{label} ({key})" if counts[label] > 1 else label) for key, label in labels.items()}


def _day(value: object) -> dt.date:
    return value.date() if isinstance(value, pd.Timestamp) and not pd.isna(value) else dt.date.today()


def sidebar_filters(base: FactBase) -> Filters:
    """Draw the filters; every widget is keyed and bound to a query parameter of the same name."""
    choices = options_for(base)
    with st.sidebar:
        st.header("Filters")
        categories = st.multiselect(
            "Metric category", choices["categories"], key="category", bind="query-params", placeholder="All categories"
        )
        claimants = st.multiselect(
            "Claimant (who says it)",
            choices["claimants"],
            key="claimant",
            bind="query-params",
            placeholder="All claimants",
            format_func=lambda c: choices["claimant_names"].get(c, c),
        )
        party = st.radio(
            "Claimants",
            PARTY_CHOICES,
            key="party",
            bind="query-params",
            horizontal=False,
            format_func=PARTY_LABELS.get,
        )
        kinds = st.multiselect(
            "Claimant kind",
            choices["kinds"],
            key="kind",
            bind="query-params",
            placeholder="All kinds",
            format_func=lambda k: k.replace("_", " "),
        )
        publishers = st.multiselect(
            "Publisher (who printed it)",
            choices["publishers"],
            key="publisher",
            bind="query-params",
            placeholder="All publishers",
        )
        sources = st.multiselect(
            "Source",
            choices["sources"],
            key="source",
            bind="query-params",
            placeholder="All sources",
            format_func=lambda s: choices["source_titles"].get(s, s),
        )
        first, last = choices["first"], choices["last"]
        dates = st.date_input(
            "As of, from – to",
            value=(first, last),
            min_value=dt.date(1990, 1, 1),
            max_value=dt.date(2100, 12, 31),
            key="asof",
            bind="query-params",
            format="YYYY-MM-DD",
            # Streamlit's date field applies a typed date when it loses focus (or on Escape), not on
            # Enter, and offers no option to change that: say so where the reader types.
            help="Pick the dates on the calendar, or type them and press Tab (Enter does not apply a typed date).",
        )
    date_from, date_to = date_range(dates, first, last)
    return Filters(
        publishers=tuple(publishers),
        sources=tuple(sources),
        claimants=tuple(claimants),
        claimant_kinds=tuple(kinds),
        party=party or "all",
        categories=tuple(categories),
        date_from=date_from,
        date_to=date_to,
    )


def date_range(dates: object, first: dt.date, last: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """A date range widget gives one date while the reader is still picking the second."""
    if isinstance(dates, (tuple, list)) and len(dates) == 2:
        start, end = dates
    elif isinstance(dates, (tuple, list)) and len(dates) == 1:
        start, end = dates[0], None
    else:
        start, end = None, None
    return (start if start and start != first else None), (end if end and end != last else None)


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
