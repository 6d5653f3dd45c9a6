"""PNG, SVG and PDF exports drawn by Kaleido in the system Chromium: format, size, and the title and
sources inside the image itself; one session for many images; a broken browser is an error, not a hang."""

from __future__ import annotations

import io
import os
import struct
import time
import xml.etree.ElementTree as ET
import zipfile

import pytest

from charts import registry
from dashboard.analysis.filters import Filters
from dashboard.exports import files as ex
from dashboard.exports import images

from .test_export import COMPARE


@pytest.fixture(autouse=True, scope="module")
def _browser_needed():
    if not images.images_available():
        if os.environ.get("CI") == "true":
            pytest.fail(images.NO_BROWSER)
        pytest.skip(images.NO_BROWSER)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def svg_text(data: bytes) -> str:
    root = ET.fromstring(data)  # parses, or raises
    assert root.tag.endswith("svg")
    return " ".join(t for t in root.itertext())


def test_png_has_the_size_asked_for(tiny):
    spec = registry.find_chart(tiny, None, COMPARE)
    assert png_size(ex.to_image(spec, "png", width=600, height=400, scale=2)) == (1200, 800)
    # By default: WIDTH wide, as tall as the chart with its footer, at SCALE.
    width, height = png_size(ex.to_image(spec, "png"))
    assert width == ex.WIDTH * ex.SCALE and height == ex.export_figure(spec).layout.height * ex.SCALE


def test_svg_parses_and_carries_title_sources_as_of_and_filter(tiny):
    spec = registry.find_chart(tiny, Filters(party="all", sources=("rep",)), COMPARE)
    text = svg_text(ex.to_image(spec, "svg"))
    assert "North Korean casualties, January 2025" in text
    assert "Source: The Daily Example (A report, 2025-01-09)" in text
    assert "As of 9 January 2025" in text and "Filter: source: rep" in text
    assert "4,000" in text and "1,200" in text


def test_svg_of_marked_up_data_draws_it_as_text(tiny):
    text = svg_text(ex.to_image(registry.find_chart(tiny, None, "timeline:nk-casualties"), "svg"))
    assert "; @evil <b>Press</b> (=HYPERLINK(" in text  # the publisher as text in the footer, not bold
    assert "<script" not in text


def test_pdf_is_a_pdf(tiny):
    data = ex.to_image(registry.find_chart(tiny, None, "aid:USD"), "pdf")
    assert data[:5] == b"%PDF-" and b"%%EOF" in data[-1024:]


def test_many_images_go_through_one_session(tiny):
    export = ex.Export(tiny, Filters(), registry.view_charts(tiny), ["png", "svg", "pdf"])
    images.render(ex.export_spec(export.charts[0]), "svg")  # the session is up
    started = time.perf_counter()
    archive = zipfile.ZipFile(io.BytesIO(export.to_zip()))
    per_image = (time.perf_counter() - started) / (3 * len(export.charts))
    names = archive.namelist()
    assert len(names) == 3 * 4 + 3
    for name in names:
        data = archive.read(name)
        if name.endswith(".png"):
            assert png_size(data)[0] == ex.WIDTH * ex.SCALE
        elif name.endswith(".svg"):
            assert "Source" in svg_text(data)
        elif name.endswith(".pdf"):
            assert data[:5] == b"%PDF-"
    assert per_image < 3, f"{per_image:.2f} s per image: is Chromium started for each one?"


def test_a_browser_that_does_not_start_is_an_error_not_a_hang(tiny, monkeypatch):
    spec = ex.export_spec(registry.find_chart(tiny, None, COMPARE))
    images.stop()
    monkeypatch.setenv("BROWSER_PATH", "/bin/false")
    started = time.perf_counter()
    with pytest.raises(RuntimeError, match=r"Chromium \(/bin/false\) could not render the image"):
        images.render(spec, "svg")
    assert time.perf_counter() - started < 60
    monkeypatch.delenv("BROWSER_PATH")
    assert images.render(spec, "svg").startswith(b"<svg")  # and the next image starts a good one
