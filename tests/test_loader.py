"""The loader's good path: the tidy frame, includes, the default fact base, caching, fast = located."""

from __future__ import annotations

import math
import os

import pandas as pd
import pytest

from dashboard import FactBaseError, load_factbase
from dashboard.factbase import cache
from dashboard.factbase.frame import FRAME_COLUMNS
from dashboard.factbase.yamltext import parse_checked

from .conftest import ROOT
from .readers import fast_and_located_agree, fast_data


def test_frame_has_documented_columns_and_joined_provenance(write, minimal):
    path = write(
        "facts.yaml",
        minimal
        + """\
facts:
  - id: nk-us
    metric: nk-casualties
    value: "1,200"
    qualifier: approximately
    as_of: 2025-01
    claimant: us-officials
    source: rep
    quote: The U.S. estimates North Korean casualties at around 1,200
    tags: [kursk]
  - id: pkg
    metric: us-package
    value: "$500 million"
    stage: announced
    as_of: 2025-01-09
    claimant: us-officials
    source: rep
""",
    )
    base = load_factbase(path)
    facts = base.facts.set_index("fact_id")
    assert list(base.facts.columns) == FRAME_COLUMNS
    nk = facts.loc["nk-us"]
    assert (nk.value, nk.interval_low, nk.interval_high) == (1200, pytest.approx(1080), pytest.approx(1320))
    assert (nk.unit, nk.category, nk.aggregation, nk.claimant_name) == (
        "people",
        "casualties",
        "cumulative",
        "US officials",
    )
    assert nk.party_to_conflict is False or nk.party_to_conflict == False  # noqa: E712 - pandas boolean
    assert (nk.source_title, nk.url) == ("A report", "https://example.org/report")
    assert nk.as_of == pd.Timestamp("2025-01-01") and nk.as_of_end == pd.Timestamp("2025-01-31")
    assert nk.as_of_precision == "month" and nk.as_of_text == "2025-01"
    assert nk.since == pd.Timestamp("2024-10-01")  # from the metric
    assert nk.stated == pd.Timestamp("2025-01-09")  # from the source's published date
    assert list(nk.tags) == ["kursk"] and nk.line == position_line(path, "- id: nk-us")
    assert facts.loc["pkg", "value"] == 5e8 and facts.loc["pkg", "stage"] == "announced"
    assert base.summary() == "2 facts, 1 sources, 2 claimants, 2 metrics, 0 events"


def position_line(path, needle):
    text = path.read_text()
    return text.count("\n", 0, text.index(needle)) + 1


def test_open_ended_and_ranged_figures(write, minimal):
    base = load_factbase(
        write(
            "facts.yaml",
            minimal
            + """\
facts:
  - {id: a, metric: nk-casualties, value: 100, qualifier: at_least, as_of: 2025, claimant: zelenskyy, source: rep}
  - {id: b, metric: nk-casualties, low: 100, high: 300, as_of: 2025, claimant: zelenskyy, source: rep}
  - {id: c, metric: nk-casualties, high: 50, qualifier: at_most, as_of: 2025, claimant: zelenskyy, source: rep}
""",
        )
    )
    facts = base.facts.set_index("fact_id")
    assert (facts.loc["a", "interval_low"], facts.loc["a", "interval_high"]) == (100, math.inf)
    assert facts.loc["a", "central"] == 100
    assert (facts.loc["b", "central"], facts.loc["b", "interval_high"]) == (200, 300)
    assert (facts.loc["c", "interval_low"], facts.loc["c", "central"]) == (0, 50)


