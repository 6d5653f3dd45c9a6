"""The C scanner of facts sections (dashboard/_factscan.c, factscan.py) means exactly what the general
YAML path means, or declines.

It may only ever answer "the same as the general path" (a clean file, the same frame, declarations,
events and keys) or "don't know" (None, and the general path reads the file). These tests hold it to
that on the repo's own files, generated files in every style it reads, hand-made files it must
decline, mutated files and random bytes.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import FactBaseError, load_factbase
from dashboard.factbase import factscan, loader
from dashboard.factbase.schema import FACT_FIELDS
from dashboard.factbase.yamltext import YamlProblems, decode, resolve_plain

from .conftest import MINIMAL, ROOT
from .test_halves import assert_same_result
from .test_properties import mutated_text

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import write_factbase  # noqa: E402

# Without a C compiler the package installs without the scanner and every file goes the general way;
# these tests then skip with this message, except under CI, which builds it and must test it.
EXAMPLES = int(os.environ.get("FACTDASH_FUZZ_EXAMPLES", "150"))
pytestmark = pytest.mark.skipif(not factscan.AVAILABLE and os.environ.get("CI") != "true",
                                reason="dashboard._factscan is not built (pip install -e . needs a C compiler)")


def both_ways(text: str, file: str = "facts.yaml") -> tuple[loader.FileResult | None, loader.FileResult]:
    data = text.encode("utf-8")
    return loader._check_scanned(file, "d", data), loader._check_text(file, "d", text)


def test_the_scanner_is_built():
    assert factscan.AVAILABLE, "dashboard._factscan did not build: pip install -e . needs gcc and Python's headers"


@pytest.mark.parametrize("path", sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "facts").glob("*.yaml")
                                        if "\nfacts:" in p.read_text(encoding="utf-8")))
def test_the_repos_fact_files_are_scanned_to_the_general_paths_result(path):
    scanned, general = both_ways((ROOT / path).read_text(encoding="utf-8"), path)
    assert scanned is not None, f"{path}: the scanner declined a clean file written by our own tools"
    assert_same_result(scanned, general)


def test_a_generated_series_is_scanned_to_the_general_paths_result(tmp_path):
    write_factbase(tmp_path, 3_000)
    text = (tmp_path / "series.yaml").read_text(encoding="utf-8")
    scanned, general = both_ways(text, "series.yaml")
    assert scanned is not None
    assert_same_result(scanned, general)
    assert scanned.facts["line"].tolist() == general.facts["line"].tolist()  # each fact's "- " line
    assert scanned.facts["tags"].notna().sum() > 0  # the generator writes flow lists of tags
    assert '    value: "' in text  # ... and figures as text, which the scanner hands over as written


def test_a_load_through_the_scanner_gives_the_same_base_as_without_it(tmp_path, monkeypatch):
    write_factbase(tmp_path, 2_000)
    monkeypatch.setenv("FACTDASH_CACHE_DIR", "off")
    calls = []
    original = factscan.scan
    monkeypatch.setattr(factscan, "scan", lambda data: calls.append(original(data)) or calls[-1])
    scanned = load_factbase(tmp_path / "facts.yaml")
    assert len(calls) == 2 and all(c is not None for c in calls)  # both files went the scanned way
    monkeypatch.setattr(factscan, "_factscan", None)
    general = load_factbase(tmp_path / "facts.yaml")
    for name in ("facts", "sources", "claimants", "metrics", "events"):
        pd.testing.assert_frame_equal(getattr(scanned, name), getattr(general, name))


def test_the_scanner_answers_the_same_off_the_main_thread(tmp_path):
    """Servers load in script threads, where the header parts go the located way (no yaml_rs)."""
    write_factbase(tmp_path, 500)
    text = (tmp_path / "series.yaml").read_text(encoding="utf-8")
    found = []
    worker = threading.Thread(target=lambda: found.append(loader._check_scanned("s.yaml", "d", text.encode())))
    worker.start()
    worker.join()
    assert found[0] is not None
    assert_same_result(found[0], loader._check_text("s.yaml", "d", text))


# ---- files in every style the scanner reads ---------------------------------------------------------

letters = st.sampled_from("abcdefghijklmnopqrstuvwxyz")
ids = st.builds(lambda first, rest: first + "".join(rest), letters,
                st.lists(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-._"), max_size=10))
# Text with no line break YAML knows of beyond \n (NEL, LS, PS), no BOM, no control characters.
text_chars = st.characters(blacklist_categories=("Cs", "Cc"),
                           blacklist_characters="\ufffe\uffff\ufeff\u2028\u2029\x85")
plain_words = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ ()/.é-"), min_size=1, max_size=20)
PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 ()/.é_-]*")  # safe unquoted in block and flow context alike


@st.composite
def quoted(draw, given=None) -> str:
    """The same text written plain, 'single', or "double" quoted with escapes."""
    text = given if given is not None else draw(st.text(text_chars, max_size=30))
    style = draw(st.sampled_from(["double", "single", "plain", "escaped"]))
    if style == "single" and "\n" not in text and "\t" not in text:
        return "'" + text.replace("'", "''") + "'"
    if style == "escaped":
        return '"' + "".join(f"\\u{ord(c):04x}" if ord(c) < 0x10000 and draw(st.booleans()) else
                             json.dumps(c, ensure_ascii=False)[1:-1] for c in text) + '"'
    if style == "plain":
        word = (given if given is not None else draw(st.builds(lambda first, rest: first + rest, letters, plain_words)))
        if PLAIN.fullmatch(word) and word == word.rstrip() and word.lower() not in ("null", "true", "false"):
            return word
    return json.dumps(text, ensure_ascii=False)


amounts = st.one_of(st.integers(0, 10**15).map(str), st.integers(0, 10**6).map(lambda n: f"{n}.{n % 97}"),
                    st.integers(0, 10**6).map(lambda n: f'"{n:,}"'), st.integers(0, 10**6).map(lambda n: f"{n:,}"),
                    st.sampled_from(['"$500 million"', "3.85e9", "500_000_000", "'66bn'", "0x1F", "1.", "007",
                                     "-0"]))
dates = st.one_of(st.dates(min_value=__import__("datetime").date(1990, 1, 1),
                           max_value=__import__("datetime").date(2090, 12, 31)).map(lambda d: d.isoformat()),
                  st.integers(1990, 2090).map(str), st.integers(1990, 2090).map(lambda y: f"{y}-0{y % 9 + 1}"),
                  st.integers(1990, 2090).map(lambda y: f"'{y}-01-02'"))


@st.composite
def styled_fact_files(draw):
    """A clean fact file in any of the styles the scanner reads: indentation, quoting, key order,
    comments and blank lines, flow and block tag lists, numbers and dates in their YAML spellings."""
    count = draw(st.integers(1, 8))
    fact_ids = draw(st.lists(ids, min_size=count, max_size=count, unique=True))
    indent = " " * draw(st.sampled_from([0, 2, 4]))
    lines = [MINIMAL.rstrip("\n"), "facts:" + draw(st.sampled_from(["", "  # the figures"]))]
    for fact_id in fact_ids:
        fields = {"id": draw(st.sampled_from([fact_id, f'"{fact_id}"', f"'{fact_id}'"])),
                  "metric": draw(st.sampled_from(["nk-casualties", '"nk-casualties"', "us-package"])),
                  "as_of": draw(dates), "claimant": draw(st.sampled_from(["us-officials", "'zelenskyy'"])),
                  "source": "rep"}
        figure = draw(st.sampled_from(["value", "range", "both"]))
        if figure in ("value", "both"):
            fields["value"] = draw(amounts)
        if figure in ("range", "both"):
            low = draw(st.integers(0, 1000))
            fields["low"], fields["high"] = str(low), str(low + draw(st.integers(0, 1000)))
            if figure == "both":
                fields["value"] = str(low)
        fields["qualifier"] = draw(st.sampled_from(["exact", "approximately", '"exact"'])) \
            if figure != "value" else draw(st.sampled_from(["exact", "approximately", "at_least", "at_most"]))
        for optional in ("quote", "note"):
            if draw(st.booleans()):
                fields[optional] = draw(quoted())
        if draw(st.booleans()):
            fields["stated"] = draw(dates)
        if draw(st.booleans()):
            fields["via"] = "rep"
        if draw(st.booleans()):
            fields["note"] = ""  # an empty value is null
        order = draw(st.permutations(list(fields)))
        gap = " " * draw(st.sampled_from([1, 1, 3]))  # "- id" or "-   id"
        column = indent + " " + gap
        for n, key in enumerate(order):
            value = fields[key]
            comment = draw(st.sampled_from(["", "", "  # checked"])) if not value.startswith(("'", '"')) or \
                value.endswith(("'", '"')) else ""
            head = indent + "-" + gap if n == 0 else column
            lines.append(f"{head}{key}: {value}{comment}".rstrip() if value else f"{head}{key}:")
            if draw(st.integers(0, 9)) == 0:
                lines.append(draw(st.sampled_from(["", "# a comment at the margin", column + "# an indented one"])))
        tags = draw(st.lists(st.builds(lambda t: t, ids), max_size=3))
        style = draw(st.sampled_from(["none", "flow", "block", "empty", "null"]))
        if style == "flow":
            lines.append(f"{column}tags: [{', '.join(draw(quoted(t)) for t in tags)}]")
        elif style == "block":
            lines.append(f"{column}tags:")
            lines += [f"{column}  - {draw(quoted(t))}" for t in tags] or []
        elif style == "empty":
            lines.append(f"{column}tags: []")
        elif style == "null":
            lines.append(f"{column}tags: ~")
    if draw(st.booleans()):
        lines += ["events:", "  - date: 2025-01-09", "    label: Ramstein"]
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n# the end\n"])), count


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(styled_fact_files())
def test_files_in_every_style_are_scanned_to_the_general_paths_result(case):
    text, count = case
    scanned, general = both_ways(text)
    assert general.problems == [] and general.fatal == [], general.problems  # the generator writes clean files
    assert scanned is not None, "the scanner declined a clean file in a style it reads"
    assert len(scanned.facts) == count
    assert_same_result(scanned, general)


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(styled_fact_files(), st.data())
def test_mutated_files_are_scanned_to_the_general_paths_result_or_declined(case, data):
    """Byte flips, deleted and doubled lines, hostile values, tabs: whenever the scanner answers, the
    file is clean and the general path gives exactly that answer."""
    text = mutated_text(case[0], data.draw, (1, 3))
    if text is None:
        return
    try:
        decode(text.encode(), "facts.yaml")  # what the loader checks first, for both ways in
    except YamlProblems:
        return
    scanned = loader._check_scanned("facts.yaml", "d", text.encode())
    if scanned is not None:
        assert_same_result(scanned, loader._check_text("facts.yaml", "d", text))


@settings(max_examples=3 * EXAMPLES, deadline=None, database=None)
@given(st.binary(max_size=300), st.integers(0, 300))
def test_random_bytes_never_crash_the_scanner(data, start):
    found = factscan._factscan.scan(data, min(start, len(data)), 1, FACT_FIELDS, "tags", resolve_plain)
    assert found is None or (isinstance(found, tuple) and len(found) == 4)


# ---- what the scanner must decline -------------------------------------------------------------------

FACT = "  - id: a\n    metric: nk-casualties\n    value: 1200\n    as_of: 2025-01-09\n    claimant: zelenskyy\n" \
       "    source: rep\n"


@pytest.mark.parametrize("fact", [
    FACT + "    note: &n anchored\n",
    FACT + "    note: *n\n",
    FACT + "    note: !!str tagged\n",
    FACT + "    note: |\n      a block scalar\n",
    FACT + "    note: a plain scalar\n      on two lines\n",
    FACT + '    note: "a quoted scalar\n      on two lines"\n',
    FACT + "    note:\ta tab\n",
    FACT.replace("\n", "\r\n"),
    FACT + "    value: 5\n",  # a key twice
    FACT + "    claimnt: zelenskyy\n",  # a typo
    FACT + "    note:\n      nested: mapping\n",
    FACT + "    ? note\n    : explicit\n",
    FACT + "    tags: [a, b, ]\n",
    FACT + "    tags: [a, [b]]\n",
    FACT + "    tags: [1]\n",
    FACT + "    tags:\n      -\n",
    FACT + "    tags:\n    - at the key's own indentation\n",
    FACT + "    note: true\n",
    FACT + "    note: 5\n",  # the schema wants text
    FACT.replace("1200", ".nan"),
    FACT.replace("1200", "1e400"),
    FACT.replace("1200", "1" + "0" * 19),
    FACT.replace("id: a", "id: Not An Id"),
    FACT.replace("    claimant: zelenskyy\n", ""),  # a required key missing
    FACT.replace("    claimant: zelenskyy\n", "    claimant:\n"),  # ... or empty
    FACT + '    note: "\\0 a null"\n',
    FACT + '    note: "\\ud800 a surrogate"\n',
    FACT + '    note: "an escape we do not read: \\e"\n',
    FACT + "    note: a NEL\u0085inside\n",
    FACT + "    note: a line separator\u2028inside\n",
    FACT + "    note: a BOM\ufeffinside\n",
    FACT + "    note : space before the colon\n",
    FACT + "    note: a: mapping in a plain scalar\n",
    FACT + "    qualifier: roughly\n",
    FACT + "    quote: " + "x" * 100_001 + "\n",
    FACT + "  - just text\n",
    FACT + " - id: b\n",  # less indented than the list, but not at the margin
    "  []\n",
    "  - [a, b]\n",
])
def test_what_the_scanner_does_not_read_goes_the_general_way(fact):
    text = MINIMAL + "facts:\n" + fact
    assert factscan.scan(text.encode("utf-8")) is None


@pytest.mark.parametrize("text", [
    MINIMAL + "facts:\n" + FACT + "facts:\n" + FACT,  # the key twice
    MINIMAL + "facts:\n" + FACT + "---\nschema_version: 1\n",  # a second document
    MINIMAL.replace("schema_version: 1", 'schema_version: 1\ntitle: "opens\nfacts:\n') + FACT + 'closes"\n',
    MINIMAL + "facts:\n" + FACT + "sources: {}\n",  # a top-level key twice, across the section
    MINIMAL + "facts: # a comment\n" + FACT + "facts_note: x\n",  # a second line starting "facts"
    "facts:\n" + FACT,  # no schema_version: the schema names it
])
def test_files_around_the_section_that_the_scanner_declines(text):
    data = text.encode("utf-8")
    assert loader._check_scanned("facts.yaml", "d", data) is None


def test_a_file_the_scanner_declines_still_gets_every_message(tmp_path):
    path = tmp_path / "facts.yaml"
    path.write_text(MINIMAL + "facts:\n" + FACT + "    claimnt: zelenskyy\n" + FACT.replace("id: a", "id: b")
                    + "    value: 5\n", encoding="utf-8")
    with pytest.raises(FactBaseError) as caught:
        load_factbase(path)
    messages = [str(p) for p in caught.value.problems]
    first = MINIMAL.count("\n") + 2  # the first fact's line
    assert any(f":{first + 6}:5: " in m and "unknown key 'claimnt'" in m for m in messages)
    assert any(f":{first + 13}:5: " in m and "duplicate key 'value'" in m for m in messages)


def test_facts_at_the_margin_and_text_after_the_section(tmp_path):
    text = (MINIMAL + "facts:\n" + FACT.replace("\n  ", "\n").replace("  - id", "- id").replace("    ", "  ")
            + "# between\nevents:\n  - date: 2025-01-09\n    label: Ramstein\n")
    scanned, general = both_ways(text)
    assert scanned is not None and len(scanned.facts) == 1 and len(scanned.events) == 1
    assert_same_result(scanned, general)


def test_figures_dates_and_text_read_as_yaml_types_them():
    text = MINIMAL + "facts:\n" + "".join(
        FACT.replace("id: a", f"id: f{n}").replace("value: 1200", f"value: {value}").replace(
            "as_of: 2025-01-09", f"as_of: {as_of}")
        for n, (value, as_of) in enumerate([("500_000_000", "2025"), ("3.85e9", "2025-01"),
                                            ('"$500 million"', "'2025'"), ("0x10", "2025-01-09"),
                                            ("1,200", '"2025-02"'), ("12.50", "2024")]))
    scanned, general = both_ways(text)
    assert scanned is not None
    assert_same_result(scanned, general)
    facts = scanned.facts.set_index("fact_id")
    assert facts["value"].tolist() == [500_000_000, 3.85e9, 500e6, 16, 1200, 12.5]
    assert facts["value_currency"].tolist()[2] == "USD"
    assert facts["as_of_precision"].tolist() == ["year", "month", "year", "day", "month", "year"]


def test_the_section_is_read_where_it_is_and_lines_count_from_the_file(tmp_path):
    header = MINIMAL + "# " + "a comment\n# " * 40 + "\n"
    text = header + "facts:\n" + FACT + "\n\n" + FACT.replace("id: a", "id: b")
    scanned, general = both_ways(text)
    assert scanned is not None
    assert scanned.facts["line"].tolist() == [header.count("\n") + 2, header.count("\n") + 10]
    assert_same_result(scanned, general)


def test_the_scanner_can_be_switched_off(tmp_path, monkeypatch):
    text = MINIMAL + "facts:\n" + FACT
    assert factscan.scan(text.encode()) is not None
    monkeypatch.setenv("FACTDASH_SCANNER", "off")
    assert factscan.scan(text.encode()) is None
    monkeypatch.setenv("FACTDASH_CACHE_DIR", "off")
    path = tmp_path / "facts.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_factbase(path).facts["fact_id"].tolist() == ["a"]


def test_a_file_without_the_scanner_loads_the_general_way(tmp_path, monkeypatch):
    monkeypatch.setattr(factscan, "_factscan", None)
    path = Path(tmp_path / "facts.yaml")
    path.write_text(MINIMAL + "facts:\n" + FACT, encoding="utf-8")
    monkeypatch.setenv("FACTDASH_CACHE_DIR", "off")
    assert factscan.scan(path.read_bytes()) is None
    assert load_factbase(path).facts["fact_id"].tolist() == ["a"]
