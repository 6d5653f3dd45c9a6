"""The US packages imported, their running sum reconciled with the totals stated, and the checks on both."""

from __future__ import annotations

import csv
import textwrap

import pytest

from dashboard import load_factbase
from dashboard.analysis.checks import run_checks
from dashboard.analysis.reconcile import BEHIND, CANNOT_REACH, WITHIN, announced_packages, reconciliations

from .conftest import ROOT

PACKAGES = ROOT / "data" / "us-packages" / "us_security_assistance_packages.csv"
KINDS = {
    "pda_usd_millions": "us-pda-package",
    "usai_usd_millions": "us-usai-commitment",
    "fmf_usd_millions": "us-fmf-financing",
}


@pytest.fixture(scope="module")
def base():
    return load_factbase(ROOT / "facts.yaml")


@pytest.fixture(scope="module")
def rows():
    with PACKAGES.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def imported(base):
    return base.facts[base.facts["via"] == "ukraineaidtracker-packages"]


def test_one_fact_per_package_and_kind_and_none_for_an_empty_cell(rows, imported):
    assert len(rows) == 89
    expected = {
        (KINDS[column], row["date"], float(row[column]) * 1e6)
        for row in rows
        for column in KINDS
        if row[column].strip()
    }
    got = set(zip(imported["metric"], imported["as_of"].dt.strftime("%Y-%m-%d"), imported["value"], strict=True))
    assert got == expected and len(imported) == len(expected) == 101
    assert set(imported["stage"]) == {"announced"}
    # 2024-12-30 holds two kinds: two facts, not one of $2.47 billion
    assert len(imported[imported["as_of"] == "2024-12-30"]) == 2


def test_every_package_fact_cites_its_own_page_and_names_the_dataset_and_its_terms(rows, base, imported):
    pages = {row["date"]: row["source_url"] for row in rows}
    for fact in imported.to_dict("records"):
        assert fact["url"] == pages[fact["as_of"].strftime("%Y-%m-%d")]
        assert fact["published"] == fact["as_of"]  # the page's own date
    dataset = base.sources.loc["ukraineaidtracker-packages"]
    assert (
        "UkraineAidTracker.org" in dataset["publisher"]
        and "reference to the UkraineAidTracker.org" in dataset["license"]
    )
    by_site = dict(zip(imported["url"], imported["claimant"], strict=True))
    assert {claimant for url, claimant in by_site.items() if "defense.gov" in url} == {"us-dod"}
    assert by_site["https://www.state.gov/u-s-security-cooperation-with-ukraine/"] == "us-state-department"
    assert {c for u, c in by_site.items() if u.startswith("https://www.whitehouse.gov/")} == {"us-white-house"}
    # The pages' headlines are not in the dataset: each title is a description, shown as one.
    assert imported["source_title"].str.fullmatch(r"\[Announcement of US security assistance for Ukraine, .*\]").all()


def test_the_running_sum_counts_each_package_once_from_february_2022_without_fmf(base):
    (reconciled,) = reconciliations(base)
    assert reconciled.metric == "us-military-aid-cumulative"
    assert reconciled.parts == ("us-pda-package", "us-usai-commitment")
    counted = reconciled.packages
    assert counted["as_of"].min().strftime("%Y-%m-%d") == "2022-02-25"  # 23 December 2021 is before the invasion
    assert "us-fmf-financing" not in set(counted["metric"])
    # Four outlets and the Department's page report the $500 million of 9 January 2025; bigev.news gives the
    # $988 million USAI package of 7 December 2024 as "December 2024": each is counted once.
    assert len(counted[(counted["as_of"] == "2025-01-09")]) == 1
    assert reconciled.sums["running_sum"].iloc[-1] == pytest.approx((34_025 - 200 + 33_208) * 1e6)
    assert reconciled.sum_label == "Sum of announced PDA + USAI packages since February 2022 (computed)"


def test_the_gap_to_the_stated_total_is_a_figure_a_sentence_and_the_note_that_explains_it(base):
    (reconciled,) = reconciliations(base)
    latest = reconciled.totals.iloc[-1].to_dict()
    assert latest["as_of"].strftime("%Y-%m-%d") == "2025-01-09"
    assert latest["gap"] == pytest.approx(67_033e6 - 66e9)
    assert latest["verdict"] == WITHIN  # "more than $66 billion", $1.03 billion under the packages
    assert reconciled.sentence(latest).endswith(
        "stated more than $66 billion; the packages announced by then add up to $67.03 billion: the packages run "
        "$1.03 billion ahead of it."
    )
    assert "overvalued drawdown equipment" in reconciled.note and "$8.2 billion" in reconciled.note
    # The headline is the Department's own latest total against its own packages.
    headline = reconciled.headline
    assert (headline["claimant"], headline["as_of"].strftime("%Y-%m-%d")) == ("us-dod", "2024-12-07")
    assert reconciled.sentence(headline) == (
        "On 7 December 2024 US Department of Defense stated more than $62 billion; the packages announced by then "
        "add up to $63.56 billion: the packages run $1.56 billion ahead of it."
    )
    assert reconciled.explained_gap == 8.2e9


