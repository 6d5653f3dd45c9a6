"""Where a figure comes from, as hover text, a sources caption and a caption annotation.

Plotly renders a subset of HTML in hover text, annotations, titles, legend entries and tick
labels, so everything taken from the data is passed through html.escape before it is put there;
the markup added here (<b>, <br>) is the only HTML a figure carries.
"""

from __future__ import annotations

import functools
import html
import textwrap
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from dashboard.factbase.wording import format_date, format_value, format_written_date, present, written_unit


def _inert(text: str) -> str:
    """<, > and & escaped so Plotly renders data as text; quotes need no escaping outside attributes."""
    return html.escape(text, quote=False)


QUOTE_LIMIT = 300
WRAP = 60
CAPTION_WRAP = 140
# On the page the chart may be a phone's 358 px. A caption placed from the plot's left edge is cut
# at the right wherever axis labels push that edge in (Compare's row names: 190 px); one that ends at
# the plot's right edge, in lines of about 290 px, stays inside the chart on any screen.
SCREEN_WRAP = 50
SCREEN_BOX = 310  # px of that block (caption and provenance line alike, so their left edges align)
CAPTION_LIMIT = 8
CAPTION_NAME = "caption"
CAPTION_OFFSET = 58  # px below the plot area: clears tick labels and the axis title


def escape(text: object) -> str:
    """Data as inert text for Plotly: "" for a missing value, html.escape'd otherwise."""
    return _inert(str(text)) if present(text) else ""


def wrap(text: object, width: int = WRAP) -> str:
    """Escaped text broken with <br> about every `width` characters (wrapped before escaping,
    so that an entity such as &lt; is never cut in two)."""
    return _wrap(str(text), width) if present(text) else ""


@functools.lru_cache(maxsize=4096)
def _wrap(text: str, width: int) -> str:
    # Long series repeat their labels and titles on every point: each distinct text is wrapped once.
    if len(text) <= width and "\n" not in text:
        return _inert(text)
    return "<br>".join(_inert(line) for line in textwrap.wrap(text, width) or [""])


def hover_text(row: Mapping) -> str:
    """Hover text of one fact: the figure in words, who claims it, where, as of when, and the quote."""
    value = format_value(
        row.get("value"),
        written_unit(row),
        row.get("qualifier"),
        row.get("low"),
        row.get("high"),
        words=True,
    )
    lines = [f"<b>{_inert(value)}</b>"]
    if present(row.get("metric_label")):
        lines.append(wrap(row.get("metric_label")))
    claimant = escape(row.get("claimant_name") if present(row.get("claimant_name")) else row.get("claimant"))
    if claimant:
        party = row.get("party_to_conflict")
        lines.append(f"Claimed by: {claimant}" + (" · party to the conflict" if present(party) and party else ""))
    source = " — ".join(str(row.get(k)) for k in ("source_title", "publisher") if present(row.get(k)))
    if source:
        lines.append(wrap(f"Source: {source}"))
    as_of = format_date(row.get("as_of"), row.get("as_of_precision"))
    if as_of:
        lines.append(f"As of: {_inert(as_of)}")
    stated = format_written_date(row["stated_text"]) if "stated_text" in row else format_date(row.get("stated"))
    if stated:
        lines.append(f"Stated: {_inert(stated)}")
    if present(row.get("stage")):
        lines.append(f"Stage: {escape(row.get('stage'))}")
    quote = row.get("quote")
    if present(quote):
        text = " ".join(str(quote).split())
        if len(text) > QUOTE_LIMIT:
            text = text[: QUOTE_LIMIT - 1].rstrip() + "…"
        lines.append(wrap(f"“{text}”"))
    return "<br>".join(lines)


HOVER_COLUMNS = (
    "value",
    "unit",
    "unit_label",
    "qualifier",
    "low",
    "high",
    "metric_label",
    "claimant",
    "claimant_name",
    "party_to_conflict",
    "source_title",
    "publisher",
    "as_of",
    "as_of_precision",
    "stated",
    "stated_text",
    "stage",
    "quote",
)


def hover_texts(frame: pd.DataFrame) -> list[str]:
    """hover_text for every row of a facts frame, in row order."""
    columns = [c for c in HOVER_COLUMNS if c in frame.columns]
    return [hover_text(row) for row in frame[columns].to_dict("records")]


def sources_caption(frame: pd.DataFrame, limit: int = CAPTION_LIMIT) -> str:
    """Plain-text "Sources: Publisher A (title, 2025-01-09); Publisher B (3 sources)" naming each source once.

    Sources of one publisher are counted together; after `limit` entries the rest are
    "and N more". The text is not escaped: add_caption (or the caller) escapes it where it is shown.
    """
    if frame is None or frame.empty or "source" not in frame:
        return ""
    columns = [c for c in ("source", "publisher", "source_title", "published", "published_text") if c in frame]
    sources = frame[columns].drop_duplicates("source")
    entries: dict[str, list[dict]] = {}
    for source in sources.to_dict("records"):
        name = source.get("publisher") if present(source.get("publisher")) else source.get("source_title")
        name = str(name) if present(name) else str(source["source"])
        entries.setdefault(name, []).append(source)
    parts = [_caption_entry(name, items) for name, items in entries.items()]
    if len(parts) > limit:
        parts = parts[:limit] + [f"and {len(parts) - limit} more"]
    return ("Source: " if len(entries) == 1 else "Sources: ") + "; ".join(parts)


def _caption_entry(name: str, items: list[dict]) -> str:
    if len(items) > 1:
        return f"{name} ({len(items)} sources)"
    item = items[0]
    details = []
    title = item.get("source_title")
    if present(title) and str(title) != name:
        details.append(str(title))
    if present(item.get("published_text")):  # as written: a month stays "2025-01"
        details.append(str(item["published_text"]))
    elif present(item.get("published")):
        details.append(pd.Timestamp(item["published"]).strftime("%Y-%m-%d"))
    return f"{name} ({', '.join(details)})" if details else name


def add_caption(fig: go.Figure, text: str, *, width: int = CAPTION_WRAP, right: bool = False) -> go.Figure:
    """Put `text` (plain, escaped here) under the plot as a paper-positioned annotation, lines of
    `width` characters; replaces an earlier caption and grows the bottom margin to fit. With
    `right`, the block ends at the plot's right edge and runs left from it (see SCREEN_WRAP).
    Returns the same figure."""
    lines = textwrap.wrap(str(text), width) if text else []
    kept = [a for a in fig.layout.annotations if a.name != CAPTION_NAME]
    fig.layout.annotations = kept
    if not lines:
        return fig
    fig.add_annotation(
        name=CAPTION_NAME,
        text="<br>".join(_inert(line) for line in lines),
        xref="paper",
        yref="paper",
        x=1 if right else 0,
        y=0,
        xanchor="right" if right else "left",
        yanchor="top",
        yshift=-CAPTION_OFFSET,
        width=SCREEN_BOX if right else None,
        showarrow=False,
        align="left",
        font={"size": 11},
    )
    needed = CAPTION_OFFSET + 16 * len(lines) + 12
    bottom = fig.layout.margin.b if fig.layout.margin.b is not None else 0
    if needed > bottom:
        # A figure of fixed height grows by what the caption takes, so the plot keeps its size.
        height = fig.layout.height
        fig.update_layout(margin={"b": needed}, height=height + needed - bottom if height else None)
    return fig
