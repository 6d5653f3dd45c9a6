"""Nothing written in a fact file runs: every free-text field carries script payloads, and a real
Chromium visits every page, opens the tables and hover labels, switches filters, and opens the
exported HTML and SVG, checking that nothing executed and that the payloads show as literal text."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from charts.registry import view_charts
from dashboard import load_factbase
from dashboard.factbase.schema import json_schema

from .serving import serve

# Each payload bumps window.__xss if it ever runs; the quote-breakers end an attribute or a tag first.
RUN = "window.__xss=(window.__xss||0)+1"
PAYLOADS = (
    f"<script>{RUN}</script>",
    f'<img src=x onerror="{RUN}">',
    f'<svg onload="{RUN}">',
    f"[click](javascript:{RUN})",
    f'"><script>{RUN}</script>',
    f"'><img src=x onerror={RUN}>",
    "{{7*7}} ${7*7}",
    "&lt;b&gt;entity&lt;/b&gt; &amp; &#60;i&#62;",
    ":red[red] :material/warning: :smile: ==x==",
)
# What a reader must see literally after each field's marker: the first payload, as text.
SHOWN_AS_TEXT = f"<script>{RUN}</script>"
# The payload of a field too short for all of them (a claimant's short_name, a unit_label): a
# script that would still run, and still reads literally as "<script>window.__xss=...".
SHORT_PAYLOAD = "<script>window.__xss=1</script>"

# Strings of the schema that are not free text shown to readers; each new string field must be
# sorted into this table, URL_FIELDS or SHOWN/NOT_SHOWN below, or test_every_text_field_is_covered fails.
NOT_TEXT = {("FactFile", "include"): "paths of other fact files, read by the loader, never displayed"}


def _is_text(prop: dict) -> bool:
    """A plain string (or a list of them, or either or null) with no pattern or choice: free text."""
    options = prop.get("anyOf", [prop])
    kinds = [o for o in options if o.get("type") != "null"]
    if len(kinds) != 1:
        return False  # dates, amounts: several types, each checked by the loader
    kind = kinds[0]
    if kind.get("type") == "array":
        kind = kind.get("items", {})
    return kind.get("type") == "string" and not ({"enum", "pattern", "const"} & set(kind))


def _max_length(model: str, name: str) -> int | None:
    prop = _models()[model]["properties"][name]
    return next((o["maxLength"] for o in prop.get("anyOf", [prop]) if "maxLength" in o), None)


def _is_url(prop: dict) -> bool:
    return "http://" in prop.get("description", "")


def _models() -> dict[str, dict]:
    schema = json_schema()
    return {"FactFile": schema, **schema["$defs"]}


def text_fields() -> set[tuple[str, str]]:
    """(model, field) of every free-text string of the fact file schema."""
    return {
        (model, name)
        for model, spec in _models().items()
        for name, prop in spec.get("properties", {}).items()
        if _is_text(prop) and not _is_url(prop) and (model, name) not in NOT_TEXT
    }


def url_fields() -> set[tuple[str, str]]:
    return {
        (model, name)
        for model, spec in _models().items()
        for name, prop in spec.get("properties", {}).items()
        if _is_url(prop)
    }


def _is_list(model: str, name: str) -> bool:
    prop = _models()[model]["properties"][name]
    return any(o.get("type") == "array" for o in prop.get("anyOf", [prop]))


class Payloads:
    """Hands out a field value per (model, field, instance): a unique marker, then every payload."""

    def __init__(self) -> None:
        self.markers: dict[str, tuple[str, str, str]] = {}

    def text(self, model: str, name: str, instance: str) -> str | list[str]:
        marker = f"XSS{len(self.markers):03d}X"
        self.markers[marker] = (model, name, instance)
        if _is_list(model, name):
            return [f"{marker} {PAYLOADS[0]}", *PAYLOADS[1:]]  # tags are kept to 200 characters each
        text = f"{marker} " + " ".join(PAYLOADS)
        longest = _max_length(model, name)
        if longest is not None and len(text) > longest:
            text = f"{marker} {SHORT_PAYLOAD}"
            assert len(text) <= longest, f"{model}.{name} holds {longest} characters: too few for a payload"
        return text

    def fill(self, model: str, record: dict, instance: str) -> dict:
        """`record` with every free-text field of `model` added."""
        for m, name in sorted(text_fields()):
            if m == model:
                record[name] = self.text(model, name, instance)
        return record


def payload_document(payloads: Payloads) -> dict:
    """A fact base with a question and a conflict (Questions, Compare), a series over time
    (Timelines), aid packages (Aid), an event, two sources and three claimants, every free-text
    field of each carrying the payloads."""
    doc = payloads.fill("FactFile", {"schema_version": 1}, "file")
    doc["sources"] = {
        s: payloads.fill(
            "Source",
            {
                "kind": "news",
                "url": f"https://example.org/{s}",
                "archive_url": f"https://archive.example.org/{s}",
                "published": "2025-01-09",
            },
            s,
        )
        for s in ("src-a", "src-b")
    }
    doc["claimants"] = {
        c: payloads.fill("Claimant", {"kind": "government", "party_to_conflict": party}, c)
        for c, party in (("cl-a", False), ("cl-b", True), ("cl-c", False))
    }
    doc["metrics"] = {
        "m-hit": payloads.fill(
            "Metric", {"category": "casualties", "aggregation": "cumulative", "since": "2024-10"}, "m-hit"
        ),
        # The Aid page draws money only: this metric's unit is a currency, the next one's is a payload.
        "m-aid": {**payloads.fill("Metric", {"category": "aid", "aggregation": "increment"}, "m-aid"), "unit": "USD"},
        "m-aid-kit": payloads.fill("Metric", {"category": "aid", "aggregation": "increment"}, "m-aid-kit"),
        # A running total the packages add up to: the Aid page shows its adds_up note.
        "m-aid-total": {
            **payloads.fill("Metric", {"category": "aid", "aggregation": "cumulative"}, "m-aid-total"),
            "unit": "USD",
            "adds_up": payloads.fill("AddsUp", {"metrics": ["m-aid"]}, "m-aid-total-adds-up"),
        },
    }
    del doc["metrics"]["m-aid-total"]["subject"]  # adds_up needs the subject of its packages, or none
    facts = [
        ("f-a-1", "m-hit", 1000, "2024-12-01", "cl-a", "src-a"),
        ("f-a-2", "m-hit", 4000, "2025-01-09", "cl-a", "src-a"),
        ("f-b-1", "m-hit", 500, "2024-12-02", "cl-b", "src-b"),
        ("f-b-2", "m-hit", 1200, "2025-01-10", "cl-b", "src-b"),
        ("f-aid-1", "m-aid", 500_000_000, "2025-01-09", "cl-c", "src-a"),
        ("f-aid-2", "m-aid", 988_000_000, "2024-12-01", "cl-c", "src-b"),
        ("f-kit-1", "m-aid-kit", 31, "2025-01-09", "cl-c", "src-b"),
        ("f-total-1", "m-aid-total", 1_400_000_000, "2025-01-09", "cl-c", "src-a"),
    ]
    doc["questions"] = {"q-hit": payloads.fill("Question", {"metrics": ["m-hit"]}, "q-hit")}
    doc["facts"] = [
        payloads.fill("Fact", {"id": i, "metric": m, "value": v, "as_of": d, "claimant": c, "source": s}, i)
        for i, m, v, d, c, s in facts
    ]
    doc["events"] = [payloads.fill("Event", {"id": "ev-1", "date": "2024-12-20", "source": "src-a"}, "ev-1")]
    return doc


def write_payload_base(folder: Path) -> tuple[Path, dict[str, tuple[str, str, str]]]:
    """facts.yaml in `folder` full of payloads; also the markers, each naming (model, field, instance)."""
    payloads = Payloads()
    path = folder / "facts.yaml"
    path.write_text(
        yaml.safe_dump(payload_document(payloads), sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8"
    )
    return path, payloads.markers


# ---- which fields a reader sees, and where --------------------------------------------------------

# Shown on the dashboard's pages (text, tables, dropdowns, chart labels and hover labels). Every
# text field is in exactly one of the two tables, and the browser checks both ways: these appear
# as literal text, the others nowhere (a field newly put on a page must be added here on purpose).
SHOWN = {
    ("FactFile", "description"),
    ("Source", "title"),
    ("Source", "publisher"),
    ("Source", "license"),
    ("Claimant", "name"),
    ("Claimant", "short_name"),
    ("Metric", "label"),
    ("Metric", "unit_label"),
    ("Metric", "definition"),
    ("Question", "title"),
    ("Question", "note"),
    ("AddsUp", "note"),
    ("Fact", "quote"),
    ("Event", "label"),
    ("Event", "note"),
}
NOT_SHOWN = {
    # Figures and axes write the unit in words (unit_label, which this base gives); a metric without
    # one is written by its unit through the same column (frame.unit_words), so unit_label covers it.
    ("Metric", "unit"): "written as its unit_label",
    ("FactFile", "title"): "exports' README and JSON only",
    ("Source", "author"): "SOURCES.md in exports",
    ("Source", "language"): "",
    ("Source", "note"): "",
    ("Claimant", "affiliation"): "",
    ("Claimant", "aliases"): "",
    ("Claimant", "note"): "",
    ("Metric", "subject"): "",
    ("Fact", "note"): "",
    ("Fact", "tags"): "",
}
# Drawn in every exported chart file (title, axis, legend or ticks, the sources footer).
# A legend names a claimant by its short name and an axis writes the unit in words (unit_label);
# the name whole and the unit as written are in the CSV, JSON and SOURCES.md beside the image.
SHOWN_IN_EXPORTS = {
    ("Source", "publisher"),
    ("Claimant", "short_name"),
    ("Metric", "label"),
    ("Metric", "unit_label"),
}

PAGES = ("", "questions", "compare", "timelines", "aid", "sources", "quality")

# Anything a payload could have turned into: an inline handler, a javascript: or data: link, a script
# element holding it (the argument: what a script must not contain).
FIND_LIVE_PAYLOADS = """(scriptNeedle) => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const name of el.getAttributeNames()) {
      const value = el.getAttribute(name) || '';
      if ((name.startsWith('on') && value.includes('__xss')) ||
          (/^(href|src|xlink:href|action|formaction)$/.test(name) && /^\\s*(javascript|data):/i.test(value)))
        found.push(`${el.tagName} ${name}=${value.slice(0, 80)}`);
    }
    if (el.tagName.toLowerCase() === 'script' && (el.textContent || '').includes(scriptNeedle))
      found.push(`script: ${el.textContent.slice(0, 80)}`);
  }
  return found;
}"""
LITERAL = re.compile(r"(XSS\d{3}X)<script>window\.__xss=")


def literal_markers(text: str) -> set[str]:
    """Markers followed by the first payload as visible characters (white space ignored: labels wrap)."""
    return set(LITERAL.findall(re.sub(r"\s+", "", text)))


_PAYLOAD_TEXT = re.sub(r"\s+", "", " ".join(PAYLOADS))
# Conflict summaries leave out what a claimant's name has in brackets ("US officials (unnamed)").
_PAYLOAD_FORMS = (
    _PAYLOAD_TEXT,
    re.sub(r"\s+", "", re.sub(r"\s*\([^)]*\)", "", " ".join(PAYLOADS))),
    SHORT_PAYLOAD,
)
_AFTER_MARKER = re.compile(rf"(XSS\d{{3}}X)(.{{0,{len(_PAYLOAD_TEXT)}}})")


def altered(text: str, names: dict[str, tuple[str, str, str]]) -> list[str]:
    """Places where a marker is followed by something other than the payloads as typed (or a cut
    prefix of them ending in "…"): markdown or HTML took part of them as formatting."""
    bad = []
    for marker, after in _AFTER_MARKER.findall(re.sub(r"\s+", "", text)):
        if _is_list(*names[marker][:2]):
            continue  # list items (tags) carry one payload each
        kept = after.split("…", 1)[0] if "…" in after else after
        if not any(after.startswith(form) or ("…" in after and form.startswith(kept)) for form in _PAYLOAD_FORMS):
            bad.append(marker + after)
    return bad


def fields_of(markers: set[str], names: dict[str, tuple[str, str, str]]) -> set[tuple[str, str]]:
    return {names[m][:2] for m in markers}


def test_every_text_field_is_covered():
    fields = text_fields()
    assert fields, "the schema has no text fields: the enumeration is broken"
    assert ("Fact", "quote") in fields and ("Source", "url") not in fields
    assert not SHOWN & set(NOT_SHOWN)
    assert fields == SHOWN | set(NOT_SHOWN), (
        f"sort these new text fields into SHOWN or NOT_SHOWN: {sorted(fields - SHOWN - set(NOT_SHOWN))}; "
        f"gone from the schema: {sorted(SHOWN | set(NOT_SHOWN) - fields)}"
    )
    payloads = Payloads()
    payload_document(payloads)
    assert {m[:2] for m in payloads.markers.values()} == fields  # the fact base fills every one of them


@pytest.fixture(scope="module")
def payload_base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("payloads")
    path, markers = write_payload_base(folder)
    return path, markers


def _watch(page) -> dict:
    record = {"dialogs": [], "errors": [], "texts": []}
    page.on("dialog", lambda dialog: (record["dialogs"].append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: record["errors"].append(str(error)))
    return record


def _quiet(page) -> None:
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


def _look(page, record: dict) -> None:
    """Note what the page shows now, and whether anything ran or could run."""
    record["texts"].append(page.evaluate("() => document.body.textContent"))
    record.setdefault("ran", []).append(page.evaluate("() => window.__xss"))
    record.setdefault("live", []).extend(page.evaluate(FIND_LIVE_PAYLOADS, "window.__xss"))
    record.setdefault("links", []).extend(
        page.evaluate(
            "() => [...document.querySelectorAll('a')].map(a => a.textContent).filter(t => t.trim() === 'click')"
        )
    )


def _hover_points(page, record: dict, limit: int = 8) -> None:
    """Move the pointer over chart points (and event labels) so Plotly draws their hover labels."""
    marks = page.locator(
        ".js-plotly-plot .scatterlayer .point, .js-plotly-plot .barlayer .point, "
        ".js-plotly-plot .annotation[data-index]"
    )
    for index in range(min(marks.count(), limit)):
        box = marks.nth(index).bounding_box()
        if not box or box["width"] == 0 and box["height"] == 0:
            continue
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        try:
            page.wait_for_selector(
                ".js-plotly-plot .hoverlayer .hovertext, .js-plotly-plot .hoverlayer .annotation", timeout=1_500
            )
        except Exception:  # noqa: BLE001 - a mark without a hover label (a key entry, a caption)
            continue
        record["texts"].append(page.locator(".js-plotly-plot .hoverlayer").first.text_content() or "")
        record.setdefault("hovered", 0)
        record["hovered"] += 1
        _look(page, record)
    page.mouse.move(5, 5)


def _open_dropdowns(page, record: dict, scope: str) -> None:
    """Open each select box under `scope` so that its options (claimant names, titles) are drawn."""
    boxes = page.locator(f"{scope} [data-testid='stMultiSelect'], {scope} [data-testid='stSelectbox']")
    for index in range(boxes.count()):
        box = boxes.nth(index).locator("input").first
        if not box.is_visible():
            continue  # inside a closed expander (the sidebar's export formats)
        box.click(timeout=10_000)
        try:
            page.wait_for_selector("[role='listbox'], [data-baseweb='menu']", timeout=3_000)
        except Exception:  # noqa: BLE001 - a box whose every option is chosen shows no list
            pass
        _look(page, record)
        page.keyboard.press("Escape")


def _visit(url: str, chromium, path: str) -> dict:
    page = chromium.new_page(viewport={"width": 1400, "height": 1100})
    record = _watch(page)
    page.goto(f"{url}/{path}", wait_until="domcontentloaded")
    page.wait_for_selector("[data-testid='stApp'] h1", timeout=60_000)
    _quiet(page)
    shown = page.evaluate("() => document.body.innerText")
    assert "encountered an error" not in shown, f"/{path} fails on the payload base: {shown[:400]}"
    if path in ("compare", "timelines", "aid"):
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    _look(page, record)
    _hover_points(page, record)
    expanders = page.locator("[data-testid='stMain'] [data-testid='stExpander'] summary")
    for index in range(expanders.count()):
        expanders.nth(index).click()
        _quiet(page)
        _look(page, record)
    _open_dropdowns(page, record, "[data-testid='stMain']")
    _open_dropdowns(page, record, "[data-testid='stSidebar']")
    # Switch a filter: the first claimant only, then look again (the charts and tables are redrawn).
    claimant = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").filter(has_text="Claimant (who")
    claimant.locator("input").click()
    page.locator("[role='option']").first.click()
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"claimant="), timeout=30_000)
    _quiet(page)
    page.wait_for_timeout(500)
    _look(page, record)
    _hover_points(page, record)
    page.close()
    return record


@pytest.fixture(scope="module")
def visits(payload_base, chromium):
    """Every page of a served payload base, looked at and played with once; a record per page."""
    with serve(payload_base[0]) as url:
        yield {path: _visit(url, chromium, path) for path in PAGES}


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_nothing_from_the_data_runs_on_any_page(visits, path):
    record = visits[path]
    assert record["ran"] and set(record["ran"]) == {None}, f"window.__xss was set on /{path}: a payload ran"
    assert not record["dialogs"], record["dialogs"]
    assert not record["live"], f"payloads became live markup on /{path}: {record['live'][:5]}"
    assert not [e for e in record["errors"] if "__xss" in e], record["errors"]


@pytest.mark.browser
def test_payloads_are_shown_as_literal_text(visits, payload_base):
    names = payload_base[1]
    seen = set().union(*(literal_markers(t) for record in visits.values() for t in record["texts"]))
    shown = fields_of(seen, names)
    assert shown == SHOWN, (
        f"shown but not listed in SHOWN: {sorted(shown - SHOWN)}; listed but not shown as text: {sorted(SHOWN - shown)}"
    )
    assert sum(record.get("hovered", 0) for record in visits.values()) >= 6  # hover labels were really drawn
    # Markdown did not get its way anywhere: no link made of "[click](...)", no {{7*7}} turned into
    # italics, entities kept as typed (a reader sees "&lt;b&gt;", not "<b>").
    for path, record in visits.items():
        for text in record["texts"]:
            assert not altered(text, names), f"/{path} shows a payload altered: {altered(text, names)[:3]}"
            assert "<b>entity</b>" not in text and "{{77}}" not in text, f"/{path} decoded or formatted a payload"
        assert not record["links"], f"/{path} turned data into links: {record['links'][:3]}"


# ---- exported files ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(payload_base, tmp_path_factory):
    """`factdash export --all` of the payload base as HTML and SVG (a real Kaleido in Chromium)."""
    from .serving import require_chromium

    require_chromium()
    out = tmp_path_factory.mktemp("exported")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "dashboard.cli",
            "export",
            "--facts",
            str(payload_base[0]),
            "--all",
            "--format",
            "html,svg",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return out


@pytest.mark.browser
@pytest.mark.parametrize("fmt", ["html", "svg"])
def test_exported_files_run_nothing_and_show_the_payloads_as_text(exported, payload_base, chromium, fmt):
    names = payload_base[1]
    files = sorted(exported.glob(f"*.{fmt}"))
    charts = view_charts(load_factbase(payload_base[0]))
    assert len(files) == len(charts) >= 4, [f.name for f in files]  # compare, timelines, aid in USD
    seen: set[str] = set()
    for file in files:
        source = file.read_text(encoding="utf-8")
        # In the file itself: no payload as live markup (the HTML's figure JSON escapes "<" as \u003c).
        assert "<script>window.__xss" not in source and "<img src=x onerror" not in source, file.name
        assert "<svg onload" not in source, file.name
        page = chromium.new_page(viewport={"width": 1200, "height": 1000})
        record = _watch(page)
        page.goto(file.as_uri(), wait_until="load")
        if fmt == "html":
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
            _hover_points(page, record)
            drawn = page.evaluate(
                "() => [...document.querySelectorAll('.js-plotly-plot svg')].map(s => s.textContent).join(' ')"
            )
        else:
            drawn = page.evaluate("() => document.documentElement.textContent")
        assert page.evaluate("() => window.__xss") is None, f"a payload ran in {file.name}"
        # The HTML's figure JSON names window.__xss inside escaped strings: only a raw tag would run.
        live = page.evaluate(FIND_LIVE_PAYLOADS, "<script>window.__xss")
        assert not live and not record["dialogs"], (file.name, live, record["dialogs"])
        assert not altered(drawn, names), (file.name, altered(drawn, names)[:3])
        seen |= literal_markers(drawn) | set().union(*map(literal_markers, record["texts"]))
        page.close()
    shown = fields_of(seen, names)
    assert SHOWN_IN_EXPORTS <= shown, f"not shown as text in the exported {fmt}: {sorted(SHOWN_IN_EXPORTS - shown)}"
    if fmt == "html":
        assert ("Fact", "quote") in shown  # the hover labels were drawn


def test_urls_other_than_http_are_rejected_where_they_are_written(write, minimal):
    """A source link is the only place a URL from the data becomes a link: javascript: and data:
    addresses never get that far."""
    bad = {"url": "javascript:window.__xss=1", "archive_url": "data:text/html,<script>window.__xss=1</script>"}
    text = minimal.replace(
        "    url: https://example.org/report\n",
        "".join(f"    {k}: {yaml.safe_dump(v, default_style=chr(34)).strip()}\n" for k, v in bad.items()),
    )
    path = write("facts.yaml", text)
    lines = path.read_text(encoding="utf-8").splitlines()
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "validate", str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for field in bad:
        line = next(i for i, text in enumerate(lines, 1) if text.strip().startswith(f"{field}:"))
        column = lines[line - 1].index('"') + 1
        expected = f"facts.yaml:{line}:{column}: source 'rep': {field} "
        assert expected in done.stdout + done.stderr, (expected, done.stdout + done.stderr)
    assert "is not an http:// or https:// address" in done.stdout + done.stderr
