"""Exports in a real Chromium: the offline HTML draws its plot with no network and runs no data text;
on a real `factdash serve`, every download button of a chart and the sidebar's ZIP give their files."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from charts import registry
from dashboard import load_factbase
from dashboard.exports import files as ex
from dashboard.exports import images

from .serving import serve
from .test_export import COMPARE, SCRIPT, TINY_FACTS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def tiny_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("export-browser") / "facts.yaml"
    path.write_text(TINY_FACTS, encoding="utf-8")
    return path


def offline_page(chromium):
    """A page that may load file: URLs only; every other request is refused and recorded."""
    page = chromium.new_page(viewport={"width": 1300, "height": 900})
    asked: list[str] = []
    dialogs: list[str] = []

    def route(request_route):
        if request_route.request.url.startswith("file:"):
            request_route.continue_()
        else:
            asked.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return page, asked, dialogs


def test_html_draws_offline_and_runs_no_data_text(chromium, tiny_file, tmp_path):
    spec = registry.find_chart(load_factbase(tiny_file), None, COMPARE)
    target = tmp_path / spec.file_name("html")
    target.write_bytes(ex.to_html(spec))
    page, asked, dialogs = offline_page(chromium)
    page.goto(target.as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    drawn = page.locator(".js-plotly-plot").inner_text()
    assert "North Korean casualties, January 2025" in drawn
    assert "Source: The Daily Example (A report, 2025-01-09)" in drawn and "Filter: no filter" in drawn
    assert page.title() == "North Korean casualties, January 2025"
    # Hover Zelenskyy's marker: its quote holds a <script>, shown as text and never run.
    shown = []
    for point in page.locator(".scatterlayer .point").all():
        point.hover(force=True)
        page.wait_for_selector(".hoverlayer .hovertext", timeout=10_000)
        shown.append(page.locator(".hoverlayer").text_content())
    assert any(SCRIPT in text for text in shown), shown
    assert not page.evaluate("[...document.scripts].some(s => s.text.trim().startsWith('alert'))")
    assert not dialogs and not asked, (dialogs, asked)
    page.close()


@pytest.fixture(scope="module")
def served(tiny_file):
    with serve(tiny_file) as url:
        yield url


def open_compare(chromium, url: str):
    page = chromium.new_page(viewport={"width": 1400, "height": 1200}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{url}/compare", wait_until="domcontentloaded")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    page.wait_for_selector("[data-testid='stMain'] [data-testid='stDownloadButton'] button", timeout=60_000)
    return page, errors


def download(page, button, timeout: float = 120_000) -> tuple[str, bytes]:
    with page.expect_download(timeout=timeout) as info:
        button.click()
    got = info.value
    return got.suggested_filename, Path(got.path()).read_bytes()


@pytest.mark.skipif(
    not images.images_available() and os.environ.get("CI") != "true", reason=images.NO_BROWSER
)  # under CI the test runs, and fails without Chromium
def test_every_download_button_gives_its_file(chromium, served, tiny_file):
    spec = registry.find_chart(load_factbase(tiny_file), None, COMPARE)
    page, errors = open_compare(chromium, served)
    for fmt in ex.FORMATS:
        button = page.locator("[data-testid='stMain'] [data-testid='stDownloadButton'] button").filter(
            has_text=fmt.upper()
        )
        name, data = download(page, button.first)
        assert name == spec.file_name(fmt)
        if fmt == "png":
            assert data[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(data[16:20], "big") == ex.WIDTH * ex.SCALE
        elif fmt == "svg":
            text = data.decode()
            assert text.startswith("<svg") and "North Korean casualties, January 2025" in text
            assert "Source: The Daily Example" in text
        elif fmt == "pdf":
            assert data[:5] == b"%PDF-"
        elif fmt == "html":
            assert b"<title>North Korean casualties, January 2025</title>" in data and len(data) > 1_000_000
        elif fmt == "csv":
            table = pd.read_csv(io.BytesIO(data))
            assert sorted(table["fact_id"]) == ["nk-us", "nk-zelenskyy"]
            assert sorted(table["central"]) == [1200.0, 4000.0] and set(table["publisher"]) == {"The Daily Example"}
        elif fmt == "json":
            document = json.loads(data)
            assert document["chart"] == COMPARE and len(document["rows"]) == 2
    assert not errors
    page.close()


def test_export_everything_gives_a_zip(chromium, served):
    page, errors = open_compare(chromium, served)
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("Export everything").click()
    formats = ["png", "csv"]  # the default choice (without Chromium: csv alone)
    sidebar.locator("[data-testid='stButton'] button").filter(has_text="Make ZIP").click()
    button = sidebar.locator("[data-testid='stDownloadButton'] button").filter(has_text="Download ZIP")
    button.wait_for(timeout=120_000)  # made with a progress bar, then offered
    name, data = download(page, button)
    assert name.startswith("factdash-export_") and name.endswith(".zip")
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert names[-3:] == ["data.csv", "SOURCES.md", "README.txt"]
    assert all(n.startswith("csv/") for n in names if n.endswith(".csv") and n != "data.csv")
    if images.images_available():
        assert len(names) == 4 * len(formats) + 3 and any(n.startswith("png/") for n in names)
    readme = zipfile.ZipFile(io.BytesIO(data)).read("README.txt").decode()
    assert "content hash:" in readme and "Filter:     no filter (all facts)" in readme
    assert not errors
    page.close()


def test_the_toolbar_camera_saves_the_sources_footer(chromium, served, tiny_file):
    """The modebar's camera saves what the page draws; the footer is drawn into the figure, so the
    SVG names its sources, the as-of range and the filter as the server's images do."""
    spec = registry.find_chart(load_factbase(tiny_file), None, COMPARE)
    page, errors = open_compare(chromium, served)
    plot = page.locator("[data-testid='stMain'] .js-plotly-plot").first
    plot.hover()
    camera = plot.locator(".modebar-btn[data-title^='Download plot']")
    camera.wait_for(timeout=30_000)
    name, data = download(page, camera, timeout=60_000)
    text = data.decode()
    assert name == spec.file_name("svg") and text.lstrip().startswith("<svg")
    assert "North Korean casualties, January 2025" in text
    assert "Source: The Daily Example (A report, 2025-01-09)" in text and "Filter: no filter" in text
    assert "exported" not in text  # a page's figure carries no export date: it may be saved days later
    assert not errors
    page.close()
