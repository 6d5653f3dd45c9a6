"""aid_figure: packages by kind and stage, running totals and the sum of packages, levels; one currency."""

import json

import pytest

from charts import CHARTS, aid_figure
from charts.palette import STAGE_PATTERNS

from .chart_frames import facts

MONEY = {"unit": "USD", "category": "aid"}


def package(value, stage, *, as_of="2025-01-09", metric="pda", **more):
    return {
        **MONEY,
        "aggregation": "increment",
        "metric": metric,
        "metric_label": f"{metric} package",
        "value": value,
        "stage": stage,
        "as_of": as_of,
        **more,
    }


def total(value, *, as_of, claimant="us", aggregation="cumulative", metric="us-total", **more):
    return {
        **MONEY,
        "aggregation": aggregation,
        "metric": metric,
        "metric_label": metric,
        "value": value,
        "as_of": as_of,
        "claimant": claimant,
        **more,
    }


def bars(fig):
    return [t for t in fig.data if t.type == "bar"]


def test_packages_are_bars_coloured_by_kind_and_hatched_by_stage():
    fig = aid_figure(
        facts(
            package(5e8, "announced"),
            package(2e8, "delivered", as_of="2024-12-01"),
            package(1e8, None, as_of="2024-11-01"),
        )
    )
    announced, delivered, unspecified = bars(fig)
    assert [b.name for b in bars(fig)] == ["announced", "delivered", "unspecified"]
    # One kind (metric): one colour; the stage is the hatching.
    assert announced.marker.color == delivered.marker.color == unspecified.marker.color
    assert announced.marker.pattern.shape == STAGE_PATTERNS["announced"] != delivered.marker.pattern.shape
    assert list(announced.y) == [5e8] and announced.text == ("$500 million",)
    assert fig.layout.yaxis.title.text == "USD" and fig.layout.yaxis.tickprefix == "$"
    assert fig.layout.meta["chart"] == "aid" and "aid" in CHARTS and fig.layout.meta["unit"] == "USD"
    assert "yaxis2" not in fig.layout.to_plotly_json()  # packages only: one panel


def test_reports_of_one_package_do_not_stack():
    fig = aid_figure(
        facts(
            package(5e8, "announced", fact_id="a"),
            package(5e8, "announced", fact_id="b"),
            package(5e8, "announced", fact_id="c", qualifier="approximately", publisher="Kyiv Independent"),
        )
    )
    (bar,) = bars(fig)
    assert list(bar.y) == [5e8] and bar.text == ("$500 million (3 reports)",)
    assert bar.customdata == ("a,b,c",) and sorted(fig.layout.meta["fact_ids"]) == ["a", "b", "c"]
    assert bar.error_y.array[0] == pytest.approx(5e7)  # the "about" report's ±10% spans the bar
    assert "Also reported (2)" in bar.hovertext[0] and "Kyiv Independent: about $500 million" in bar.hovertext[0]


def test_packages_of_different_metrics_sit_side_by_side():
    fig = aid_figure(facts(package(5e8, "announced"), package(2e9, "announced", metric="partners")))
    partners, pda = bars(fig)  # by stage, then metric id
    assert pda.offsetgroup != partners.offsetgroup and fig.layout.barmode == "group"
    assert (pda.name, partners.name) == ("pda package", "partners package")  # one stage: the kind says it
    assert pda.marker.color != partners.marker.color  # kinds have colours of their own


def test_a_kind_is_named_by_its_abbreviation_with_the_stage_when_stages_differ():
    fig = aid_figure(
        facts(
            package(5e8, "announced", metric="pda", metric_label="US Presidential Drawdown Authority (PDA) package"),
            package(2e9, "committed", metric="usai", metric_label="US Ukraine Security Assistance Initiative (USAI)"),
        )
    )
    assert sorted(b.name for b in bars(fig)) == ["PDA · announced", "USAI · committed"]


def test_a_running_sum_of_packages_is_drawn_beside_the_totals_labelled_as_computed():
    import pandas as pd

    sums = {
        "Sum of announced packages (PDA), computed here": pd.DataFrame(
            {"as_of": pd.to_datetime(["2024-12-01", "2025-01-09"]), "running_sum": [6.1e10, 6.7e10]}
        )
    }
    fig = aid_figure(facts(total(66e9, as_of="2025-01-09"), package(5e8, "announced")), sums=sums)
    (line,) = [t for t in fig.data if t.name == "Sum of announced packages (PDA), computed here"]
    assert list(line.y) == [6.1e10, 6.7e10] and line.line.dash == "dash" and line.line.shape == "hv"
    assert line.yaxis == "y" and bars(fig)[0].yaxis == "y2"  # totals above, packages below
    assert "computed here" in line.hovertext[0] and "$67 billion" in line.hovertext[1]


def test_many_packages_are_drawn_without_a_figure_over_each_bar():
    many = [package(1e8 * (i + 1), "announced", as_of=f"2024-{1 + i // 28:02d}-{1 + i % 28:02d}") for i in range(30)]
    (bar,) = bars(aid_figure(facts(*many)))
    assert bar.text is None and bar.textposition == "none" and len(bar.y) == 30
    assert all("$" in h for h in bar.hovertext)  # the figures are in the hover


def test_totals_are_steps_and_levels_have_their_own_group():
    fig = aid_figure(
        facts(
            total(62e9, as_of="2024-12-01", qualifier="more_than"),
            total(66e9, as_of="2025-01-09"),
            total(3.85e9, as_of="2025-01-09", aggregation="level", metric="pda-left", qualifier="approximately"),
            package(5e8, "announced"),
        )
    )
    steps = next(t for t in fig.data if t.legendgroup == "cumulative" and t.showlegend)
    assert steps.line.shape == "hv" and list(steps.y) == [62e9, 66e9]
    level = next(t for t in fig.data if t.legendgroup == "level")
    assert level.line.dash == "dot" and list(level.marker.symbol) == ["circle-open"]
    titles = {t.legendgroup: t.legendgrouptitle.text for t in fig.data if t.legendgrouptitle.text}
    assert titles == {
        "cumulative": "Running totals",
        "level": "Levels",
        "increment": "Packages (by kind and stage)",
        "key": "Marks",
    }
    arrows = next(t for t in fig.data if t.name.endswith("(open-ended)"))
    assert list(arrows.marker.symbol) == ["triangle-up"]
    assert bars(fig)[0].yaxis == "y2" and steps.yaxis == "y"  # stocks and flows in two panels
    assert fig.layout.yaxis2.title.text == "USD"


@pytest.mark.parametrize(
    "rows, words",
    [
        ((package(1, "announced"), package(1, "announced", unit="EUR")), "one currency; the facts mix EUR, USD"),
        (({"value": 57, "unit": "countries", "aggregation": "level"},), "unit 'countries' is not a currency"),
        ((package(1, "announced", aggregation="flow"),), "aggregation must be one of .* got flow"),
    ],
)
def test_bad_frames_are_refused_with_a_reason(rows, words):
    with pytest.raises(ValueError, match=words):
        aid_figure(facts(*rows))


def test_data_is_escaped():
    hostile = "<img src=x onerror=alert(1)>"
    fig = aid_figure(
        facts(
            package(1e9, "announced", quote=hostile, metric_label=hostile),
            total(5e9, as_of="2025-01-01", claimant_name=hostile),
        ),
        title=hostile,
    )
    text = json.dumps(fig.to_plotly_json(), default=str)
    assert "<img" not in text and "&lt;img" in text
