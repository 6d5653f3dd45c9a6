"""Fact tables sort over all their facts before paging: figures by number, dates by date, text
without case; the shown page sorts figures by number too; the download follows the order."""

from __future__ import annotations

import re
import time

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import load_factbase
from dashboard.app.ui import components
from dashboard.app.ui.components import PAGE_SIZE, SORTS, page_of, sort_facts

from .conftest import ROOT
from .test_app import APP

SORTABLE = """
facts:
  - {id: small, metric: nk-casualties, claimant: us-officials, source: rep, as_of: 2025-01-09, value: 83000}
  - {id: big, metric: nk-casualties, claimant: zelenskyy, source: rep, as_of: 2025-01-10, value: 120000}
  - {id: range, metric: nk-casualties, claimant: us-officials, source: rep, as_of: 2025-01, low: 90000, high: 110000}
  - {id: bound, metric: nk-casualties, claimant: zelenskyy, source: rep, as_of: 2024, value: 95000,
     qualifier: at_most}
  - {id: about, metric: nk-casualties, claimant: us-officials, source: rep, as_of: 2025-01-01, value: 1200,
     qualifier: approximately}
"""


@pytest.fixture
def sortable(write, minimal):
    return load_factbase(write("facts.yaml", minimal + SORTABLE)).facts


def ids(facts: pd.DataFrame) -> list[str]:
    return facts["fact_id"].tolist()


def test_figures_sort_by_number_a_range_by_its_midpoint(sortable):
    assert ids(sort_facts(sortable, "Figure")) == ["about", "small", "bound", "range", "big"]
    assert ids(sort_facts(sortable, "Figure", descending=True)) == ["big", "range", "bound", "small", "about"]


def test_dates_sort_by_their_start_then_a_day_before_the_month_and_year(sortable):
    # 2024 starts 2024-01-01; 2025-01 and 2025-01-01 start on the same day: the day first.
    assert ids(sort_facts(sortable, "As of")) == ["bound", "about", "range", "small", "big"]
    assert ids(sort_facts(sortable, "As of", descending=True)) == ["big", "small", "range", "about", "bound"]


def test_text_sorts_without_case_and_no_sort_keeps_the_order_given(sortable):
    mixed = sortable.assign(claimant_name=["b", "A", "c", "a", "B"])
    assert sort_facts(mixed, "Claimant")["claimant_name"].tolist() == ["A", "a", "b", "B", "c"]
    assert ids(sort_facts(sortable, None)) == ids(sortable) == ids(sort_facts(sortable, "Order given"))


def test_missing_values_go_last_either_way(sortable):
    gaps = sortable.assign(central=[1.0, None, 3.0, 2.0, None])
    assert ids(sort_facts(gaps, "Figure"))[-2:] == ["big", "about"]
    assert ids(sort_facts(gaps, "Figure", descending=True)) == ["range", "bound", "small", "big", "about"]


def test_the_whole_set_is_sorted_before_it_is_paged():
    facts = load_factbase(ROOT / "facts.yaml").facts
    assert len(facts) > 2 * PAGE_SIZE
    first = page_of(sort_facts(facts, "Figure", descending=True), 1)
    assert len(first) == PAGE_SIZE and first["central"].iloc[0] == facts["central"].max()
    assert first["central"].is_monotonic_decreasing
    second = page_of(sort_facts(facts, "Figure", descending=True), 2)
    assert second["central"].iloc[0] <= first["central"].iloc[-1]
    newest = page_of(sort_facts(facts, "As of", descending=True), 1)
    assert newest["as_of"].iloc[0] == facts["as_of"].max()
    oldest = page_of(sort_facts(facts, "As of", descending=False), 1)
    assert oldest["as_of"].iloc[0] == facts["as_of"].min()
    assert set(SORTS) >= {"Figure", "As of", "Claimant", "Metric", "Source"}


def _facts_frame(at: AppTest) -> pd.DataFrame:
    return next(frame.value for frame in at.dataframe if "figure_number" in frame.value.columns)


def test_the_sources_page_sorts_all_its_facts_then_pages_them(monkeypatch):
    monkeypatch.delenv("FACTDASH_FACTS", raising=False)
    facts = load_factbase(ROOT / "facts.yaml").facts
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("views/sources.py")
    at.run()
    assert not at.exception, at.exception
    caption = next(c.value for c in at.caption if " facts." in c.value)
    assert re.match(rf"{len(facts):,} of {len(facts):,} facts", caption), caption
    shown = _facts_frame(at)
    assert len(shown) == PAGE_SIZE
    assert pd.api.types.is_numeric_dtype(shown["figure_number"])  # the page sorts by number in the browser too
    assert not shown.astype(str).isin(["None"]).any().any()

    at.selectbox(key="all-facts-sort-by").select("Figure").run()
    assert at.radio(key="all-facts-sort-order").value == "Descending"
    shown = _facts_frame(at)
    assert shown["figure_number"].iloc[0] == facts["central"].max()
    assert shown["figure_number"].is_monotonic_decreasing

    at.selectbox(key="all-facts-sort-by").select("As of").run()
    shown = _facts_frame(at)
    latest = facts["as_of"].max().date().isoformat()
    assert shown["as_of_text"].iloc[0] == latest, shown["as_of_text"].head().tolist()

    at.radio(key="all-facts-sort-order").set_value("Ascending").run()
    assert _facts_frame(at)["as_of_text"].iloc[0] == facts["as_of"].min().date().isoformat()
    assert not at.exception, at.exception


