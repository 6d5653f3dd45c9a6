"""Overview: how much is in the fact base, the questions whose answers differ most, and what came in last."""

import streamlit as st

from charts.registry import question_chart
from dashboard.analysis.questions import answer_range
from dashboard.app.ui.components import export_everything, facts_table, md, show_figure
from dashboard.app.ui.state import current_view, per_view, view_answers
from dashboard.factbase.wording import format_ratio

view = current_view()
export_everything(view)
facts = view.facts
st.title("Who says what, and how far apart")
st.caption(md(view.base.description) if view.base is not None else "")

cols = st.columns(4)
cols[0].metric("Facts", f"{len(facts):,}")
# The sources the shown facts cite, of those the fact base declares (the count `factdash validate`
# gives): a declared source no fact cites yet, or one the filters leave out, is not counted.
declared = len(view.base.sources) if view.base is not None else 0
cols[1].metric(
    "Sources cited",
    f"{facts['source'].nunique():,} of {declared:,}",
    help="Sources cited by the facts shown, of the sources declared in the fact base (`factdash validate`).",
)
cols[2].metric("Claimants", f"{facts['claimant'].nunique():,}")
cols[3].metric("Metrics", f"{facts['metric'].nunique():,}")

st.subheader("Questions, where the answers differ most")
# One card per question: an inconsistency (a part above its whole) or a disagreement (one measure,
# figures with no value in common) first; differences a measure explains (confirmed against
# claimed losses) are never a headline.
answers = view_answers(view)
cards = [a for a in answers if a.worst is not None][:6]
if not cards:
    st.info("No answers to any question disagree under the current filters.")
for row_start in range(0, len(cards), 2):
    # A last row may hold one question in two columns.
    for column, answer in zip(st.columns(2), cards[row_start : row_start + 2], strict=False):
        worst = answer.worst
        kind = "Inconsistent" if worst in answer.inconsistencies else "Disagree"
        with column.container(border=True):
            st.markdown(f"**{md(answer.question.title)}**")
            spread, ratio = st.columns([5, 2])
            shown, when = answer_range(answer, facts)
            spread.markdown(f"### {md(shown)}")
            spread.caption(f"the answers of the latest date given ({md(when)})")
            ratio.markdown(f"### {format_ratio(worst.ratio)}" if worst.ratio < 1e6 else "### —")
            ratio.caption(kind.lower())
            st.markdown(f"**{kind}:** {md(worst.sentence)}")  # names and units in it are data
            if kind == "Inconsistent" and answer.disagreements:
                widest = format_ratio(answer.disagreements[0].ratio)
                st.caption(f"Also {len(answer.disagreements)} disagreement(s) of one measure, the widest {widest}.")
            st.page_link(
                "views/questions.py",
                label="Every answer, and how they differ",
                query_params={"question": answer.question.title},
                icon=":material/quiz:",
            )
if cards:
    top = cards[0].question
    chart = per_view(
        view,
        "question_chart",
        lambda: question_chart(view.base, view.filters, facts, top, log=False, colors=view.colors),
        top.id,
        False,
    )
    show_figure(chart, key=f"overview-{top.id}")

st.subheader("Latest facts")
latest = facts.sort_values(["stated", "as_of"], ascending=False, na_position="last").head(10)
facts_table(latest, key="latest-facts", download=latest)