SMALL = """\
schema_version: 1
sources:
  page:
    title: The Department's page
    kind: government
    published: 2023-01-01
claimants:
  dod:
    name: The Department
    kind: government
    party_to_conflict: false
metrics:
  package:
    label: Drawdown (PDA) package
    unit: USD
    category: aid
    aggregation: increment
  total:
    label: Security assistance committed
    unit: USD
    category: aid
    aggregation: cumulative
    since: 2022-02
    adds_up:
      metrics: [package]
      explained_gap: $1 billion
      note: A revaluation.
facts:
  - {id: before, metric: package, value: $5 billion, as_of: 2022-01-10, claimant: dod, source: page}
  - {id: p1, metric: package, value: $2 billion, as_of: 2022-03-01, claimant: dod, source: page}
  - {id: p2, metric: package, value: $3 billion, as_of: 2022-06-01, claimant: dod, source: page}
  - {id: fits, metric: total, value: $4.5 billion, as_of: 2022-06-30, claimant: dod, source: page}
  - {id: too-much, metric: total, value: $9 billion, as_of: 2022-06-30, claimant: dod, source: page}
  - {id: too-little, metric: total, value: $2 billion, as_of: 2022-07-01, claimant: dod, source: page}
  - {id: a-floor, metric: total, value: $2 billion, qualifier: more_than, as_of: 2022-07-02, claimant: dod,
     source: page}
"""


def test_check_warns_of_a_total_the_packages_cannot_reach_or_outrun_by_more_than_the_known_gap(write):
    base = load_factbase(write("facts.yaml", SMALL))
    (reconciled,) = reconciliations(base)
    verdicts = dict(zip(reconciled.totals["fact_id"], reconciled.totals["verdict"], strict=True))
    # The package of January 2022 is before the total's start; $5 billion by June.
    assert verdicts == {"fits": WITHIN, "too-much": CANNOT_REACH, "too-little": BEHIND, "a-floor": WITHIN}
    found = {f.fact_ids[0]: f for f in run_checks(base) if f.check == "total-vs-packages"}
    assert set(found) == {"too-much", "too-little"}
    assert "stated $9 billion; the packages announced by then add up to $5 billion" in found["too-much"].message
    assert "the packages cannot reach it" in found["too-much"].message
    assert "more than the $1 billion the metric's adds_up explains" in found["too-little"].message
    assert found["too-much"].locations[0].endswith("facts.yaml:33")  # the line of its fact


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("metrics: [package]", "metrics: [packages]"), "adds_up names an unknown metric 'packages'"),
        (("explained_gap: $1 billion", "explained_gap: lots"), "explained_gap: 'lots' is not a number"),
        (("metrics: [package]", "metrics: [total]"), "only increments (one package each) add up to a running total"),
        (
            (
                "    unit: USD\n    category: aid\n    aggregation: increment",
                "    unit: EUR\n    category: aid\n    aggregation: increment",
            ),
            "its unit is 'USD' and 'package' has 'EUR'",
        ),
    ],
)
def test_adds_up_problems_are_located(write, change, message):
    from dashboard.factbase.errors import FactBaseError

    with pytest.raises(FactBaseError) as caught:
        load_factbase(write("facts.yaml", SMALL.replace(*change)))
    assert message in str(caught.value) and "facts.yaml:" in str(caught.value)


def test_check_warns_of_a_source_a_reader_cannot_find(write):
    text = textwrap.dedent(
        """\
        schema_version: 1
        sources:
          described:
            title: A report on the meeting
            title_kind: description
            kind: news
          dated:
            title: A report on the meeting
            title_kind: description
            published: 2025-01
            kind: news
          titled:
            title: The headline as published
            kind: news
        claimants:
          c: {name: C, kind: media, party_to_conflict: false}
        metrics:
          m: {label: M, unit: people, category: x, aggregation: level}
        facts:
          - {id: a, metric: m, value: 1, as_of: 2025-01-01, claimant: c, source: described}
          - {id: b, metric: m, value: 1, as_of: 2025-01-01, claimant: c, source: dated}
          - {id: d, metric: m, value: 1, as_of: 2025-01-01, claimant: c, source: titled}
        """
    )
    base = load_factbase(write("facts.yaml", text))
    found = [f for f in run_checks(base) if f.check == "source-unfindable"]
    assert [f.message.split("'")[1] for f in found] == ["described"]
    assert found[0].locations == [f"{base.files[0]}:3"]
    titles = dict(zip(base.facts["fact_id"], base.facts["source_title"], strict=True))
    assert titles == {
        "a": "[A report on the meeting]",
        "b": "[A report on the meeting]",
        "d": "The headline as published",
    }


def test_announced_packages_ignore_delivered_figures_and_other_metrics(base):
    counted = announced_packages(base.facts, ("us-usai-commitment",))
    assert set(counted["metric"]) == {"us-usai-commitment"}
    assert set(counted["stage"]) <= {"announced", "committed"}
    assert counted.duplicated(["metric", "as_of"]).sum() == 0


def test_a_total_with_no_package_before_it_is_one_the_packages_cannot_reach(write):
    text = SMALL.replace("as_of: 2022-03-01", "as_of: 2023-03-01").replace("as_of: 2022-06-01,", "as_of: 2023-06-01,")
    base = load_factbase(write("facts.yaml", text))
    (reconciled,) = reconciliations(base)
    assert set(reconciled.totals["sum_at"]) == {0.0}  # nothing announced since February 2022 by then
    assert set(reconciled.totals["verdict"]) == {CANNOT_REACH}
