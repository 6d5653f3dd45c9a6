"""The measure of US aid (drawdown, USAI, total) and the confidence that says how it was told."""

import os

import pytest

from dashboard.curation.extract import aid_measure, default_catalog, extract_figures

from .conftest import SHARED

SEED = SHARED / "sources" / "000_4e7bbd2c5e9e8a58.txt"


@pytest.fixture(scope="module")
def catalog():
    return default_catalog()


def _figure(text, catalog, value):
    return next(f for f in extract_figures(text, catalog) if f.value == value)


@pytest.mark.skipif(
    not SEED.exists() and os.environ.get("CI") != "true", reason="no ../shared/sources beside the checkout"
)  # CI always has it
def test_seed_package_is_a_drawdown_with_doubt(catalog):
    f = _figure(SEED.read_text(), catalog, 500_000_000)
    # The clause says only "security assistance"; "presidential drawdown authority" is a sentence later.
    assert f.metric == "us-pda-package"
    assert f.sure != "high"


def test_175_billion_in_aid_is_a_total(catalog):
    f = _figure("The United States has provided more than $175 billion in aid to Ukraine.", catalog, 175e9)
    assert f.aggregation == "cumulative"
    assert f.metric not in ("us-pda-package", "us-usai-commitment")


def test_explicit_cues_are_sure(catalog):
    pda = _figure("The Pentagon announced a $400 million drawdown package for Ukraine.", catalog, 400e6)
    usai = _figure("The Pentagon announced $1.2 billion in USAI contracts for Ukraine.", catalog, 1.2e9)
    assert (pda.metric, usai.metric) == ("us-pda-package", "us-usai-commitment")
    assert pda.sure == usai.sure == "high"


@pytest.mark.parametrize(
    ("clause", "context", "expected"),
    [
        ("$500 million from u.s. stocks", "", ("drawdown", "clause")),
        ("$2 billion to procure air defense", "", ("usai", "clause")),
        ("$66 billion since february 2022", "a new drawdown package", ("total", "clause")),
        ("a drawdown and usai contracts worth $1 billion", "", ("conflict", "clause")),
        ("$500 million in security assistance", "presidential drawdown authority", ("drawdown", "context")),
        ("$500 million in security assistance", "", (None, "")),
    ],
)
def test_aid_measure(clause, context, expected):
    assert aid_measure(clause, context) == expected


# ---- every paragraph of tests/articles/, scored by benchmarks/extraction.py ---------------------------------


def test_all_articles_recall_precision_and_measure(catalog):
    """Measured 2026-12-02 on 25 paragraphs (13 old, 12 new): recall 100%, precision 100%, measure right 10 of 23."""
    from benchmarks.extraction import all_names, score

    s = score(all_names(), catalog)
    print(f"\nrecall {s.recall:.0%}, precision {s.precision:.0%}, measure {s.measure_right}/{s.measured}")
    print("\n".join(s.lines))
    assert s.paragraphs >= 23
    assert s.recall >= 0.95, s.lines
    assert s.precision >= 0.95, s.lines
    assert s.measured >= 20
    assert s.measure_share >= 0.40, s.lines  # 43% measured: the killed/wounded and stage rules miss (see docs)
