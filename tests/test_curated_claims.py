"""The claims curated from the source notes (US aid totals, North Korean casualties): word for word,
the claimant not the outlet, and the questions they answer."""

from __future__ import annotations

import os

import pytest

from dashboard import load_factbase
from dashboard.analysis.questions import answers_of

from .conftest import ROOT, SHARED

NOTES = {
    "facts/us-aid-totals.yaml": SHARED / "sources" / "us-aid-totals.md",
    "facts/nk-casualties.yaml": SHARED / "sources" / "nk-casualties.md",
}
needs_notes = pytest.mark.skipif(
    not SHARED.joinpath("sources").is_dir() and os.environ.get("CI") != "true",
    reason="no ../shared/sources beside the checkout",
)  # CI always has it


def note_rows(path) -> list[dict]:
    """The rows of a note's table: its cells by the header's names."""
    header, rows = None, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| "):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if header is None:
            header = cells
        elif not set(line) <= set("|- "):
            rows.append(dict(zip(header, cells, strict=False)))
    return rows


@pytest.fixture(scope="module")
def base():
    return load_factbase(ROOT / "facts.yaml")


@needs_notes
@pytest.mark.parametrize("curated", list(NOTES))
def test_every_quote_is_word_for_word_a_piece_of_its_rows_words(base, curated):
    rows = note_rows(NOTES[curated])
    words_at: dict[str, list[str]] = {}
    for row in rows:
        words_at.setdefault(row["address"], []).append(row["the words"])
    facts = base.facts[base.facts["file"].str.endswith(curated)]
    assert len(facts) >= 16
    for fact in facts.to_dict("records"):
        cells = words_at.get(fact["url"])
        assert cells, f"{fact['fact_id']}: its source's address {fact['url']} is no row's address"
        # One contiguous piece of the words: never joined across a cut ([...] or … between quotes).
        assert any(fact["quote"] in cell for cell in cells), f"{fact['fact_id']}: {fact['quote']!r} not in {cells}"
        assert '" … "' not in fact["quote"]
    # Every row that states a figure gave a fact (the Pentagon's "killed and wounded" with no number gives none).
    cited = set(facts["url"])
    figures = [r for r in rows if any(ch.isdigit() for ch in r["the words"])]
    assert {r["address"] for r in figures} <= cited


@needs_notes
def test_reprints_say_so_and_every_source_has_a_title_kind_and_a_date_where_the_note_gives_one(base):
    for curated, note in NOTES.items():
        rows = {r["address"]: r for r in note_rows(note)}
        facts = base.facts[base.facts["file"].str.endswith(curated)]
        for fact in facts.to_dict("records"):
            row = rows[fact["url"]]
            if row["read on"].startswith("S"):
                said = str(fact["note"]).lower()
                assert any(w in said for w in ("reprint", "read in", "paraphrase", "as reported by")), fact["fact_id"]
            assert fact["source_title"].startswith("[")  # the notes record no headlines: descriptions, marked
    sources = base.sources
    assert (sources.loc[sources.index.str.startswith("us-package-page-"), "published"].notna()).all()


def test_the_claimant_is_who_says_it_not_the_outlet(base):
    curated = base.facts[base.facts["file"].str.contains("us-aid-totals|nk-casualties")]
    # Trump's words on a fact-checker's page are Trump's claim; the fact-checker's own figures are its own.
    trump = curated[curated["claimant"] == "trump"]
    assert len(trump) >= 3 and "us-aid-definition-not-stated" in set(trump["metric"])
    assert set(trump["publisher"]) != {None}
    assert set(curated.loc[curated["quote"].str.contains("Several hundred casualties"), "claimant"]) == {
        "us-senior-military-official"
    }
    # An outlet is the claimant only of words in its own voice (AP's wire copy, the fact-checkers).
    outlets = set(curated.loc[curated["claimant_kind"] == "media", "claimant"])
    assert outlets <= {"ap", "cnn", "check-your-fact", "factcheck-org", "politifact"}, outlets


