"""Every dashboard page renders on the real fact base (Streamlit's AppTest), filters change what it shows."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from .conftest import ROOT

APP = str(ROOT / "dashboard" / "app" / "main.py")
PAGES = [
    "views/overview.py",
    "views/questions.py",
    "views/compare.py",
    "views/timelines.py",
    "views/aid.py",
    "views/sources.py",
    "views/quality.py",
]


def run(page: str | None = None, params: dict | None = None, facts: str | None = None, monkeypatch=None) -> AppTest:
    if facts is not None:
        monkeypatch.setenv("FACTDASH_FACTS", facts)
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def decoded(array) -> list:
    """Plotly 7 sends arrays base64-encoded as {"dtype", "bdata"}; plain lists pass through."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array or [])


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_exception(page, monkeypatch):
    monkeypatch.delenv("FACTDASH_FACTS", raising=False)
    at = run(page)
    assert not at.exception, at.exception
    if page in ("views/overview.py", "views/questions.py", "views/compare.py", "views/timelines.py", "views/aid.py"):
        assert chart_specs(at), f"{page} drew no chart"


def test_overview_shows_counts_and_the_north_korean_disagreement(monkeypatch):
    monkeypatch.delenv("FACTDASH_FACTS", raising=False)
    at = run()
    labels = {m.label: m.value for m in at.metric}
    assert int(labels["Facts"].replace(",", "")) >= 144
    text = " ".join(m.value for m in at.markdown)
    assert "North Korean" in text or "north korea" in text.lower()


def test_compare_chart_for_the_north_korean_casualties(monkeypatch):
    from dashboard import load_factbase
    from dashboard.analysis.conflicts import find_conflicts

    monkeypatch.delenv("FACTDASH_FACTS", raising=False)
    groups = [
        c.group_id
        for c in find_conflicts(load_factbase(ROOT / "facts.yaml").facts)
        if c.metric == "soldier-casualties-north-korea"
    ]
    assert "soldier-casualties-north-korea:2025-01-09" in groups
    at = run("views/compare.py")
    at.selectbox(key="group").set_value("soldier-casualties-north-korea:2025-01-09").run()
    assert not at.exception
    shown = json.dumps(chart_specs(at)[0])
    assert "4,000" in shown and "1,200" in shown
    assert "3.3" in " ".join(m.value for m in at.markdown).replace("\\", "")  # markdown escapes data text


def test_choosing_a_claimant_changes_the_timeline(monkeypatch):
    monkeypatch.delenv("FACTDASH_FACTS", raising=False)
    at = run("views/timelines.py")
    at.selectbox(key="metric").set_value("soldier-casualties-russia").run()
    before = {trace.get("name") for trace in chart_specs(at)[0]["data"]}
    at.multiselect(key="claimant").set_value(["uk-mod"]).run()
    assert not at.exception
    after = {trace.get("name") for trace in chart_specs(at)[0]["data"]}
    assert len(before) > 1 and after != before
    assert any("UK" in str(name) for name in after)


def test_broken_fact_base_shows_problems_not_a_traceback(write, minimal, monkeypatch):
    path = write(
        "facts.yaml",
        minimal + "facts:\n  - id: a\n    metric: nope\n    value: 1\n    as_of: 2025-13-01\n"
        "    claimant: zelenskyy\n    source: rep\n",
    )
    at = run(facts=str(path), monkeypatch=monkeypatch)
    assert not at.exception
    shown = " ".join(c.value for c in at.code) + " ".join(e.value for e in at.error)
    assert "facts.yaml:33:12" in shown and "unknown metric 'nope'" in shown


