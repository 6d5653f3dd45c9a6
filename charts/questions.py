"""The answers to one question over time: every measure's figures, nested measures on one axis.

Measures related by part_of (killed, part of killed and wounded) share a panel, each labelled with
its relation; measures not related are drawn in panels of their own, so that no axis sets them
against each other. Within a panel each claimant's figures of each measure are one line (a dash per
measure), drawn as the timeline draws them: ranges as error bars, "at least" as an open-ended arrow,
parties to the conflict as diamonds, dates at their precision in the hover.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from charts.layout import subtitle
from charts.timeline import timeline_figure, timeline_panels

RELATIONS_SHOWN = 3  # relations written under the title; the rest are counted


def question_figure(
    facts: pd.DataFrame,
    panels: Mapping[str, Sequence[str]],
    labels: Mapping[str, str],
    events: pd.DataFrame | None = None,
    *,
    log: bool = False,
    title: str | None = None,
    relations: Sequence[str] = (),
    colors: Mapping[str, str] | None = None,
    max_points: int = 2000,
    keep: Sequence[str] = (),
) -> go.Figure:
    """`panels` maps a panel's title to the metrics drawn in it; `labels` each metric to the name
    shown for it ("Russian soldiers killed, part of killed and wounded"). Facts of other metrics are
    left out; a panel with no facts is not drawn. `relations` ("Oryx's confirmed losses are part of
    all losses") are written under the title, so that a reader of the image knows why two measures
    share an axis. Raises ValueError when nothing is left."""
    frames = {}
    for panel, metrics in panels.items():
        rows = facts[facts["metric"].isin(list(metrics)) & facts["as_of"].notna()]
        if rows.empty:
            continue
        shown = rows["metric"].map(dict(labels)).fillna(rows["metric_label"])
        # One panel is one comparison: the category of its broadest measure for all its rows.
        frames[panel] = rows.assign(metric_label=shown, category=str(panel)).sort_values("as_of", kind="stable")
    if not frames:
        raise ValueError("question_figure: no dated figures of the question's measures to draw")
    if len(frames) == 1:
        fig = timeline_figure(
            next(iter(frames.values())), events, log=log, title=title, colors=colors, max_points=max_points, keep=keep
        )
    else:
        fig = timeline_panels(frames, events, log=log, title=title, colors=colors, max_points=max_points, keep=keep)
    fig.layout.meta = {**fig.layout.meta, "chart": "question", "panels": list(frames), "relations": list(relations)}
    if relations:
        # A question of many nested measures (US aid: 16) made a subtitle of 58 lines over the plot;
        # the first few say why measures share an axis; the key of Measures names each one's relation.
        shown = list(relations[:RELATIONS_SHOWN])
        more = len(relations) - len(shown)
        subtitle(fig, "; ".join(shown) + (f"; and {more} more, named in the key of Measures" if more else "") + ".")
    return fig