def test_the_download_gives_every_fact_in_the_order_chosen(monkeypatch):
    facts = load_factbase(ROOT / "facts.yaml").facts
    made: list = []
    monkeypatch.setattr(components, "facts_table", lambda rows, **kwargs: made.append((rows, kwargs["download"])))
    monkeypatch.setattr(components.st, "session_state", {"t-sort-by": "Figure"})
    by, order = "Figure", "Descending"
    monkeypatch.setattr(components.st, "columns", lambda *a, **k: [_Widget(by), _Widget(order), _Widget(2)])
    components.paged_facts_table(facts, key="t", download=True)
    page, download = made[0]
    assert len(download) == len(facts) and download["central"].is_monotonic_decreasing
    assert ids(page) == ids(download.iloc[PAGE_SIZE : 2 * PAGE_SIZE])
    rows = components.facts_csv(download.head(3)).decode().splitlines()
    assert len(rows) == 4


class _Widget:
    """A column that answers every widget with one value."""

    def __init__(self, value) -> None:
        self.value = value

    def __getattr__(self, name):
        return lambda *args, **kwargs: self.value


# --- In a real Chromium against a real server ------------------------------------------------------


def _facts_grid(page):
    """The facts table (the grid headed "Fact id"), not the counts per source and claimant."""
    return page.locator("[data-testid='stDataFrame']").filter(has=page.locator("th", has_text="Fact id")).first


def _grid_rows(page, count: int = 3) -> list[list[str]]:
    """The first rows of the facts table, read from the grid's accessible table."""
    grid = _facts_grid(page)
    rows = grid.locator("table [role='row']")
    out = []
    for i in range(1, min(count + 1, rows.count())):
        out.append([(cell.text_content() or "").strip() for cell in rows.nth(i).locator("[role='gridcell']").all()])
    return out


def _rows_once(page, ready, timeout: float = 60) -> list[list[str]]:
    """The grid's first rows once `ready(rows)` holds (the rerun has drawn them), or as they are then."""
    deadline = time.monotonic() + timeout
    while True:
        rows = _grid_rows(page)
        try:
            if rows and ready(rows):
                return rows
        except (ValueError, KeyError, IndexError):
            pass
        if time.monotonic() > deadline:
            return rows
        page.wait_for_timeout(250)


def _choose(page, label: str, option: str) -> None:
    page.locator("[data-testid='stSelectbox']").filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()


@pytest.mark.browser
def test_the_sources_table_sorts_by_figure_and_date_in_a_browser(chromium):
    from .serving import serve
    from .test_browser import wait_quiet

    facts = load_factbase(ROOT / "facts.yaml").facts
    with serve() as url:
        page = chromium.new_page(viewport={"width": 1600, "height": 1200})
        page.goto(f"{url}/sources", wait_until="domcontentloaded")
        page.get_by_text("Sources and their words").first.wait_for(timeout=60_000)
        page.wait_for_selector("[data-testid='stDataFrame']", timeout=60_000)
        wait_quiet(page)
        _facts_grid(page).locator("[role='gridcell']").first.wait_for(state="attached", timeout=60_000)
        header = _facts_grid(page).locator("table [role='columnheader']").all_text_contents()
        assert header[:3] == ["Fact id", "Claimant", "Figure"], header  # the grid shows the columns in view
        as_of = facts.set_index("fact_id")["as_of"]

        _choose(page, "Sort by", "Figure")
        rows = _rows_once(page, lambda rows: float(rows[0][2]) == facts["central"].max())
        # The accessible grid gives a number cell's value: the largest figure of all 27,000 facts.
        assert rows and float(rows[0][2]) == facts["central"].max(), rows
        assert float(rows[0][2]) >= float(rows[1][2]) >= float(rows[2][2]), rows

        _choose(page, "Sort by", "As of")
        rows = _rows_once(page, lambda rows: as_of[rows[0][0]] == facts["as_of"].max())
        assert as_of[rows[0][0]] == facts["as_of"].max(), rows
        assert not page.get_by_text("Traceback").count()
        page.close()
