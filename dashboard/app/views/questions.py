"""Questions: every answer to a reader's question, across the measures that answer it, and how they differ."""

import streamlit as st

from charts.registry import question_chart
from dashboard.app.ui.components import export_everything, md, paged_facts_table, show_figure
from dashboard.app.ui.state import current_view, per_view, view_answers

view = current_view()
export_everything(view)
st.title("Questions: every answer, and why they differ")
st.caption(
    "Answers differ because the sources measure different things (killed against killed and wounded, "
    "confirmed against claimed losses) or because they disagree about the same thing. A part (a measure "
    "declared part of another) above its whole is an inconsistency; below it, the difference is explained "
    "by the measure. Only figures of one measure are ever counted as a disagreement."
)

answers = {a.question.id: a for a in view_answers(view)}
if not answers:
    st.info("No figures under the current filters.")
    st.stop()

left, right = st.columns([3, 1])
chosen = left.selectbox(
    "Question",
    list(answers),
    format_func=lambda q: answers[q].question.title,
    key="question",
    bind="query-params",
    index=0,
)
log = right.toggle("Log scale", key="question-log", bind="query-params")
answer = answers[chosen]
question = answer.question
if question.note:
    st.caption(md(question.note))

chart = per_view(
    view,
    "question_chart",
    lambda: question_chart(view.base, view.filters, view.facts, question, log=log, colors=view.colors),
    question.id,
    log,
)
show_figure(chart, key=f"question-{question.id}")

st.subheader("How the answers differ")
SHOWN = 8
sections = (
    ("Inconsistent", answer.inconsistencies, "A part above its whole: both cannot be right."),
    ("Disagree", answer.disagreements, "Figures of one measure from different claimants with no value in common."),
    ("Explained by the measure", answer.explained, "A part and its whole that fit: the share of it the part is."),
)
if not any(findings for _, findings, _ in sections):
    st.info("The answers to this question neither disagree nor contradict each other under the current filters.")
for heading, findings, meaning in sections:
    if not findings:
        continue
    st.markdown(f"**{heading}** ({len(findings)}): {meaning}")
    for finding in findings[:SHOWN]:
        more = f" And {finding.more} more date{'s' if finding.more > 1 else ''} alike." if finding.more else ""
        st.markdown(f"- {md(finding.sentence)}{more}")
    if len(findings) > SHOWN:
        with st.expander(f"{len(findings) - SHOWN} more"):
            for finding in findings[SHOWN:]:
                st.markdown(f"- {md(finding.sentence)}")

st.page_link(
    "views/compare.py",
    label="Compare: every group of one measure's disagreeing figures, with their quotes",
    icon=":material/compare_arrows:",
)
st.markdown("**The figures, in their sources' words**")
facts = chart.rows.sort_values(["as_of", "metric"], ascending=[False, True], kind="stable")
paged_facts_table(
    facts,
    key="question-facts",
    columns=["claimant_name", "figure", "metric_label", "as_of_text", "quote", "source_title", "url", "fact_id"],
)
