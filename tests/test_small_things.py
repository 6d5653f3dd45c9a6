"""Issue 19: small things a person notices (counts that disagree, twin titles, ids shown for labels,
a link that shows part of what it names)."""

from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qs, urlparse

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import load_factbase
from dashboard.analysis.conflicts import conflict_title, find_conflicts
from dashboard.analysis.figurecheck import check_candidate, check_text
from dashboard.app.ui.components import md

from .conftest import ROOT
from .factbases import fact, load_facts

APP = str(ROOT / "dashboard" / "app" / "main.py")


@pytest.fixture(scope="module")
def base():
    return load_factbase(ROOT / "facts.yaml")


def _app(monkeypatch, page: str | None = None, params: dict | None = None) -> AppTest:
    monkeypatch.delenv("FACTDASH_FACTS", raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    if page:
        at.switch_page(page)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


# ---- 1. the Overview's sources and `factdash validate`'s -----------------------------------------


def test_the_overview_says_sources_cited_of_those_declared(base, monkeypatch):
    cited, declared = base.facts["source"].nunique(), len(base.sources)
    assert cited < declared  # the default base declares sources no fact cites (datasets, trackers)
    assert f", {declared} sources, " in base.summary()  # what `factdash validate` prints
    at = _app(monkeypatch)
    metrics = {m.label: m.value for m in at.metric}
    assert "Sources" not in metrics  # a bare "Sources" read as the declared count
    assert metrics["Sources cited"] == f"{cited:,} of {declared:,}"


# ---- 2. conflict groups' titles ----------------------------------------------------------------


def test_no_two_groups_of_the_default_base_share_a_title(base):
    titles = Counter(conflict_title(c) for c in find_conflicts(base.facts))
    assert titles and not [title for title, count in titles.items() if count > 1]


def test_two_groups_of_one_month_are_told_apart_by_their_days(write, minimal):
    facts = load_facts(
        write,
        minimal,
        fact("a", "nk-casualties", 1000, "2025-01-01", "us-officials"),
        fact("b", "nk-casualties", 3000, "2025-01-03", "zelenskyy"),
        fact("c", "nk-casualties", 2000, "2025-01-20", "us-officials"),
        fact("d", "nk-casualties", 5000, "2025-01-22", "zelenskyy"),
        fact("e", "nk-casualties", 6000, "2025-03", "zelenskyy"),
        fact("f", "nk-casualties", 6100, "2025-03-12", "us-officials"),
    ).facts
    titles = [conflict_title(c) for c in find_conflicts(facts, window_days=14)]
    assert sorted(titles) == [
        "North Korean casualties, 1 to 3 January 2025",
        "North Korean casualties, 20 to 22 January 2025",
        "North Korean casualties, March 2025",  # a month-only figure keeps its precision
    ]


def test_the_compare_page_and_its_chart_carry_the_groups_title(base, monkeypatch):
    at = _app(monkeypatch, "views/compare.py")
    chosen = at.selectbox(key="group").value
    (conflict,) = [c for c in find_conflicts(base.facts) if c.group_id == chosen]
    assert [s.value for s in at.subheader][0] == md(conflict_title(conflict))


# ---- 3. the figure checker names measures by their labels --------------------------------------

SENTENCE = "The U.S. estimates North Korean casualties at around 1,200."
LABEL = "North Korean soldiers killed and wounded in the Kursk region"


def test_the_checkers_verdict_names_the_measure_not_its_id(base):
    (candidate,) = [c.candidate for c in check_text(SENTENCE, base)]
    assert candidate.metric == "soldier-casualties-north-korea"
    # No fact of that time: the verdict said "soldier-casualties-north-korea: the fact base has no figure ...".
    check = check_candidate(candidate, base.facts, as_of="1990", metrics=base.metrics)
    assert check.verdict.startswith(f"{LABEL}: ") and candidate.metric not in check.verdict


def test_the_check_box_shows_the_measures_label(monkeypatch):
    at = _app(monkeypatch, "views/sources.py")
    at.text_area(key="check-text").set_value(SENTENCE)
    at.button[0].click().run()
    assert not at.exception, at.exception
    verdicts = [m.value for m in at.markdown if "**Verdict:" in m.value]
    assert verdicts and all("soldier-casualties-north-korea" not in v for v in verdicts)
    assert any(f"measure: {LABEL};" in v for v in verdicts)


# ---- 4. a finding's "show the facts" link shows every fact it names ----------------------------


def test_a_findings_link_shows_every_fact_it_names(monkeypatch):
    at = _app(monkeypatch, "views/quality.py")
    findings = at.dataframe[0].value
    two = findings[findings["fact_ids"].map(len) == 2]
    assert len(two), "the default base has a finding naming two facts"
    link, ids = two["facts"].iloc[0], list(two["fact_ids"].iloc[0])
    address = urlparse(link)
    assert address.path == "quality"
    (finding,) = parse_qs(address.query)["finding"]
    opened = _app(monkeypatch, "views/quality.py", {"finding": finding})
    assert "The facts of a finding" in [s.value for s in opened.subheader]
    shown = next(t.value for t in opened.dataframe if "fact_id" in t.value.columns)
    assert sorted(shown["fact_id"]) == sorted(ids)
    # A stale link says so instead of showing nothing.
    stale = _app(monkeypatch, "views/quality.py", {"finding": "0" * 16})
    assert any("no longer made" in i.value for i in stale.info)