def test_the_us_aid_question_shows_350_billion_as_an_inconsistency_and_the_measures_as_explained(base):
    answer = next(a for a in answers_of(base) if a.question.id == "us-aid")
    assert answer.question.title == "How much has the US given Ukraine?"
    inconsistent = [f for f in answer.inconsistencies if "350" in f.sentence]
    assert inconsistent, [f.sentence for f in answer.inconsistencies]
    metrics = dict(zip(base.facts["fact_id"], base.facts["metric"], strict=True))
    assert any(
        {metrics[i] for i in f.fact_ids} == {"us-aid-definition-not-stated", "us-aid-made-available"}
        for f in inconsistent
    )
    explained = {frozenset(metrics[i] for i in f.fact_ids) for f in answer.explained}
    for part, whole in (
        ("us-aid-appropriated", "us-aid-made-available"),
        ("us-aid-disbursed", "us-aid-obligated"),
    ):
        assert frozenset({part, whole}) in explained, (part, whole)
    assert any("us-military-aid-cumulative" in pair for pair in explained)
    # No disagreement sets two measures against each other; euros are never set against dollars.
    for finding in answer.disagreements:
        assert len({metrics[i] for i in finding.fact_ids}) == 1
    units = dict(zip(base.facts["fact_id"], base.facts["unit"], strict=True))
    for finding in answer.explained + answer.inconsistencies + answer.disagreements:
        assert len({units[i] for i in finding.fact_ids}) == 1


def test_the_us_aid_answers_run_from_3_to_350_billion_each_with_its_words_and_link(base):
    question = next(a for a in answers_of(base) if a.question.id == "us-aid").question
    facts = base.facts[base.facts["metric"].isin(question.metrics) & (base.facts["unit"] == "USD")]
    totals = facts[facts["aggregation"] == "cumulative"]
    assert totals["value"].min() == 3e9 and totals["value"].max() == 350e9
    stated = totals[totals["claimant"] != "ramstein-report-outlet"]
    assert stated["quote"].notna().all() and stated["url"].notna().all()
    assert totals["metric"].nunique() >= 8  # one measure per definition


def test_the_north_korean_question_has_dated_estimates_measures_apart_and_the_4000_against_1200(base):
    answer = next(a for a in answers_of(base) if a.question.id == "nk-casualties")
    facts = base.facts[base.facts["metric"].isin(answer.question.metrics)]
    assert facts["as_of"].notna().sum() >= 12 and facts["claimant"].nunique() >= 6
    metrics = set(facts["metric"])
    assert {"soldier-deaths-north-korea", "soldiers-wounded-north-korea", "soldier-casualties-north-korea"} <= metrics
    parts = base.metrics["part_of"].dropna().to_dict()
    assert (
        parts["soldier-deaths-north-korea"] == parts["soldiers-wounded-north-korea"] == "soldier-casualties-north-korea"
    )
    # Killed against killed and wounded is explained by the measure, never a disagreement.
    by_id = facts.set_index("fact_id")
    for finding in answer.disagreements:
        assert by_id.loc[list(finding.fact_ids), "metric"].nunique() == 1
    # The report's conflict, now with a citable page for Zelenskyy's 4,000.
    (group,) = [
        f
        for f in answer.disagreements
        if {"nk-casualties-zelenskyy-2025-01-09-unn", "nk-casualties-us-2025-01"} <= set(f.fact_ids)
    ]
    assert by_id.at["nk-casualties-zelenskyy-2025-01-09-unn", "url"].startswith("https://unn.ua/")
    assert by_id.at["nk-casualties-zelenskyy-2025-01-09-unn", "value"] == 4000
    assert by_id.at["nk-casualties-us-2025-01", "value"] == 1200
    assert "4,000" in group.sentence
    # The curator's reading of a translation is said in the note.
    assert "killed and wounded" in by_id.at["nk-casualties-zelenskyy-2025-01-09-unn", "note"]


def test_euros_are_a_panel_of_their_own_never_converted(base):
    from dashboard.analysis.questions import measure_panels, questions_of

    for question_id in ("us-aid", "europe-aid"):
        question = next(q for q in questions_of(base) if q.id == question_id)
        panels, _, _ = measure_panels(question, base.metrics)
        units = {title: set(base.metrics.loc[metrics, "unit"]) for title, metrics in panels.items()}
        assert all(len(u) == 1 for u in units.values()), units  # one currency (or unit) per panel
        assert {"EUR"} in units.values() and {"USD"} in units.values()
    # Kiel's euro figures stay in euros; the dollar figures of Kiel's count are the speakers' own conversion.
    kiel = base.facts[base.facts["claimant"] == "kiel-institute"]
    assert set(kiel["unit"]) == {"EUR"}
    converted = base.facts[base.facts["metric"].isin(["us-aid-kiel-allocated-usd", "us-aid-kiel-committed-usd"])]
    assert set(converted["claimant"]) <= {"cnn", "check-your-fact"} and set(converted["unit"]) == {"USD"}