def test_includes_are_merged_and_relative_to_the_including_file(write, minimal):
    write("parts/decl.yaml", minimal)
    write(
        "parts/more.yaml",
        "schema_version: 1\ninclude: [../events.yaml]\nfacts:\n"
        "  - {id: x, metric: nk-casualties, value: 4000, as_of: 2025-01, claimant: zelenskyy, source: rep}\n",
    )
    write("events.yaml", "schema_version: 1\nevents:\n  - {date: 2025-01-09, label: Ramstein, source: rep}\n")
    path = write("facts.yaml", "schema_version: 1\ntitle: Top\ninclude: [parts/decl.yaml, parts/more.yaml]\n")
    base = load_factbase(path)
    assert base.title == "Top"
    assert [os.path.basename(f) for f in base.files] == ["facts.yaml", "decl.yaml", "more.yaml", "events.yaml"]
    assert base.facts.fact_id.tolist() == ["x"] and base.facts.file.iloc[0].endswith("more.yaml")
    assert base.events.label.tolist() == ["Ramstein"]


def test_diamond_include_reads_a_file_once(write, minimal):
    write("decl.yaml", minimal)
    write("a.yaml", "schema_version: 1\ninclude: [decl.yaml]\n")
    write("b.yaml", "schema_version: 1\ninclude: [decl.yaml]\n")
    base = load_factbase(write("facts.yaml", "schema_version: 1\ninclude: [a.yaml, b.yaml]\n"))
    assert len(base.sources) == 1


def test_default_fact_base_holds_the_report_and_the_economist_estimates():
    base = load_factbase(ROOT / "facts.yaml")
    facts = base.facts
    report = facts[facts.source == "ramstein-report"].set_index("fact_id")
    expected = {  # the five figures of the news report
        ("us-pda-package", 500e6, "exact", "us-dod"),
        ("us-pda-authority-remaining", 3.85e9, "approximately", "us-officials"),
        ("us-military-aid-cumulative", 66e9, "more_than", None),
        ("soldier-casualties-north-korea", 1200, "approximately", "us-officials"),
        ("soldier-casualties-north-korea", 4000, "exact", "zelenskyy"),
    }
    found = {
        (r.metric, r.value, r.qualifier, r.claimant if r.claimant in ("us-dod", "us-officials", "zelenskyy") else None)
        for r in report.itertuples()
    }
    assert expected <= found
    assert report.quote.notna().all()
    for row in report.itertuples():
        assert (
            f"{row.value:,.0f}" in row.quote
            or f"{row.value / 1e9:g} billion" in row.quote
            or f"{row.value / 1e6:g} million" in row.quote
        )
    economist = facts[facts.via == "economist-war-dead-estimates"]
    assert len(economist) == 124
    assert set(economist.category) == {"deaths", "casualties"}
    assert economist.source_title.notna().all() and economist.claimant_name.notna().all()
    assert base.sources.loc["economist-war-dead-estimates", "license"] == "MIT"
    assert len(base.events) >= 3


def test_repo_fact_files_validate():
    for path in [ROOT / "facts.yaml", *sorted((ROOT / "facts").glob("*.yaml"))]:
        if path.name == "claimants.yaml":
            continue  # declarations only, used through facts.yaml
        try:
            load_factbase(path) if path.name == "facts.yaml" else None
        except FactBaseError as err:  # pragma: no cover - the message is the point
            pytest.fail(str(err))


def test_warm_load_comes_from_the_cache_and_an_edit_is_seen(write, minimal):
    path = write(
        "facts.yaml",
        minimal + "facts:\n  - {id: a, metric: nk-casualties, value: 1, as_of: 2025, "
        "claimant: zelenskyy, source: rep}\n",
    )
    first = load_factbase(path)
    assert load_factbase(path) is first  # same content, same process: the cached object
    cache.flush()
    cache.clear_memory()
    second = load_factbase(path)  # from the disk cache
    assert second.facts.equals(first.facts)
    path.write_text(path.read_text().replace("value: 1,", "value: 2,"))
    assert load_factbase(path).facts.value.tolist() == [2]


