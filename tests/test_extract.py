"""`factdash extract`: figures, qualifiers, units, claimants and events from news text, scored on tests/articles."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from dashboard.cli import main
from dashboard.curation.attribution import normalise
from dashboard.curation.extract import Catalog, default_catalog, extract_events, extract_figures, propose

ROOT = Path(__file__).resolve().parent.parent
RAMSTEIN = ROOT.parent / "shared" / "sources" / "000_4e7bbd2c5e9e8a58.txt"
ARTICLES = Path(__file__).resolve().parent / "articles"
OUTLET = "the-outlet"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return default_catalog()


def _ramstein() -> str:
    if not RAMSTEIN.is_file():
        pytest.fail(f"{RAMSTEIN} is missing: the shared/ folder must sit beside the checkout")
    return RAMSTEIN.read_text(encoding="utf-8")


# ---- the Ramstein report -------------------------------------------------------------------------------


def test_ramstein_finds_exactly_the_five_figures(catalog):
    figures = extract_figures(_ramstein(), catalog, published="2025-01-09", outlet=OUTLET)
    got = [(f.value, f.unit, f.qualifier, f.claimant) for f in figures]
    assert got == [
        (500e6, "USD", "exact", "us-dod"),
        (1200, "people", "approximately", "us-officials"),
        (4000, "people", "exact", "zelenskyy"),
        (3.85e9, "USD", "approximately", "us-officials"),
        (66e9, "USD", "more_than", OUTLET),
    ]
    by_value = {f.value: f for f in figures}
    assert by_value[66e9].since == "2022-02"
    assert by_value[66e9].aggregation == "cumulative"
    assert by_value[3.85e9].aggregation == "level"
    assert by_value[500e6].stage == "announced"
    assert by_value[1200].metric == by_value[4000].metric == "soldier-casualties-north-korea"
    assert by_value[3.85e9].metric == "us-pda-authority-remaining"
    assert by_value[66e9].metric == "us-military-aid-cumulative"
    assert all(f.as_of == "2025-01-09" for f in figures)
    assert all(f.sentence in _ramstein() for f in figures)


def test_ramstein_finds_the_three_dated_events():
    events = extract_events(_ramstein(), "2025-01-09")
    labels = [e.label for e in events]
    assert len(events) == 3, labels
    assert "Ramstein" in events[0].sentence and "meeting" in events[0].sentence
    assert "second offensive" in labels[1] and "Kursk" in labels[1]
    assert "through 2027" in labels[2] and events[2].horizon == "2027"
    assert {e.date for e in events} == {"2025-01-09"}


def test_ramstein_proposal_validates_with_the_fact_base(tmp_path, capsys):
    """extract's output plus schema_version and an include of the fact base is a valid fact file."""
    assert main(["extract", str(RAMSTEIN), "--published", "2025-01-09"]) == 0
    text = capsys.readouterr().out
    document = yaml.safe_load(text)
    assert set(document) == {"sources", "claimants", "metrics", "facts", "events"}
    assert len(document["facts"]) == 5 and len(document["events"]) == 3
    assert text.count("# confidence: ") == 5
    facts_path = ROOT / "facts.yaml"
    merged = tmp_path / "proposal.yaml"
    merged.write_text(f"schema_version: 1\ninclude:\n  - {facts_path}\n" + text, encoding="utf-8")
    # The proposal includes the bundled base from elsewhere: a root that holds both, said on purpose.
    root = os.path.commonpath([tmp_path, ROOT])
    assert main(["--root", root, "validate", str(merged)]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "OK" in out


def test_extract_writes_nothing(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(_ramstein(), encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dashboard.cli",
            "extract",
            str(article),
            "--source-url",
            "https://example.org/news/ramstein",
            "--published",
            "2025-01-09",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    document = yaml.safe_load(result.stdout)
    ((source_id, source),) = document["sources"].items()
    assert source["url"] == "https://example.org/news/ramstein" and source["published"] == "2025-01-09"
    assert {f["source"] for f in document["facts"]} == {source_id}


def test_extract_reports_an_unreadable_article(capsys):
    assert main(["extract", "/nonexistent/article.txt"]) == 2
    assert "cannot read /nonexistent/article.txt" in capsys.readouterr().err


# ---- small cases the rules must get right -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "value", "unit", "qualifier"),
    [
        ("Germany has pledged €1.4bn in further aid, the defence ministry said.", 1.4e9, "EUR", "exact"),
        ("Britain will provide £3bn a year, the prime minister said.", 3e9, "GBP", "exact"),
        ("Officials said up to 13,000 soldiers had died.", 13000, "people", "at_most"),
        ("The army has lost more than 2,000 tanks, analysts said.", 2000, "items", "more_than"),
        ("Nearly 50 countries attended, officials said.", 50, "countries", "approximately"),
        ("At least 4,000 troops were wounded, the ministry said.", 4000, "people", "at_least"),
    ],
)
def test_money_counts_and_qualifiers(sentence, value, unit, qualifier):
    (figure,) = extract_figures(sentence)
    assert (figure.value, figure.unit, figure.qualifier) == (value, unit, qualifier)


@pytest.mark.parametrize(
    "sentence",
    [
        "Spending rose 15% in 2023 as F-16s arrived for the 25th meeting on 9 January 2025.",
        "The 2.5 per cent target dates from 2014.",
        "The war began on 24 February 2022, and by 2024 it was in its third year.",
    ],
)
def test_years_percentages_ordinals_and_names_are_not_figures(sentence):
    assert extract_figures(sentence) == []


# ---- the test paragraphs: recall, precision, claimants ------------------------------------------------------


def _matches(found, expected: dict) -> bool:
    if found.unit != expected["unit"]:
        return False
    if "value" in expected:
        return found.value is not None and abs(found.value - expected["value"]) <= 0.005 * expected["value"]
    return (
        found.low is not None
        and abs(found.low - expected["low"]) <= 0.005 * expected["low"]
        and abs(found.high - expected["high"]) <= 0.005 * expected["high"]
    )


def _claimant_right(found, expected) -> bool:
    if expected == "outlet":
        return found.claimant == OUTLET
    if isinstance(expected, dict):  # {new: "words of the name"}
        return found.claimant_new is not None and normalise(expected["new"]) in normalise(found.claimant_name)
    return found.claimant == expected


def test_articles_recall_precision_and_claimants(catalog):
    names = sorted(p.stem for p in ARTICLES.glob("*.txt"))
    assert len(names) >= 10
    expected_total = found_total = true_positives = claimant_right = 0
    lines = []
    for name in names:
        text = (ARTICLES / f"{name}.txt").read_text(encoding="utf-8")
        spec = yaml.safe_load((ARTICLES / f"{name}.expected.yaml").read_text(encoding="utf-8"))
        assert spec["url"].startswith("https://")
        found = extract_figures(text, catalog, published=spec["published"], outlet=OUTLET)
        unmatched = list(found)
        for want in spec["figures"]:
            hit = next((f for f in unmatched if _matches(f, want)), None)
            if hit is None:
                lines.append(f"{name}: missed {want}")
                continue
            unmatched.remove(hit)
            true_positives += 1
            if _claimant_right(hit, want["claimant"]):
                claimant_right += 1
            else:
                lines.append(
                    f"{name}: {hit.text}: claimant {hit.claimant} ({hit.claimant_name!r}), expected {want['claimant']}"
                )
            if hit.qualifier != want["qualifier"]:
                lines.append(f"{name}: {hit.text}: qualifier {hit.qualifier}, expected {want['qualifier']}")
        lines += [f"{name}: proposed {f.text!r} ({f.unit}), not expected" for f in unmatched]
        expected_total += len(spec["figures"])
        found_total += len(found)
    recall = true_positives / expected_total
    precision = true_positives / found_total
    claimants = claimant_right / true_positives
    print(
        f"\nextract on {len(names)} paragraphs: {expected_total} figures expected, {found_total} proposed; "
        f"recall {recall:.0%}, precision {precision:.0%}, claimant right {claimants:.0%}"
    )
    print("\n".join(lines))
    assert recall >= 0.90, lines
    assert precision >= 0.90, lines
    assert claimants >= 0.80, lines


def test_expected_files_use_only_known_fields():
    for path in ARTICLES.glob("*.expected.yaml"):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert (path.with_name(path.name.replace(".expected.yaml", ".txt"))).is_file()
        for want in spec["figures"]:
            assert set(want) <= {"value", "low", "high", "unit", "qualifier", "claimant", "from"}, path
            assert ("value" in want) != ("low" in want and "high" in want), path


# ---- speed and imports ------------------------------------------------------------------------------------


def test_fast_enough_per_sentence(catalog):
    text = _ramstein()
    extract_figures(text, catalog, published="2025-01-09")  # dateparser loads its tables on first use
    sentences = len(re.findall(r"[.!?](?:\s|$)", text))
    started = time.perf_counter()
    extract_figures(text, catalog, published="2025-01-09")
    per_sentence = (time.perf_counter() - started) / sentences
    assert per_sentence < 0.1, f"{per_sentence * 1000:.0f} ms per sentence"


def test_import_has_no_side_effects():
    code = (
        "import sys, dashboard.curation.extract as e; "
        "print('dateparser' in sys.modules, e.default_catalog.cache_info().currsize)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.stdout.split() == ["False", "0"], result.stderr


def test_proposal_without_fact_base_proposes_claimants():
    text = propose("Russia has lost 5,000 tanks, the Kiel Institute said.", Catalog.empty(), published="2024-05-01")
    document = yaml.safe_load(text)
    (fact,) = document["facts"]
    assert fact["claimant"] in document["claimants"]
    assert "Kiel Institute" in document["claimants"][fact["claimant"]]["name"]
    assert fact["metric"] in document["metrics"]
