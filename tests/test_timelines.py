"""Timelines: one metric's figures per claimant in date order, with the events around them."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import load_factbase
from dashboard.analysis.series import metrics_with_series, timeline

from .conftest import ROOT
from .factbases import fact, load_facts


def _events(*dated: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": [label for _, label in dated],
            "date": pd.to_datetime([d for d, _ in dated]),
            "label": [label for _, label in dated],
        }
    )


@pytest.fixture
def facts(write, minimal) -> pd.DataFrame:
    return load_facts(
        write,
        minimal,
        fact("z2", "nk-casualties", 4000, "2025-01-09", "zelenskyy"),
        fact("u2", "nk-casualties", 1200, "2025-01-09", "us-officials", qualifier="approximately"),
        fact("z1", "nk-casualties", 3000, "2024-12", "zelenskyy"),
        fact("u1", "nk-casualties", 800, "2024-11-20", "us-officials"),
        fact("d1", "nk-deaths", 300, "2025-01-09", "us-officials"),
    ).facts


def test_series_are_one_metric_per_claimant_in_date_order(facts):
    line = timeline(facts, _events(), "nk-casualties")
    assert line.series["fact_id"].tolist() == ["u1", "u2", "z1", "z2"]
    assert set(line.series["metric"]) == {"nk-casualties"}
    assert (line.metric_label, line.unit, line.aggregation) == ("North Korean casualties", "people", "cumulative")
    assert line.series.loc[line.series["fact_id"] == "u2", ["interval_low", "interval_high"]].values.tolist() == [
        [pytest.approx(1080), pytest.approx(1320)]
    ]


def test_events_within_a_month_of_the_series_are_attached(facts):
    events = _events(
        ("2024-10-25", "just before"),
        ("2024-10-15", "too early"),
        ("2025-02-08", "just after"),
        ("2025-03-01", "too late"),
    )
    line = timeline(facts, events, "nk-casualties")
    assert line.events["label"].tolist() == ["just before", "just after"]
    assert timeline(facts, events.iloc[0:0], "nk-casualties").events.empty


def test_an_unknown_metric_names_the_known_ones(facts):
    known = "metric 'nk-casualtes' is not in the facts given; known: nk-casualties, nk-deaths"
    with pytest.raises(ValueError, match=known):
        timeline(facts, _events(), "nk-casualtes")


def test_metrics_with_series_longest_lines_first(facts):
    assert metrics_with_series(facts) == ["nk-casualties", "nk-deaths"]  # three dates, then one
    assert metrics_with_series(facts.iloc[0:0]) == []


def test_default_fact_base_timeline_has_the_ramstein_events():
    base = load_factbase(ROOT / "facts.yaml")
    line = timeline(base.facts, base.events, "soldier-casualties-north-korea")
    facts = base.facts[base.facts["metric"] == "soldier-casualties-north-korea"]
    assert len(line.series) == len(facts) >= 10  # the report's two, and the estimates of December to April
    assert "udcg-25-ramstein-2025-01-09" in set(line.events["event_id"])
    metrics = metrics_with_series(base.facts)
    dates = base.facts.groupby("metric")["as_of"].nunique()
    assert dates[metrics[0]] == dates.max()  # the longest line first
    assert len(metrics) == len(base.metrics)
    assert metrics.index("soldier-casualties-north-korea") > metrics.index("us-military-aid-cumulative")