def test_a_warm_start_opens_one_cache_entry_for_the_base_not_one_per_file(write, minimal, monkeypatch):
    write("big.yaml", minimal)
    top = write("facts.yaml", "schema_version: 1\ntitle: one\ninclude: [big.yaml]\n")
    first = load_factbase(top)
    cache.flush()
    cache.clear_memory()  # as a new process starts
    asked = []
    original = cache.get
    monkeypatch.setattr(cache, "get", lambda key: asked.append(key.split("-")[0]) or original(key))
    second = load_factbase(top)
    assert asked == ["files", "base"]
    pd.testing.assert_frame_equal(second.sources, first.sources)
    assert second.title == "one" and second.files == first.files
    (top.parent / "big.yaml").write_text(minimal.replace("title: A report", "title: An edited report"))
    asked.clear()
    assert "An edited report" in load_factbase(top).sources["title"].tolist()  # a changed file: read again
    assert "file" in asked


def test_a_new_process_does_not_read_a_settled_unchanged_file_even_after_an_edit_elsewhere(write, minimal, monkeypatch):
    from dashboard.factbase import loader

    monkeypatch.setattr(loader, "_SETTLED_NS", 0)  # as if every file had been written long ago
    write("big.yaml", minimal)
    top = write("facts.yaml", "schema_version: 1\ntitle: one\ninclude: [big.yaml]\n")
    first = load_factbase(top)

    def new_process() -> list[str]:
        cache.flush()
        cache.clear_memory()
        loader._READ.clear()
        return _count_reads(monkeypatch)

    reads = new_process()
    assert load_factbase(top).title == "one" and reads == []  # the recorded signatures still hold
    top.write_text("schema_version: 1\ntitle: two\ninclude: [big.yaml]\n")
    reads = new_process()
    edited = load_factbase(top)
    assert edited.title == "two" and reads == ["facts.yaml"]  # big.yaml: known unchanged, not read
    pd.testing.assert_frame_equal(edited.sources, first.sources)
    (top.parent / "big.yaml").write_text(minimal.replace("title: A report", "title: Edited"))
    reads = new_process()
    assert "Edited" in load_factbase(top).sources["title"].tolist() and "big.yaml" in reads


def test_a_signature_recorded_while_the_file_was_fresh_is_not_trusted(write, minimal, monkeypatch):
    """A write in the same clock tick as a read can leave the times as they were: only a file that had
    gone unchanged for two seconds when it was read is trusted on its signature afterwards."""
    from dashboard.factbase import loader

    path = write("facts.yaml", minimal)
    loader._READ.clear()
    reads = _count_reads(monkeypatch)
    loader._read(path)  # just written: recorded, not trusted
    monkeypatch.setattr(loader, "_SETTLED_NS", 0)  # the file now looks settled, the record does not
    loader._read(path)
    assert reads == ["facts.yaml"] * 2
    loader._read(path)  # recorded settled on the second read: trusted from now on
    assert reads == ["facts.yaml"] * 2


def test_unchanged_included_file_is_not_parsed_again(write, minimal, monkeypatch):
    write("big.yaml", minimal)
    top = write("facts.yaml", "schema_version: 1\ntitle: one\ninclude: [big.yaml]\n")
    load_factbase(top)
    from dashboard.factbase import loader

    checked = []
    original = loader._check_file
    monkeypatch.setattr(
        loader, "_check_file", lambda file, data, digest: checked.append(file) or original(file, data, digest)
    )
    top.write_text("schema_version: 1\ntitle: two\ninclude: [big.yaml]\n")
    assert load_factbase(top).title == "two"
    assert [os.path.basename(f) for f in checked] == ["facts.yaml"]


def _count_reads(monkeypatch) -> list[str]:
    from pathlib import Path

    reads = []
    original = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self.name) or original(self))
    return reads


