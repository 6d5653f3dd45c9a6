"""compare_figure: one conflict group's figures on one value axis."""

import json
import math

import pandas as pd
import pytest

from charts import CHARTS, claimant_colors, compare_figure
from dashboard import load_factbase
from dashboard.analysis.conflicts import find_conflicts

from .chart_frames import facts
from .conftest import ROOT

HOSTILE = "<script>alert(1)</script>"


def markers(fig):
    return [t for t in fig.data if t.type == "scatter" and t.legendgroup != "key"]


def keys(fig):
    return [t.name for t in fig.data if t.legendgroup == "key"]


def arrows(fig):
    return [a for a in fig.layout.annotations if a.showarrow]


def test_an_exact_and_an_about_figure():
    fig = compare_figure(
        facts(
            {"claimant": "us", "value": 1200, "qualifier": "approximately"},
            {"claimant": "ua", "value": 4000, "party_to_conflict": True},
        )
    )
    assert [t.type for t in fig.data] == ["bar", "scatter", "scatter", "scatter", "scatter", "scatter"]
    about, exact = markers(fig)
    assert about.marker.symbol == "circle-open" and about.text[-1] == "about 1,200 people"
    assert exact.marker.symbol == "diamond" and exact.text[-1] == "4,000 people"
    band = fig.data[0]
    assert band.name == "about ±10%" and band.base[0] == pytest.approx(1080) and band.x[0] == pytest.approx(240)
    assert keys(fig) == ["party to the conflict", "not a party to the conflict", "about (hollow marker, ±10%)"]
    assert fig.layout.meta["chart"] == "compare" and fig.layout.meta["fact_ids"] == ["f0", "f1"]
    assert "compare" in CHARTS
    assert fig.layout.xaxis.title.text == "people" and fig.layout.xaxis.type == "linear"
    assert list(fig.layout.yaxis.categoryarray) == ["Claimant us", "Claimant ua"]


def test_the_ratio_is_annotated():
    members = facts({"value": 1200, "qualifier": "approximately"}, {"claimant": "ua", "value": 4000})
    texts = [a.text for a in compare_figure(members).layout.annotations]
    assert "4,000 is 3.3× 1,200" in texts
    texts = [a.text for a in compare_figure(members, ratio=3.5).layout.annotations]
    assert "4,000 is 3.5× 1,200" in texts
    with pytest.raises(ValueError, match="ratio must be a positive number"):
        compare_figure(members, ratio=-1)
    # a smallest figure of zero makes the ratio infinite: nothing sensible to annotate
    texts = [a.text for a in compare_figure(members, ratio=math.inf).layout.annotations]
    assert not any("×" in t for t in texts)


def test_open_ended_figures_run_to_the_edge_of_the_axis():
    fig = compare_figure(
        facts(
            {"claimant": "a", "value": 66e9, "qualifier": "more_than", "unit": "USD"},
            {"claimant": "b", "value": 62e9, "unit": "USD"},
            {"claimant": "c", "high": 20e9, "qualifier": "at_most", "unit": "USD"},
        )
    )
    left, right = fig.layout.xaxis.range
    up, down = arrows(fig)
    assert (up.ax, up.x, up.axref) == (66e9, right, "x") and right > 66e9
    assert (down.ax, down.x) == (20e9, left) and left == 0
    texts = [a.text for a in fig.layout.annotations]
    assert "or more" in texts and "or less" in texts
    assert [t.text[-1] for t in markers(fig)] == ["more than $66 billion", "$62 billion", "at most $20 billion"]
    assert fig.layout.xaxis.title.text == "USD" and fig.layout.xaxis.tickprefix == "$"


def test_a_range_is_a_bar_from_low_to_high():
    fig = compare_figure(facts({"low": 73200, "high": 92800}, {"claimant": "b", "value": 83000}))
    bar = next(t for t in fig.data if t.type == "bar")
    assert (bar.base[0], bar.x[0], bar.orientation) == (73200, 19600, "h")
    ranged = markers(fig)[0]
    assert list(ranged.x) == [73200, 92800] and ranged.text[-1] == "73,200–92,800 people"


