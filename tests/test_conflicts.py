"""Conflicting figures: what is comparable, when figures disagree, the sentence, the JSON shape."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from dashboard import load_factbase
from dashboard.analysis.conflicts import (
    Conflict,
    comparable_groups,
    conflict_to_dict,
    conflicts_frame,
    find_conflicts,
    summarise,
)

from .conftest import ROOT
from .factbases import fact, load_facts

NK_US = fact(
    "nk-us",
    "nk-casualties",
    1200,
    "2025-01-09",
    "us-officials",
    qualifier="approximately",
    quote="The U.S. estimates North Korean casualties at around 1,200",
)
NK_ZELENSKYY = fact(
    "nk-zelenskyy", "nk-casualties", 4000, "2025-01-09", "zelenskyy", quote="while Zelenskyy claimed 4,000"
)


@pytest.fixture(scope="module")
def default_conflicts() -> list[Conflict]:
    return find_conflicts(load_factbase(ROOT / "facts.yaml").facts)


def test_two_claimants_that_disagree_form_one_group(write, minimal):
    (conflict,) = find_conflicts(load_facts(write, minimal, NK_US, NK_ZELENSKYY).facts)
    assert conflict.group_id == "nk-casualties:2025-01-09"
    assert conflict.ratio == pytest.approx(4000 / 1200)
    assert (conflict.overlap, conflict.conflicting) == (False, True)
    assert conflict.party_members == ["nk-zelenskyy"]
    assert conflict.members["fact_id"].tolist() == ["nk-zelenskyy", "nk-us"]  # highest first
    assert (conflict.as_of_from, conflict.as_of_to) == (pd.Timestamp("2025-01-09"), pd.Timestamp("2025-01-09"))
    assert (conflict.metric, conflict.unit, conflict.category) == ("nk-casualties", "people", "casualties")
    assert conflict.summary == (
        "Volodymyr Zelenskyy's 4,000 is 3.3 times the figure of about 1,200 from US officials (January 2025)."
    )


def test_an_open_ended_figure_does_not_conflict_with_one_inside_its_range(write, minimal):
    at_least = fact("a", "nk-casualties", 100, "2025-01-09", "us-officials", qualifier="at_least")
    about = fact("b", "nk-casualties", 300, "2025-01-09", "zelenskyy", qualifier="approximately")
    (conflict,) = find_conflicts(load_facts(write, minimal, at_least, about).facts)
    assert (conflict.overlap, conflict.conflicting) == (True, False)
    assert conflict.ratio == pytest.approx(3.0)
    assert conflict.summary.endswith("but the two are compatible as stated (January 2025).")


def test_about_stretches_ten_percent_and_no_further(write, minimal):
    about = fact("a", "nk-casualties", 1000, "2025-01-09", "us-officials", qualifier="approximately")
    inside = fact("b", "nk-casualties", 1100, "2025-01-09", "zelenskyy")
    outside = fact("b", "nk-casualties", 1101, "2025-01-09", "zelenskyy")
    assert find_conflicts(load_facts(write, minimal, about, inside).facts)[0].overlap
    assert not find_conflicts(load_facts(write, minimal, about, outside).facts)[0].overlap


def test_equal_figures_are_not_reported(write, minimal):
    facts = load_facts(
        write,
        minimal,
        fact("a", "nk-casualties", 1200, "2025-01-09", "us-officials"),
        fact("b", "nk-casualties", 1200, "2025-01-10", "zelenskyy"),
    ).facts
    assert find_conflicts(facts) == []


def test_one_claimant_alone_is_never_a_conflict(write, minimal):
    facts = load_facts(
        write,
        minimal,
        fact("a", "nk-casualties", 1200, "2025-01-09", "zelenskyy"),
        fact("b", "nk-casualties", 4000, "2025-01-10", "zelenskyy"),
    ).facts
    assert find_conflicts(facts) == []


def test_deaths_are_never_compared_with_casualties(write, minimal):
    facts = load_facts(
        write,
        minimal,
        fact("a", "nk-casualties", 4000, "2025-01-09", "zelenskyy"),
        fact("b", "nk-deaths", 300, "2025-01-09", "us-officials"),
    ).facts
    assert find_conflicts(facts) == []


def test_announced_aid_is_never_compared_with_delivered_aid(write, minimal):
    announced = fact("a", "aid-packages", "$500 million", "2025-01-09", "us-officials", stage="announced")
    delivered = fact("b", "aid-packages", "$200 million", "2025-01-09", "donor", stage="delivered")
    no_stage = fact("c", "aid-packages", "$100 million", "2025-01-09", "uk-mod")
    assert find_conflicts(load_facts(write, minimal, announced, delivered, no_stage).facts) == []
    same_stage = {**delivered, "stage": "announced"}
    (conflict,) = find_conflicts(load_facts(write, minimal, announced, same_stage).facts)
    assert conflict.group_id == "aid-packages:announced:2025-01-09"
    assert conflict.stage == "announced"
    assert conflict.summary == (
        "US officials' $500 million is 2.5 times the figure of $200 million from Donor government (January 2025)."
    )


def test_a_cumulative_figure_is_never_compared_with_a_package(write, minimal):
    package = fact("a", "aid-packages", "$500 million", "2025-01-09", "us-officials")
    total = fact("b", "aid-total", "$66 billion", "2025-01-09", "donor")
    assert find_conflicts(load_facts(write, minimal, package, total).facts) == []


def test_the_window_runs_from_the_first_figure_of_a_group(write, minimal):
    facts = load_facts(
        write,
        minimal,
        fact("a", "nk-casualties", 1000, "2025-01-01", "us-officials"),
        fact("b", "nk-casualties", 2000, "2025-01-21", "zelenskyy"),
        fact("c", "nk-casualties", 3000, "2025-02-10", "uk-mod"),
    ).facts
    # c is 20 days after b but 40 after a: it starts the next group, alone.
    assert comparable_groups(facts).tolist() == ["nk-casualties:2025-01-01"] * 2 + ["nk-casualties:2025-02-10"]
    assert [sorted(c.members["fact_id"]) for c in find_conflicts(facts)] == [["a", "b"]]
    assert [sorted(c.members["fact_id"]) for c in find_conflicts(facts, window_days=60)] == [["a", "b", "c"]]
    assert find_conflicts(facts, window_days=0) == []


def test_a_claimant_is_represented_by_its_latest_statement(write, minimal):
    facts = load_facts(
        write,
        minimal,
        fact("old", "nk-casualties", 9000, "2025-01-09", "zelenskyy", stated="2025-01-09"),
        fact("new", "nk-casualties", 4000, "2025-01-10", "zelenskyy", stated="2025-01-12"),
        NK_US,
    ).facts
    (conflict,) = find_conflicts(facts)
    assert conflict.members["fact_id"].tolist() == ["new", "nk-us"]
    assert conflict.ratio == pytest.approx(4000 / 1200)


def test_groups_that_do_not_overlap_come_first_then_by_ratio(write, minimal):
    facts = load_facts(
        write,
        minimal,
        fact("a1", "nk-casualties", 100, "2025-01-09", "us-officials", qualifier="at_least"),
        fact("a2", "nk-casualties", 900, "2025-01-09", "zelenskyy"),  # 9x, but compatible
        fact("b1", "nk-deaths", 100, "2025-01-09", "us-officials"),
        fact("b2", "nk-deaths", 150, "2025-01-09", "zelenskyy"),  # 1.5x
        fact("c1", "nk-deaths", 100, "2025-03-09", "us-officials"),
        fact("c2", "nk-deaths", 300, "2025-03-09", "zelenskyy"),
    ).facts  # 3x
    order = [(c.group_id, c.overlap) for c in find_conflicts(facts)]
    assert order == [
        ("nk-deaths:2025-03-09", False),
        ("nk-deaths:2025-01-09", False),
        ("nk-casualties:2025-01-09", True),
    ]


def test_sentences_read_qualifiers_ranges_and_close_figures(write, minimal):
    ranged = fact("a", "nk-casualties", None, "2025-01-09", "zelenskyy", low=3000, high=5000)
    at_least = fact("b", "nk-casualties", 1000, "2025-01-09", "us-officials", qualifier="at_least")
    (conflict,) = find_conflicts(load_facts(write, minimal, ranged, at_least).facts)
    assert conflict.summary == (
        "Volodymyr Zelenskyy's figure of between 3,000 and 5,000 is 4.0 times the figure "
        "of at least 1,000 from US officials, but the two are compatible as stated "
        "(January 2025)."
    )
    close = [
        fact("a", "nk-casualties", 1150, "2025-01-09", "zelenskyy"),
        fact("b", "nk-casualties", 1000, "2024-12-20", "us-officials"),
    ]
    (conflict,) = find_conflicts(load_facts(write, minimal, *close).facts)
    assert conflict.summary == (
        "Volodymyr Zelenskyy's 1,150 is 15% higher than the figure of 1,000 from "
        "US officials (December 2024 to January 2025)."
    )
    assert summarise(conflict.members, conflict.ratio, conflict.overlap) == conflict.summary


def test_a_filtered_or_empty_frame_is_fine(write, minimal):
    facts = load_facts(write, minimal, NK_US, NK_ZELENSKYY).facts
    assert find_conflicts(facts[facts["claimant"] == "zelenskyy"]) == []
    assert find_conflicts(facts.iloc[0:0]) == []
    with pytest.raises(ValueError, match="missing columns: central"):
        find_conflicts(facts.drop(columns=["central"]))
    with pytest.raises(ValueError, match="window_days must be 0 or more"):
        find_conflicts(facts, window_days=-1)


def test_members_are_a_frame_of_the_facts_columns(write, minimal):
    facts = load_facts(write, minimal, NK_US, NK_ZELENSKYY).facts
    (conflict,) = find_conflicts(facts)
    assert list(conflict.members.columns) == list(facts.columns)
    assert conflict.members is conflict.members  # cut once, then kept
    made = Conflict(
        "g",
        "m",
        "M",
        "people",
        "casualties",
        pd.Timestamp("2025-01-09"),
        pd.Timestamp("2025-01-09"),
        2.0,
        False,
        True,
        [],
        "A sentence.",
        facts,
    )
    assert made.members is facts and made.summary == "A sentence." and made.stage is None


def test_conflict_to_dict_is_json_with_nulls_for_missing_and_open_bounds(write, minimal):
    open_ended = fact("a", "nk-casualties", 100, "2025-01-09", "us-officials", qualifier="at_least")
    (conflict,) = find_conflicts(load_facts(write, minimal, open_ended, NK_ZELENSKYY).facts)
    data = json.loads(json.dumps(conflict_to_dict(conflict), allow_nan=False))
    assert {"metric", "as_of_from", "as_of_to", "ratio", "overlap", "summary", "members"} <= set(data)
    assert (data["as_of_from"], data["as_of_to"], data["ratio"]) == ("2025-01-09", "2025-01-09", 40)
    assert (data["overlap"], data["conflicting"], data["party_members"]) == (True, False, ["nk-zelenskyy"])
    low = data["members"][1]
    assert {"fact_id", "claimant", "value", "low", "high", "qualifier"} <= set(low)
    assert (low["fact_id"], low["value"], low["low"], low["high"]) == ("a", 100, None, None)
    assert (low["interval_low"], low["interval_high"], low["qualifier"]) == (100, None, "at_least")


def test_conflicts_frame_has_a_row_per_member(write, minimal):
    facts = load_facts(
        write,
        minimal,
        NK_US,
        NK_ZELENSKYY,
        fact("d1", "nk-deaths", 100, "2025-03-09", "us-officials"),
        fact("d2", "nk-deaths", 300, "2025-03-09", "zelenskyy"),
        fact("d3", "nk-deaths", 200, "2025-03-10", "uk-mod"),
    ).facts
    conflicts = find_conflicts(facts)
    frame = conflicts_frame(conflicts)
    assert list(frame.columns[:4]) == ["group_id", "ratio", "overlap", "summary"]
    assert frame["fact_id"].tolist() == ["nk-zelenskyy", "nk-us", "d2", "d3", "d1"]
    assert frame["group_id"].tolist() == ["nk-casualties:2025-01-09"] * 2 + ["nk-deaths:2025-03-09"] * 3
    assert frame["ratio"].tolist() == pytest.approx([4000 / 1200] * 2 + [3.0] * 3)
    assert list(conflicts_frame([]).columns[:5]) == ["group_id", "ratio", "overlap", "summary", "fact_id"]


# ---- the default fact base ------------------------------------------------------------------------


def test_default_north_korean_casualties_of_9_january_form_a_group_of_ratio_3_3(default_conflicts):
    groups = {c.group_id: c for c in default_conflicts if c.metric == "soldier-casualties-north-korea"}
    # The measure is compared within 7 days (its window_days): December's figures and January's apart.
    assert sorted(groups) == ["soldier-casualties-north-korea:2024-12-17", "soldier-casualties-north-korea:2025-01-09"]
    nk = groups["soldier-casualties-north-korea:2025-01-09"]
    assert nk.ratio == pytest.approx(3.33, abs=0.01) and nk.conflicting
    # Zelenskyy's 4,000 is represented by the page that reports his words (UNN), stated that day.
    assert sorted(nk.members["fact_id"]) == ["nk-casualties-us-2025-01", "nk-casualties-zelenskyy-2025-01-09-unn"]
    assert nk.party_members == ["nk-casualties-zelenskyy-2025-01-09-unn"]
    assert nk.summary.startswith("Volodymyr Zelenskyy's 4,000 is 3.3 times the figure of about 1,200 from US officials")
    december = groups["soldier-casualties-north-korea:2024-12-17"]
    assert december.as_of_to - december.as_of_from <= pd.Timedelta(days=7)
    assert "more than 3,000" in december.summary


def test_default_aid_figures_are_not_reported_as_conflicting(default_conflicts):
    aid = {"pda-package-500m-report", "pda-remaining-report", "us-aid-cumulative-report"}
    involved = [c for c in default_conflicts if aid & set(c.members["fact_id"])]
    # $3.85 billion sits beside "around $3.8 billion" (compatible); the $500 million and $66 billion
    # have no other claimant for their metric and stage; none is set against another metric.
    assert [(c.metric, c.conflicting) for c in involved] == [("us-pda-authority-remaining", False)]
    for conflict in default_conflicts:
        assert conflict.members["metric"].nunique() == 1


def test_default_economist_groups_stay_within_deaths_or_casualties(default_conflicts):
    economist = [c for c in default_conflicts if c.members["via"].eq("economist-war-dead-estimates").any()]
    assert len(economist) > 10
    for conflict in economist:
        assert conflict.members["category"].nunique() == 1
        assert conflict.category in {"deaths", "casualties"}
    assert {c.category for c in economist} == {"deaths", "casualties"}


def test_default_ratios_are_finite_and_ordered(default_conflicts):
    keys = [(c.overlap, -c.ratio) for c in default_conflicts]
    assert keys == sorted(keys)
    assert all(math.isfinite(c.ratio) and c.ratio > 1 for c in default_conflicts)
