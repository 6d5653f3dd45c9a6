"""The "Check a figure" box: paste a sentence, see the facts that match it and who disagrees."""

from __future__ import annotations

import streamlit as st

from dashboard.analysis.figurecheck import LONGEST, FigureCheck, check_text
from dashboard.app.ui.components import facts_table, md
from dashboard.app.ui.state import View, remember
from dashboard.factbase.wording import format_value

COLUMNS = ["claimant_name", "figure", "as_of_text", "quote", "source_title", "publisher", "url", "fact_id"]


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
    try:
        checks = remember(
            ("check", view.base.content_hash, text, when), lambda: check_text(text, view.base, as_of=when)
        )
    except ValueError as err:  # a date the reader typed that is not one
        st.error(f"As of: {md(err)}")
        return
    if not checks:
        st.info("No money amount or count found in that text.")
        return
    for number, check in enumerate(checks):
        _show_check(check, key=f"check-{number}")


def _show_check(check: FigureCheck, *, key: str) -> None:
    found = check.candidate
    figure = format_value(found.value, found.unit, found.qualifier, found.low, found.high, words=True, units=False)
    with st.container(border=True):
        said = f" ({md(found.claimant_name)})" if found.claimant_name else ""
        st.markdown(f"**{md(found.text)}**{said}: read as {md(figure)}")
        alarm = len(check.disagreeing) or check.outcome in ("disagrees", "inconsistent")
        (st.warning if alarm else st.info)(md(check.verdict))
        if check.question is not None:
            st.markdown(
                f"**Verdict: {check.outcome}.** Question: {md(check.question.title)}; measure: "
                f"{md(check.metric or 'cannot be told')}; compared with {md(check.as_of_used or 'no figure')}."
            )
            for measure in check.measures:
                st.markdown(f"- {md(measure.sentence)} ({measure.outcome})")
        if len(check.matches):
            st.markdown("**Same number, unknown whether the same thing**" if check.leads else "**Agree**")
            facts_table(check.matches, key=f"{key}-agree", columns=COLUMNS)
        if len(check.disagreeing):
            st.markdown("**Disagree**")
            facts_table(check.disagreeing, key=f"{key}-disagree", columns=COLUMNS)