def test_parties_and_third_parties_have_different_symbols():
    fig = compare_figure(
        facts(
            {"value": 1, "party_to_conflict": True},
            {"claimant": "b", "value": 2},
            {"claimant": "c", "value": 3, "party_to_conflict": None},
        )
    )
    assert [t.marker.symbol for t in markers(fig)] == ["diamond", "circle", "circle"]
    assert "party to the conflict" in keys(fig)


def test_log_axis():
    fig = compare_figure(facts({"value": 100}, {"claimant": "b", "value": 10_000, "qualifier": "at_least"}), log=True)
    assert fig.layout.xaxis.type == "log"
    low, high = fig.layout.xaxis.range
    assert low < 2 < 4 < high < 6  # log10 units
    (arrow,) = arrows(fig)
    assert arrow.ax == pytest.approx(4) and arrow.x == pytest.approx(high)


def test_a_claimant_appearing_twice_gets_two_rows():
    fig = compare_figure(facts({"value": 1, "as_of": "2024-01-01"}, {"value": 2, "as_of": "2024-02-04"}))
    labels = [label.replace("<br>", " ") for label in fig.layout.yaxis.categoryarray]
    assert labels == ["Claimant us (1 January 2024)", "Claimant us (4 February 2024)"]
    assert {t.y[0] for t in markers(fig)} == set(fig.layout.yaxis.categoryarray)


def test_data_is_escaped_everywhere():
    fig = compare_figure(
        facts(
            {"value": 1, "quote": HOSTILE, "claimant_name": HOSTILE, "publisher": HOSTILE},
            {"claimant": "b", "value": 5, "qualifier": "at_least", "quote": HOSTILE},
        ),
        title=HOSTILE,
    )
    text = json.dumps(fig.to_plotly_json(), default=str)
    assert "<script" not in text and "&lt;script&gt;" in text
    assert fig.layout.title.text == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_the_layout_works_on_light_and_dark_pages():
    fig = compare_figure(facts({"value": 1}))
    assert fig.layout.paper_bgcolor == fig.layout.plot_bgcolor == "rgba(0,0,0,0)"
    assert fig.layout.legend.title.text and fig.layout.margin.b >= 60
    assert fig.layout.font.color is None  # left to the (Streamlit) theme


@pytest.mark.parametrize(
    "members, error, words",
    [
        ([1, 2], TypeError, "expects a pandas DataFrame"),
        (pd.DataFrame({"fact_id": []}), ValueError, "needs the column"),
        (facts({"value": 1}).iloc[:0], ValueError, "at least one fact"),
        (facts({"value": 1}, {"value": 2, "unit": "USD"}), ValueError, "'USD', 'people'"),
    ],
)
def test_bad_arguments_are_named(members, error, words):
    with pytest.raises(error, match=words):
        compare_figure(members)


def test_colors_must_be_a_mapping():
    with pytest.raises(TypeError, match="colors must be a dict"):
        compare_figure(facts({"value": 1}), colors=["#000000"])


@pytest.fixture(scope="module")
def base():
    return load_factbase(ROOT / "facts.yaml")


def test_north_korean_casualties_from_the_fact_base(base):
    (group,) = [c for c in find_conflicts(base.facts) if c.group_id == "soldier-casualties-north-korea:2025-01-09"]
    members = group.members
    fig = compare_figure(members, colors=claimant_colors(base.facts["claimant"]))
    assert set(fig.layout.meta["fact_ids"]) == set(members["fact_id"]) and len(members) == 2
    symbols = {t.name: t.marker.symbol for t in markers(fig)}
    assert symbols["Volodymyr Zelenskyy"] == "diamond"
    assert symbols["US officials (unnamed)"] == "circle-open"  # the short name; the hover has it whole
    assert any("US officials (unnamed) and US government estimates" in t.hovertext[0] for t in markers(fig))
    assert "4,000 is 3.3× 1,200" in [a.text for a in fig.layout.annotations]
    assert any("about 1,200 people" in t.hovertext[0] for t in markers(fig))
    assert not math.isnan(fig.layout.xaxis.range[1])