def test_charts_are_sent_as_their_figures_would_be_and_stay_unchanged_by_reruns(monkeypatch):
    """The dashboard sends each chart's dict made once (ui/components.ServedFigure), not the Figure: the
    JSON must be what Streamlit makes of the Figure itself with its footer drawn in, rerun after rerun."""
    import plotly.io
    import plotly.tools

    from charts.registry import timeline_chart
    from dashboard import load_factbase
    from dashboard.analysis.filters import Filters
    from dashboard.exports.files import add_footer

    monkeypatch.delenv("FACTDASH_FACTS", raising=False)
    at = run("views/timelines.py")
    first = [chart.proto.spec for chart in at.get("plotly_chart")]
    at.run()
    again = [chart.proto.spec for chart in at.get("plotly_chart")]
    assert first == again and len(first) == 1
    base = load_factbase(ROOT / "facts.yaml")
    chart = timeline_chart(base, Filters(), base.facts, ["tanks-lost-russia"])
    fresh = add_footer(chart.draw(), chart, stamp=False, screen=True)
    expected = plotly.io.to_json(
        plotly.tools.return_figure_from_figure_or_data(fresh, validate_figure=True), validate=False
    )
    assert json.loads(first[0]) == json.loads(expected)


def test_the_aid_page_draws_the_packages_by_kind_their_sum_and_the_totals_stated(monkeypatch):
    monkeypatch.delenv("FACTDASH_FACTS", raising=False)
    at = run("views/aid.py")
    assert not at.exception, at.exception
    (spec,) = chart_specs(at)
    bars = [t for t in spec["data"] if t["type"] == "bar"]
    kinds = {t["name"].split(" · ")[0] for t in bars}
    assert {"PDA", "USAI", "FMF"} <= kinds  # by kind (the hover has each label whole)
    kinds &= {"PDA", "USAI", "FMF"}
    assert kinds == {"PDA", "USAI", "FMF"}
    assert sum(len(decoded(t["y"])) for t in bars) >= 101  # every package drawn, each report of one once
    (running,) = [t for t in spec["data"] if t["name"].startswith("Sum of announced PDA + USAI packages")]
    assert decoded(running["y"])[-1] == pytest.approx(67_033e6)
    # The stated totals: a line per claimant (one measure, so the legend names the claimant alone).
    totals = [t for t in spec["data"] if t.get("legendgroup") == "cumulative" and "(computed)" not in t["name"]]
    assert any("US military aid to Ukraine since" in str(t.get("hovertext")) for t in totals), [
        (t["name"], str(t.get("hovertext"))[:200]) for t in totals
    ]
    assert totals, [t.get("name") for t in spec["data"]]
    metrics = {m.label.replace("\\", ""): m.value for m in at.metric}  # labels are markdown, escaped
    # The Department's own latest total against its own packages leads.
    assert metrics["Sum of the packages by 7 December 2024 (computed)"] == "$63.56 billion"
    label = "US military aid to Ukraine since February 2022: the latest total US Department of Defense stated"
    assert metrics[label] == "more than $62 billion"
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "the packages run $1.56 billion ahead of it" in text
    assert any("overvalued drawdown equipment" in i.value for i in at.info)
    # Authority left is drawn as a level beside them.
    assert any("drawdown authority" in str(t.get("hovertext")) for t in spec["data"] if t.get("legendgroup") == "level")


def test_the_us_aid_question_sets_3_to_350_billion_side_by_side_with_words_and_links(monkeypatch):
    monkeypatch.delenv("FACTDASH_FACTS", raising=False)
    at = run("views/questions.py", params={"question": "How much has the US given Ukraine?"})
    assert not at.exception, at.exception
    assert at.selectbox[0].value == "us-aid"
    table = at.dataframe[0].value
    for figure, words in (
        ("more than $3 billion", "we have sent more than $3 billion in security assistance"),
        ("$350 billion", "into spending $350 billion"),
    ):
        row = table[table["figure"] == figure]
        assert len(row) >= 1 and words in row["quote"].iloc[0] and row["url"].iloc[0].startswith("https://")
    assert table["metric_label"].nunique() >= 10  # side by side by measure
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "Donald Trump's $350 billion" in text and "though the first measure is part of the second" in text