def test_a_settled_unchanged_file_is_not_read_again_and_any_rewrite_is(write, minimal, monkeypatch):
    from dashboard.factbase import loader

    fact = "facts:\n  - {id: a, metric: nk-casualties, value: 1, as_of: 2025, claimant: zelenskyy, source: rep}\n"
    path = write("facts.yaml", minimal + fact)
    monkeypatch.setattr(loader, "_SETTLED_NS", 0)  # as if the last change were long ago
    reads = _count_reads(monkeypatch)
    load_factbase(path)
    load_factbase(path)
    assert reads == ["facts.yaml"]
    path.write_text(minimal + fact.replace("value: 1,", "value: 7,"))  # the same size: a new mtime and ctime
    assert load_factbase(path).facts.value.tolist() == [7]
    replacement = path.with_name("new.yaml")  # an editor's save: a new file renamed over the old one
    replacement.write_text(minimal + fact.replace("value: 1,", "value: 8,"))
    os.utime(replacement, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns))
    replacement.replace(path)
    assert load_factbase(path).facts.value.tolist() == [8]
    assert reads == ["facts.yaml"] * 3


def test_a_file_changed_in_the_last_two_seconds_is_read_every_time(write, minimal, monkeypatch):
    path = write("facts.yaml", minimal + "facts: []\n")
    reads = _count_reads(monkeypatch)
    for _ in range(3):
        load_factbase(path)
    assert reads == ["facts.yaml"] * 3


def test_a_corrupt_cache_entry_is_ignored(write, minimal, tmp_path, monkeypatch):
    monkeypatch.setenv("FACTDASH_CACHE_DIR", str(tmp_path / "cache"))
    path = write("facts.yaml", minimal)
    load_factbase(path)
    cache.flush()
    entries = list((tmp_path / "cache").glob("*.json")) + list((tmp_path / "cache").glob("*.arrow"))
    assert entries
    for entry in entries:
        entry.write_bytes(b"garbage")
    cache.clear_memory()
    assert len(load_factbase(path).sources) == 1


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "facts").glob("*.yaml")))
def test_fast_and_located_parsers_agree_on_the_repo_files(name):
    text = (ROOT / "facts" / name).read_text(encoding="utf-8")
    assert fast_and_located_agree(text, name)


def test_quoted_dates_and_numbers_stay_text(write, minimal):
    data, _, _ = parse_checked("a: '2025-01-09'\nb: 2025-01-09\nc: '500'\nd: 500\ne: yes\n", "x.yaml")
    assert data == {"a": "2025-01-09", "b": "2025-01-09", "c": "500", "d": 500, "e": "yes"}
    assert fast_data("a: '2025-01-09'\nb: 2025-01-09\nc: '500'\nd: 500\ne: yes\n") == data


@pytest.mark.parametrize("table", [False, True], ids=["yaml", "csv"])
def test_a_long_series_loads_alike_on_one_thread_and_on_several(tmp_path, monkeypatch, table):
    """Past workers._WORTH_A_THREAD rows the columns are checked, read and joined on several threads
    (and a YAML list is parsed in pieces): the fact base is the one a single thread makes."""
    import sys

    from dashboard.factbase import loader, workers

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import write_factbase
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    rows = workers._WORTH_A_THREAD + 5_000
    top = write_factbase(tmp_path, rows, table=table)
    monkeypatch.setenv("FACTDASH_CACHE_DIR", "off")
    spread, each = [], workers.each
    monkeypatch.setattr(workers, "each", lambda f, items, rows: spread.append(rows) or each(f, items, rows=rows))
    threaded = load_factbase(top)
    assert max(spread) >= workers._WORTH_A_THREAD  # columns were worked on side by side
    cache.clear_memory()
    loader._READ.clear()
    monkeypatch.setattr(workers, "_WORTH_A_THREAD", 10**12)
    monkeypatch.setattr("dashboard.factbase.yamltext._ITEMS_AT_A_TIME", 10**9)
    alone = load_factbase(top)
    assert len(alone.facts) == rows + 1  # the generated series and the top file's one fact
    pd.testing.assert_frame_equal(threaded.facts, alone.facts)
