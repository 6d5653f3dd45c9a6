"""The "Check a figure" box: paste a sentence, see the facts that match it and who disagrees."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard.analysis.figurecheck import LONGEST, MOST_FIGURES, FigureCheck, check_text
from dashboard.app.ui.components import facts_table, md
from dashboard.app.ui.state import View
from dashboard.factbase.values import parse_date
from dashboard.factbase.wording import format_value

COLUMNS = ["claimant_name", "figure", "as_of_text", "quote", "source_title", "publisher", "url", "fact_id"]


@dataclass(frozen=True)
class Shown:
    """What the box shows of one figure's check, and nothing more: its words, and the rows of the facts
    it lists (labels of the fact base's frame, which the cache key's content hash fixes), not copies
    of them. A FigureCheck holds frames of every measure's facts: about 8 MB for a figure of a large
    measure; this holds a few kilobytes."""

    text: str
    claimant_name: str
    figure: str
    verdict: str
    outcome: str
    alarm: bool
    question_title: str | None
    metric: str | None  # its id; `measure` is what a reader is shown
    measure: str | None  # the metric's label
    as_of_used: str
    measures: tuple[tuple[str, str], ...]  # (sentence, outcome)
    leads: bool
    matches: tuple  # row labels in the fact base's facts
    disagreeing: tuple

    @classmethod
    def of(cls, check: FigureCheck) -> Shown:
        found = check.candidate
        return cls(
            found.text,
            found.claimant_name,
            format_value(found.value, found.unit, found.qualifier, found.low, found.high, words=True, units=False),
            check.verdict,
            check.outcome,
            bool(len(check.disagreeing) or check.outcome in ("disagrees", "inconsistent")),
            check.question.title if check.question is not None else None,
            check.metric,
            next((m.label for m in check.measures if m.metric == check.metric), check.metric),
            check.as_of_used,
            tuple((m.sentence, m.outcome) for m in check.measures),
            check.leads,
            tuple(check.matches.index.tolist()),
            tuple(check.disagreeing.index.tolist()),
        )


# Checks are kept apart from the views' derived values (state.remember), so that readers pasting
# texts cannot push the charts' shared values out: at most CHECKS_KEPT checks, the least recently
# asked for going first, each of at most MOST_FIGURES small `Shown`.
CHECKS_KEPT = 64
_CHECKS: OrderedDict[tuple, list[Shown]] = OrderedDict()
_LOCK = threading.Lock()


def checked(view: View, text: str, when: str | None) -> list[Shown]:
    """What the box shows for `text`, checked once per fact base content, text and date."""
    key = (view.base.content_hash, text, when)
    with _LOCK:
        if key in _CHECKS:
            _CHECKS.move_to_end(key)
            return _CHECKS[key]
    shown = [Shown.of(check) for check in check_text(text, view.base, as_of=when)]
    with _LOCK:
        _CHECKS[key] = shown
        while len(_CHECKS) > CHECKS_KEPT:
            _CHECKS.popitem(last=False)
    return shown


def check_a_figure(view: View) -> None:
    st.subheader("Check a figure")
    st.caption(
        "Paste a sentence that states a figure. Each figure in it is matched to a question and set against "
        "every measure of it in the whole fact base (the sidebar filters do not apply): the facts that count "
        "the same thing and agree, those of the same time that disagree, and a measure it is part of (or that "
        "is part of it) that it contradicts. With no date given, the latest figures are used."
    )
    with st.form("check-figure", border=True):
        text = st.text_area(
            "Sentence",
            key="check-text",
            max_chars=LONGEST,
            height=90,
            placeholder="The U.S. estimates North Korean casualties at around 1,200.",
        )
        when = st.text_input(
            "As of (optional: YYYY, YYYY-MM or YYYY-MM-DD)",
            key="check-as-of",
            help="The date the figure refers to, if the sentence does not say.",
        )
        st.form_submit_button("Check", icon=":material/fact_check:")
    if not text.strip():
        return
    when = when.strip() or None
    if when is not None:
        try:  # the date the reader typed, on its own: only a problem with it is the "As of" field's
            parse_date(when)
        except ValueError as err:
            st.error(f"As of: {md(err)}")
            return
    try:
        checks = checked(view, text, when)
    except ValueError as err:  # a figure of the text that cannot be read: the sentence's, not the date's
        st.error(f"Sentence: a figure in it cannot be read ({md(err)}); reword it and check again.")
        return
    if not checks:
        st.info("No money amount or count found in that text.")
        return
    if len(checks) == MOST_FIGURES:
        st.caption(f"The first {MOST_FIGURES} figures of the text are checked: paste fewer to check the rest.")
    for number, check in enumerate(checks):
        _show_check(check, view.base.facts, key=f"check-{number}")


def _rows(facts: pd.DataFrame, labels: tuple) -> pd.DataFrame:
    return facts.loc[[label for label in labels if label in facts.index]]


def _show_check(check: Shown, facts: pd.DataFrame, *, key: str) -> None:
    with st.container(border=True):
        said = f" ({md(check.claimant_name)})" if check.claimant_name else ""
        st.markdown(f"**{md(check.text)}**{said}: read as {md(check.figure)}")
        (st.warning if check.alarm else st.info)(md(check.verdict))
        if check.question_title is not None:
            st.markdown(
                f"**Verdict: {check.outcome}.** Question: {md(check.question_title)}; measure: "
                f"{md(check.measure or 'cannot be told')}; compared with {md(check.as_of_used or 'no figure')}."
            )
            for sentence, outcome in check.measures:
                st.markdown(f"- {md(sentence)} ({outcome})")
        if check.matches:
            st.markdown("**Same number, unknown whether the same thing**" if check.leads else "**Agree**")
            facts_table(_rows(facts, check.matches), key=f"{key}-agree", columns=COLUMNS)
        if check.disagreeing:
            st.markdown("**Disagree**")
            facts_table(_rows(facts, check.disagreeing), key=f"{key}-disagree", columns=COLUMNS)
