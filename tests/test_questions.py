"""Questions: part_of and questions in fact files, and what the analysis says about each question."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dashboard import FactBaseError, load_factbase
from dashboard.analysis.questions import answers_of, questions_of, ranked

from .conftest import DECLARED, ROOT

HEAD = (
    DECLARED.replace("published: 2025-01-09", "published: 2025-02-01")
    + """\
  nis:
    name: National Intelligence Service (South Korea)
    kind: intelligence
    party_to_conflict: false
metrics:
  nk-casualties:
    label: North Korean soldiers killed and wounded
    unit: people
    category: casualties
    aggregation: cumulative
  nk-killed:
    label: North Korean soldiers killed
    unit: people
    category: casualties
    aggregation: cumulative
    part_of: nk-casualties
  nk-killed-confirmed:
    label: North Korean soldiers killed, confirmed by name
    unit: people
    category: casualties
    aggregation: cumulative
    part_of: nk-killed
questions:
  nk:
    title: How many North Korean soldiers were killed or wounded in Kursk?
    metrics: [nk-casualties, nk-killed, nk-killed-confirmed]
facts:
"""
)


def fact(fid, metric, claimant, as_of, value=None, qualifier=None, low=None, high=None):
    lines = [f"  - id: {fid}", f"    metric: {metric}", f"    claimant: {claimant}", "    source: rep"]
    lines.append(f"    as_of: '{as_of}'")
    for name, given in (("value", value), ("qualifier", qualifier), ("low", low), ("high", high)):
        if given is not None:
            lines.append(f"    {name}: {given}")
    return "\n".join(lines) + "\n"


def answers(write, *facts, head=HEAD):
    base = load_factbase(write("facts.yaml", head + "".join(facts)))
    return {a.question.id: a for a in answers_of(base)}


def test_a_part_above_its_whole_is_an_inconsistency_honouring_qualifiers(write):
    found = answers(
        write,
        fact("z", "nk-killed", "zelenskyy", "2025-01", 4000, "at_least"),
        fact("u", "nk-casualties", "us-officials", "2025-01", 3000, "approximately"),
    )["nk"]
    assert [f.fact_ids for f in found.inconsistencies] == [["z", "u"]]
    finding = found.inconsistencies[0]
    assert finding.ratio == pytest.approx(4000 / 3000)
    # Both figures, both claimants, both measures, the ratio; the month as a month.
    for words in (
        "Volodymyr Zelenskyy's at least 4,000",
        "US officials' about 3,000",
        "killed and wounded",
        "33% higher than",
    ):
        assert words in finding.sentence, finding.sentence
    assert "January 2025" in finding.sentence and "1 January" not in finding.sentence
    assert not found.explained and not found.disagreements


def test_a_part_below_its_whole_is_an_explained_difference(write):
    found = answers(
        write,
        fact("z", "nk-killed", "zelenskyy", "2025-01", 300, "approximately"),
        fact("u", "nk-casualties", "us-officials", "2025-01", 3000, "approximately"),
    )["nk"]
    assert not found.inconsistencies
    assert [f.fact_ids for f in found.explained] == [["z", "u"]]
    assert found.explained[0].ratio == pytest.approx(0.1)
    assert "10%" in found.explained[0].sentence


def test_ranges_count_by_their_lowest_possible_value(write):
    # 2,900-3,500 killed may be 2,900: it fits under "about 3,000" (at most 3,300) of the whole.
    fits = answers(
        write,
        fact("z", "nk-killed", "zelenskyy", "2025-01", low=2900, high=3500),
        fact("u", "nk-casualties", "us-officials", "2025-01", 3000, "approximately"),
    )["nk"]
    assert not fits.inconsistencies
    above = answers(
        write,
        fact("z", "nk-killed", "zelenskyy", "2025-01", low=3400, high=3500),
        fact("u", "nk-casualties", "us-officials", "2025-01", 3000, "approximately"),
    )["nk"]
    assert [f.fact_ids for f in above.inconsistencies] == [["z", "u"]]


def test_running_totals_are_bounded_by_any_later_figure_of_the_whole(write):
    # 500 killed by December is impossible if only 400 were killed or wounded by February.
    later = answers(
        write,
        fact("z", "nk-killed", "zelenskyy", "2024-12-20", 500),
        fact("u", "nk-casualties", "us-officials", "2025-02-10", 400),
    )["nk"]
    assert [f.fact_ids for f in later.inconsistencies] == [["z", "u"]]
    # An earlier figure of the whole does not bound a later part: totals grow.
    earlier = answers(
        write,
        fact("z", "nk-killed", "zelenskyy", "2025-02-10", 500),
        fact("u", "nk-casualties", "us-officials", "2024-12-20", 400),
    )["nk"]
    assert not earlier.inconsistencies


def test_a_month_is_not_a_day_in_it(write):
    # "January 2025" may be 31 January: a figure of the whole dated 10 January does not bound it.
    found = answers(
        write,
        fact("z", "nk-killed", "zelenskyy", "2025-01", 500),
        fact("u", "nk-casualties", "us-officials", "2025-01-10", 400),
    )["nk"]
    assert not found.inconsistencies
    # The same month on both sides is the same period.
    same = answers(
        write,
        fact("z", "nk-killed", "zelenskyy", "2025-01", 500),
        fact("u", "nk-casualties", "us-officials", "2025-01", 400),
    )["nk"]
    assert [f.fact_ids for f in same.inconsistencies] == [["z", "u"]]
    assert "January 2025" in same.inconsistencies[0].as_of and "1 January" not in same.inconsistencies[0].sentence


def test_levels_meet_only_in_the_same_period(write):
    head = HEAD.replace("aggregation: cumulative", "aggregation: level")
    other_day = answers(
        write,
        fact("z", "nk-killed", "zelenskyy", "2024-12-20", 500),
        fact("u", "nk-casualties", "us-officials", "2025-02-10", 400),
        head=head,
    )["nk"]
    assert not other_day.inconsistencies and not other_day.explained
    same_day = answers(
        write,
        fact("z", "nk-killed", "zelenskyy", "2025-02-10", 500),
        fact("u", "nk-casualties", "us-officials", "2025-02-10", 400),
        head=head,
    )["nk"]
    assert [f.fact_ids for f in same_day.inconsistencies] == [["z", "u"]]


def test_chains_compare_a_part_with_every_whole_above_it(write):
    found = answers(
        write,
        fact("c", "nk-killed-confirmed", "nis", "2025-01", 120),
        fact("k", "nk-killed", "zelenskyy", "2025-01", 100),
        fact("u", "nk-casualties", "us-officials", "2025-01", 1000),
    )["nk"]
    assert [f.fact_ids for f in found.inconsistencies] == [["c", "k"]]
    assert sorted(f.fact_ids for f in found.explained) == [["c", "u"], ["k", "u"]]


def test_disagreements_are_figures_of_one_measure_only(write):
    found = answers(
        write,
        fact("a", "nk-casualties", "us-officials", "2025-01-10", 1000),
        fact("b", "nk-casualties", "zelenskyy", "2025-01-12", 4000),
        fact("c", "nk-killed", "nis", "2025-01-11", 300),
    )["nk"]
    assert [sorted(f.fact_ids) for f in found.disagreements] == [["a", "b"]]
    assert found.disagreements[0].ratio == pytest.approx(4)
    assert found.worst is found.disagreements[0]


def test_unrelated_measures_are_never_set_against_each_other(write):
    head = HEAD.replace("    part_of: nk-casualties\n", "")
    found = answers(
        write,
        fact("z", "nk-killed", "zelenskyy", "2025-01", 4000),
        fact("u", "nk-casualties", "us-officials", "2025-01", 3000),
        head=head,
    )["nk"]
    assert not found.inconsistencies and not found.explained and not found.disagreements


def test_a_metric_in_no_question_is_a_question_with_its_parts(write, minimal):
    base = load_factbase(write("facts.yaml", minimal))
    questions = questions_of(base)
    assert [(q.id, q.title, q.metrics, q.declared) for q in questions] == [
        ("nk-casualties", "North Korean casualties", ("nk-casualties",), False),
        ("us-package", "US package", ("us-package",), False),
    ]
    head = HEAD.split("questions:")[0] + "facts:\n"
    nested = questions_of(load_factbase(write("facts.yaml", head)))
    assert [(q.id, q.metrics) for q in nested] == [
        ("nk-casualties", ("nk-casualties", "nk-killed", "nk-killed-confirmed"))
    ]


def test_questions_with_findings_come_first(write):
    head = HEAD + ""
    base = load_factbase(
        write(
            "facts.yaml",
            head.replace(
                "facts:\n",
                "  other:\n    title: Nothing to see\n    metrics: [nk-killed-confirmed]\nfacts:\n",
            )
            + fact("z", "nk-killed", "zelenskyy", "2025-01", 4000)
            + fact("u", "nk-casualties", "us-officials", "2025-01", 3000),
        )
    )
    assert [a.question.id for a in ranked(answers_of(base))][0] == "nk"


@pytest.mark.parametrize(
    ("metrics", "message"),
    [
        ("  a: {label: A, unit: people, category: c, aggregation: cumulative, part_of: zz}\n", "unknown metric 'zz'"),
        (
            "  a: {label: A, unit: people, category: c, aggregation: cumulative, part_of: b}\n"
            "  b: {label: B, unit: USD, category: c, aggregation: cumulative}\n",
            "its unit is 'people' and 'b' has 'USD'",
        ),
        (
            "  a: {label: A, unit: people, category: c, aggregation: cumulative, part_of: b, subject: X}\n"
            "  b: {label: B, unit: people, category: c, aggregation: cumulative, subject: Y}\n",
            "its subject is 'X' and 'b' has 'Y'",
        ),
        (
            "  a: {label: A, unit: people, category: c, aggregation: cumulative, part_of: b}\n"
            "  b: {label: B, unit: people, category: c, aggregation: cumulative, part_of: a}\n",
            "part of itself: a → b → a",
        ),
    ],
)
def test_part_of_problems_are_located(write, metrics, message):
    path = write("facts.yaml", "schema_version: 1\nmetrics:\n" + metrics)
    with pytest.raises(FactBaseError) as err:
        load_factbase(path)
    found = [p for p in err.value.problems if message in p.message]
    assert found, [str(p) for p in err.value.problems]
    assert (found[0].line, found[0].column) == (3, metrics.splitlines()[0].index("part_of") + len("part_of: ") + 1)


def test_a_question_naming_an_unknown_metric_is_located(write, minimal):
    path = write(
        "facts.yaml", minimal + "questions:\n  q:\n    title: How many?\n    metrics: [nk-casualties, nk-casualty]\n"
    )
    with pytest.raises(FactBaseError) as err:
        load_factbase(path)
    (problem,) = err.value.problems
    assert "question 'q': unknown metric 'nk-casualty' (did you mean 'nk-casualties'?)" in problem.message
    assert (problem.line, problem.column) == (path.read_text().count("\n"), 30)


def test_questions_ids_are_shared_across_included_files(write, minimal):
    q = "questions:\n  q:\n    title: How many?\n    metrics: [nk-casualties]\n"
    write("part.yaml", "schema_version: 1\n" + q)
    path = write("facts.yaml", minimal + "include: [part.yaml]\n" + q)
    with pytest.raises(FactBaseError) as err:
        load_factbase(path)
    assert any("question 'q' is defined twice" in p.message for p in err.value.problems)


def test_the_cli_reports_each_kind_as_json_and_csv(write):
    path = write(
        "facts.yaml",
        HEAD
        + fact("z", "nk-killed", "zelenskyy", "2025-01", 4000, "at_least")
        + fact("u", "nk-casualties", "us-officials", "2025-01", 3000, "approximately")
        + fact("n", "nk-casualties", "nis", "2025-01", 1000)
        + fact("c", "nk-killed-confirmed", "nis", "2025-01", 100),
    )
    run = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "questions", "--facts", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    (nk,) = json.loads(run.stdout)
    assert (nk["id"], nk["title"]) == ("nk", "How many North Korean soldiers were killed or wounded in Kursk?")
    assert [sorted(e["fact_ids"]) for e in nk["disagreements"]] == [["n", "u"]]
    assert ["z", "u"] in [e["fact_ids"] for e in nk["inconsistencies"]]
    assert ["c", "z"] in [e["fact_ids"] for e in nk["explained"]]
    for kind in ("disagreements", "inconsistencies", "explained"):
        for entry in nk[kind]:
            assert entry["sentence"] and entry["ratio"] > 0
    csv = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "questions", "--facts", str(path), "--format", "csv"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert csv.splitlines()[0].startswith("question,title,kind,")
    assert len(csv.splitlines()) == 1 + sum(len(nk[k]) for k in ("disagreements", "inconsistencies", "explained"))
    table = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "questions", "--facts", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "How many North Korean soldiers" in table and "inconsistent" in table.lower()


# ---- the default fact base, the Overview and the Questions page --------------------------------


def test_the_default_base_sets_confirmed_losses_beside_claims_never_against_them():
    from dashboard.analysis.conflicts import find_conflicts

    base = load_factbase(ROOT / "facts.yaml")
    conflicts = find_conflicts(base.facts)
    assert conflicts
    for conflict in conflicts:
        claimants = set(conflict.members["claimant"])
        assert not {"oryx", "ua-general-staff"} <= claimants, conflict.summary
    # Oryx's counts are measures of their own, part of the General Staff's claimed losses...
    assert base.metrics.at["tanks-lost-russia-confirmed", "part_of"] == "tanks-lost-russia"
    assert base.metrics.at["soldier-deaths-russia", "part_of"] == "soldier-casualties-russia"
    tanks = {a.question.id: a for a in answers_of(base)}["russian-tanks"]
    # ... so the two are an explained difference: on 31 December 2024, 3,668 confirmed of 9,668 claimed.
    assert not tanks.disagreements and not tanks.inconsistencies
    (explained,) = tanks.explained
    assert explained.claimants == ["oryx", "ua-general-staff"]
    assert "Oryx's" in explained.sentence and "%" in explained.sentence
    for required in ("us-aid", "nk-casualties", "russian-casualties", "ukrainian-casualties", "russian-tanks"):
        assert required in {q.id for q in questions_of(base)}


def test_the_overview_leads_with_real_disagreements(monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.delenv("FACTDASH_FACTS", raising=False)
    at = AppTest.from_file(str(ROOT / "dashboard" / "app" / "main.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    titles = [m.value.strip("*") for m in at.markdown if m.value.startswith("**How ")]
    assert titles[:2] == [
        "How many North Korean soldiers were killed or wounded in Kursk?",
        "How many Russian soldiers have been killed or wounded?",
    ], titles
    sentences = [m.value for m in at.markdown if m.value.startswith(("**Disagree:**", "**Inconsistent:**"))]
    assert sentences and not any("Oryx" in s for s in sentences)
    assert at.get("plotly_chart"), "the Overview draws the first question's chart"


def _page(params: dict, monkeypatch, facts: str | None = None):
    from streamlit.testing.v1 import AppTest

    if facts:
        monkeypatch.setenv("FACTDASH_FACTS", facts)
    else:
        monkeypatch.delenv("FACTDASH_FACTS", raising=False)
    at = AppTest.from_file(str(ROOT / "dashboard" / "app" / "main.py"), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("views/questions.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_questions_page_draws_nested_measures_with_their_relation(monkeypatch):
    at = _page({"question": "How many tanks has Russia lost?"}, monkeypatch)
    assert at.selectbox(key="question").value == "russian-tanks"
    (chart,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    layout = chart["layout"]
    assert layout["meta"]["chart"] == "question"
    subtitle = layout["title"]["subtitle"]["text"].replace("<br>", " ")  # broken in lines a phone shows whole
    assert "confirmed by photo or video is part of Russian tanks lost" in subtitle
    names = " ".join(t.get("name", "") for t in chart["data"])
    assert "Oryx" in names and "General Staff" in names
    text = " ".join(m.value for m in at.markdown)
    assert "Explained by the measure" in text and "Disagree**" not in text


def test_the_questions_page_works_on_a_base_without_questions(write, minimal, monkeypatch):
    path = write(
        "facts.yaml",
        minimal
        + "facts:\n"
        + fact("a", "nk-casualties", "us-officials", "2025-01", 1200, "approximately")
        + fact("b", "nk-casualties", "zelenskyy", "2025-01", 4000),
    )
    at = _page({}, monkeypatch, facts=str(path))
    assert at.selectbox(key="question").options == ["North Korean casualties"]
    text = " ".join(m.value for m in at.markdown)
    assert "Disagree" in text and "3\\.3 times" in text
