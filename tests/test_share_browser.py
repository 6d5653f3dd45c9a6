"""The Share menu in a real Chromium on a real `factdash serve`: the link reopens the same chart with
the same filter, the embed address shows that chart alone, the citation names the fact base and
the chart."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard import load_factbase

from .serving import serve
from .test_export import COMPARE, TINY_FACTS

pytestmark = pytest.mark.browser

TITLE = "North Korean casualties, January 2025"
FILTER = "Filter: publisher: The Daily Example"  # the footer drawn into the figure names the filter


@pytest.fixture(scope="module")
def tiny_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("share-browser") / "facts.yaml"
    path.write_text(TINY_FACTS, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def served(tiny_file):
    with serve(tiny_file) as url:
        yield url


def flat(text: str) -> str:
    """Text without its white space: a long title or caption is drawn on several lines, whose text
    runs on without a space where a line breaks."""
    return "".join(text.split())


def wait_quiet(page) -> None:
    """Until Streamlit has finished running the script (the status widget says so)."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


def new_page(chromium, url: str, *, width: int = 1400, height: int = 1100):
    page = chromium.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url, wait_until="domcontentloaded")
    return page, errors


def open_share_menu(chromium, served: str) -> tuple[object, list[str], list[str]]:
    """The Compare page under a publisher filter, its Share menu open: the page, its errors, and the
    three code boxes' texts (link, embed snippet, citation)."""
    page, errors = new_page(chromium, f"{served}/compare?publisher=The+Daily+Example")
    page.wait_for_selector("[data-testid='stMain'] .js-plotly-plot .main-svg", timeout=60_000)
    wait_quiet(page)
    page.locator("[data-testid='stMain']").get_by_role("button", name="Share").click()
    codes = page.locator("[data-testid='stPopoverBody'] [data-testid='stCode']")
    codes.nth(2).wait_for(timeout=30_000)
    return page, errors, [text.strip() for text in codes.all_inner_texts()]


def test_the_share_link_reopens_the_same_chart_with_the_same_filter(chromium, served):
    page, errors, (link, _, _) = open_share_menu(chromium, served)
    assert link.startswith(f"{served}/compare?")
    assert parse_qs(urlsplit(link).query) == {"publisher": ["The Daily Example"], "chart": [COMPARE]}
    reopened, more_errors = new_page(chromium, link)
    plot = reopened.locator("[data-testid='stMain'] .js-plotly-plot")
    plot.first.locator(".main-svg").first.wait_for(timeout=60_000)
    wait_quiet(reopened)
    assert plot.count() == 1
    drawn = flat(plot.first.inner_text())
    assert flat(TITLE) in drawn and flat(FILTER) in drawn
    # The filter is set in the sidebar as it was: its multiselect shows the publisher chosen
    publisher = reopened.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").filter(
        has_text="Publisher (who printed it)"
    )
    assert "The Daily Example" in publisher.inner_text()
    assert "publisher=The+Daily+Example" in reopened.url
    assert not errors and not more_errors, (errors, more_errors)
    page.close()
    reopened.close()


def test_the_embed_address_shows_the_chart_alone(chromium, served):
    page, errors, (link, snippet, _) = open_share_menu(chromium, served)
    source = re.search(r'src="([^"]+)"', snippet).group(1).replace("&amp;", "&")
    assert source == link + "&embed=true"
    page.close()
    embedded, embed_errors = new_page(chromium, source, width=900, height=600)
    embedded.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    wait_quiet(embedded)
    assert embedded.locator(".js-plotly-plot").count() == 1
    assert embedded.locator("[data-testid='stSidebar']").count() == 0
    assert embedded.locator("[data-testid='stSidebarNav'], [data-testid='stExpandSidebarButton']").count() == 0
    assert embedded.locator("[data-testid='stToolbar'], [data-testid='stMainMenu']").count() == 0
    assert embedded.get_by_role("button", name="Share").count() == 0  # no menu, no download buttons
    assert embedded.locator("[data-testid='stDownloadButton']").count() == 0
    main = flat(embedded.locator("[data-testid='stMain']").inner_text())
    assert flat(TITLE) in main and flat("Source: The Daily Example (A report, 2025-01-09)") in main
    assert flat(FILTER) in main
    assert flat("Compare conflicting figures") not in main  # no page heading, no table
    title = embedded.locator(".js-plotly-plot .gtitle").first  # the chart's title, drawn and visible
    assert title.is_visible() and TITLE.replace(" ", "") in (title.text_content() or "").replace(" ", "")
    # An unknown chart: one short sentence, no traceback
    embedded.goto(f"{served}/compare?embed=true&chart=compare%3Anope%3Cb%3Ex", wait_until="domcontentloaded")
    embedded.get_by_text("There is no chart").wait_for(timeout=60_000)
    wait_quiet(embedded)
    main = embedded.locator("[data-testid='stMain']").inner_text()
    assert "compare:nope<b>x" in main and "Traceback" not in main
    assert embedded.locator(".js-plotly-plot").count() == 0 and embedded.locator("b").count() == 0
    assert not errors and not embed_errors, (errors, embed_errors)
    embedded.close()


def test_the_citation_names_the_fact_base_and_the_chart(chromium, served, tiny_file):
    page, errors, (link, _, cited) = open_share_menu(chromium, served)
    content_hash = load_factbase(tiny_file).content_hash
    assert f"factdash fact base {content_hash[:12]}" in cited
    assert f"chart {TITLE}" in cited and cited.endswith(link)
    day = re.search(r"accessed (\d{4}-\d{2}-\d{2}),", cited).group(1)
    assert abs((dt.date.fromisoformat(day) - dt.datetime.now(dt.UTC).date()).days) <= 1
    assert not errors
    page.close()
