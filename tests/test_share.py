"""The Share menu's builders (dashboard/app/ui/share.py): the link to a chart with its filters, the
embed snippet, the citation, the filters read back from the address, and the menu in the page."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from charts import registry
from dashboard.analysis.filters import Filters
from dashboard.app.ui import share
from dashboard.app.ui.sidebar import options_for

from .conftest import ROOT
from .test_export import COMPARE

APP = str(ROOT / "dashboard" / "app" / "main.py")
HOSTILE = 'Tanks "lost" & <b>won</b> #1 =x\n<script>alert(1)</script>'


def test_the_link_is_the_page_with_its_parameters_and_the_chart():
    link = share.chart_link(
        "http://127.0.0.1:8501/questions?stale=1#top",
        {"claimant": ["Volodymyr Zelenskyy", "US officials"], "question": "How many? & why", "log": "true"},
        "question:nk-casualties",
    )
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path, parts.fragment) == ("http", "127.0.0.1:8501", "/questions", "")
    assert parse_qsl(parts.query) == [
        ("claimant", "Volodymyr Zelenskyy"),
        ("claimant", "US officials"),
        ("question", "How many? & why"),
        ("log", "true"),
        ("chart", "question:nk-casualties"),
    ]
    assert "stale" not in link  # the page's own query is replaced by the parameters given


def test_the_link_encodes_every_value_and_drops_chart_and_embed():
    link = share.chart_link(
        "https://factdash.example/compare",
        {"publisher": [HOSTILE, ""], "chart": "old", "embed": "true", "EMBED_options": "x"},
        "compare:a&b=c#d",
    )
    query = urlsplit(link).query
    for raw in ("<", ">", '"', "#", " ", "\n"):
        assert raw not in query
    # Values come back exactly, blank ones too (a blank parameter clears a widget)
    assert parse_qs(query, keep_blank_values=True) == {"publisher": [HOSTILE, ""], "chart": ["compare:a&b=c#d"]}


@pytest.mark.parametrize("url", [None, "", "javascript:alert(1)//", "data:text/html,<b>x</b>", "file:///etc/passwd"])
def test_an_address_that_is_not_http_gives_a_link_from_the_root(url):
    link = share.chart_link(url, {"claimant": "x"}, "aid:USD")
    assert link == "/?claimant=x&chart=aid%3AUSD"


def test_the_embed_link_adds_embed_true_once():
    link = share.chart_link("http://h/aid", {"currency": "USD"}, "aid:USD")
    embedded = share.embed_link(link)
    assert parse_qsl(urlsplit(embedded).query) == [("currency", "USD"), ("chart", "aid:USD"), ("embed", "true")]
    assert share.embed_link(embedded) == embedded
    assert share.embed_link("http://h/?embed=false&a=") == "http://h/?a=&embed=true"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        self.tags.append((tag, dict(attrs)))


def test_the_embed_snippet_is_one_iframe_with_escaped_attributes():
    link = share.chart_link("http://127.0.0.1:8501/compare", {"publisher": HOSTILE}, COMPARE)
    snippet = share.embed_snippet(link, HOSTILE, height=480)
    parser = _Tags()
    parser.feed(snippet)
    assert [tag for tag, _ in parser.tags] == ["iframe"]  # no <b>, no <script>: the title is text
    attrs = parser.tags[0][1]
    assert attrs["src"] == share.embed_link(link)  # the browser reads back the exact address
    assert attrs["title"] == " ".join(HOSTILE.split())
    assert attrs["height"] == "480" and attrs["width"] == "100%"
    assert "&amp;chart=" in snippet and "&amp;embed=true" in snippet
    assert snippet.startswith('<iframe src="http://127.0.0.1:8501/compare?publisher=')
    assert snippet.endswith("></iframe>") and "\n" not in snippet


def test_the_embed_height_follows_the_figure():
    assert share.embed_height({"layout": {"height": 500}}) == 540
    assert share.embed_height({"layout": {}}) == share.EMBED_HEIGHT
    assert share.embed_height({"layout": {"height": "500; x"}}) == share.EMBED_HEIGHT
    assert share.embed_height({}) == share.EMBED_HEIGHT


def test_the_citation_names_the_fact_base_the_chart_the_day_and_the_link():
    text = share.citation(
        "995679b4c8d4f00dbeef" * 2, "North Korean\ncasualties,  January 2025", "http://h/x", dt.date(2026, 12, 3)
    )
    assert text == (
        "factdash fact base 995679b4c8d4, chart North Korean casualties, January 2025, accessed 2026-12-03, http://h/x"
    )
    assert share.citation("", "T", "/", dt.date(2025, 1, 9)).startswith("factdash fact base unknown, chart T,")


def test_the_filters_are_read_back_from_the_labels_the_sidebar_puts_in_the_address(tiny):
    choices = options_for(tiny)
    params = {
        "claimant": ["Volodymyr Zelenskyy", "nobody"],
        "publisher": "The Daily Example",
        "source": "A report",
        "party": "Parties to the conflict",
        "kind": [],
        "category": ["casualties"],
        "asof": ["2024-12-01", "2025-01-09"],
    }
    filters = share.filters_from_params(params, choices)
    assert filters == Filters(
        claimants=("zelenskyy",),
        publishers=("The Daily Example",),
        sources=("rep",),
        party="parties",
        categories=("casualties",),
        date_from=dt.date(2024, 12, 1),
        date_to=None,  # the last day of the base is no filter, as in the sidebar
    )
    assert share.filters_from_params({}, choices) == Filters()
    assert share.filters_from_params({"asof": ["not-a-date", "2025-01-01"], "party": "x"}, choices) == Filters()
    assert share.filters_from_params({"asof": "2024-11-15"}, choices) == Filters(date_from=dt.date(2024, 11, 15))


def test_the_embedded_chart_is_the_one_named_on_the_log_scale_its_page_says(tiny):
    chart = share.embedded_chart(tiny, Filters(), COMPARE, {})
    assert chart.chart_id == COMPARE and chart.title == "North Korean casualties, January 2025"
    timeline = share.embedded_chart(tiny, Filters(), "timeline:nk-casualties", {"log": "true"})
    assert timeline.figure_dict["layout"]["yaxis"]["type"] == "log"
    linear = share.embedded_chart(tiny, Filters(), "timeline:nk-casualties", {"log": "false"})
    assert linear.figure_dict["layout"]["yaxis"].get("type") != "log"
    filtered = share.embedded_chart(tiny, Filters(sources=("rep",)), "timeline:nk-casualties", {})
    assert sorted(filtered.rows["fact_id"]) == ["nk-us", "nk-zelenskyy"]
    for unknown in ("nope", "compare:nope", "timeline:", "question:nope", "aid:EUR", "<b>x</b>"):
        with pytest.raises(ValueError):
            share.embedded_chart(tiny, Filters(), unknown, {"log": "true", "question-log": "true"})


def test_every_chart_of_a_view_is_found_again_by_its_id(tiny):
    for chart in registry.view_charts(tiny, Filters(), agreeing=True):
        assert share.embedded_chart(tiny, Filters(), chart.chart_id, {}).title == chart.title


def test_the_compare_page_has_a_share_menu_with_link_snippet_and_citation(tiny, tiny_path, monkeypatch):
    monkeypatch.setenv("FACTDASH_FACTS", str(tiny_path))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["publisher"] = "The Daily Example"
    at.run()
    at.switch_page("views/compare.py")
    at.run()
    assert not at.exception, at.exception
    codes = [element.value for element in at.get("code")]
    assert len(codes) == 3, codes
    link, snippet, cited = codes
    assert parse_qs(urlsplit(link).query) == {"publisher": ["The Daily Example"], "chart": [COMPARE]}
    assert snippet.startswith("<iframe src=") and "embed=true" in snippet
    today = dt.datetime.now(dt.UTC).date()
    assert cited == (
        f"factdash fact base {tiny.content_hash[:12]}, chart North Korean casualties, January 2025, "
        f"accessed {today:%Y-%m-%d}, {link}"
    )
