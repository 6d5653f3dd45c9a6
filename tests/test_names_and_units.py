"""A claimant's short name in legends and a metric's unit in words (issue 19): "General Staff of
Ukraine", "tanks" rather than "items"; the full name stays in the hover, the unit as written is
what figures compare by."""

from __future__ import annotations

from pathlib import Path

import pytest

from charts.registry import timeline_chart, view_charts
from dashboard import load_factbase
from dashboard.analysis.filters import Filters
from dashboard.factbase.schema import SHORT_NAME_LENGTH

from .test_loader_errors import fact, only_problem, position

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def base():
    return load_factbase(ROOT / "facts.yaml")


def test_a_short_name_too_long_is_a_located_error(write, minimal):
    long = "G" * (SHORT_NAME_LENGTH + 1)
    text = minimal.replace("    name: US officials\n", f"    name: US officials\n    short_name: {long}\n")
    path = write("facts.yaml", text + fact())
    problem = only_problem(path)
    assert (problem.line, problem.column) == position(path, long)
    assert "short_name is too long (41 characters)" in str(problem)
    assert str(problem).startswith(f"{path}:{problem.line}:{problem.column}:")


def test_legends_give_short_names_and_hovers_the_whole_name(base):
    facts = base.facts
    chart = timeline_chart(base, Filters(), facts, ["tanks-lost-russia"])
    lines = [t for t in chart.figure.data if t.showlegend is not False and t.legendgroup not in ("key", "measures")]
    assert [t.name for t in lines] == ["General Staff of Ukraine"]
    assert "General Staff of the Armed Forces of Ukraine" in lines[0].hovertext[0]
    # Tanks are tanks: on the axis and in every figure's words, not "items".
    assert chart.figure.layout.yaxis.title.text == "tanks"
    assert " tanks</b>" in lines[0].hovertext[0] and "items" not in lines[0].hovertext[0]
    assert set(facts.loc[facts["metric"] == "tanks-lost-russia", "unit"]) == {"items"}  # compared as written


def test_every_legend_entry_of_the_default_base_fits(base):
    for chart in view_charts(base, Filters()):
        for trace in chart.figure.data:
            if trace.showlegend is False or trace.legendgroup in ("key", "measures") or not trace.name:
                continue
            if "(computed)" in trace.name:  # the running sum of packages: a label of ours, never cut
                continue
            assert len(trace.name) <= SHORT_NAME_LENGTH and not trace.name.endswith("…"), (chart.chart_id, trace.name)


def test_a_currency_is_written_by_its_sign_whatever_its_unit_label(write, minimal):
    text = minimal.replace("    unit: USD\n", "    unit: USD\n    unit_label: dollars of aid\n")
    path = write("facts.yaml", text + fact(metric="us-package", value='"$500 million"'))
    facts = load_factbase(path).facts
    assert facts["unit_label"].tolist() == ["USD"]
    counts = minimal.replace("    unit: people\n", "    unit: people\n    unit_label: soldiers\n")
    path = write("counts.yaml", counts + fact())
    assert load_factbase(path).facts["unit_label"].tolist() == ["soldiers"]
