"""`factdash import`: specs, reading CSV and JSON, problems with row numbers, atomic writes, the CLI."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import jsonschema
import pytest

from dashboard import load_factbase
from dashboard.cli import main
from dashboard.factbase import atomic
from dashboard.factbase.yamltext import needs_located_parse, parse_checked
from dashboard.imports.importer import run_import, write
from dashboard.imports.spec import SpecError, json_schema, json_schema_text, load_spec
from dashboard.imports.writer import yaml_scalar

from .conftest import ROOT
from .readers import fast_and_located_agree, fast_data

SPECS = sorted((ROOT / "imports").glob("*.yaml"))

DECLARATIONS = """\
sources:
  rep:
    title: A daily report
    kind: government
  data:
    title: A dataset
    kind: dataset
    license: MIT
claimants:
  staff:
    name: The staff
    kind: military
    party_to_conflict: true
metrics:
  tanks:
    label: Tanks lost
    unit: items
    category: equipment-losses
    aggregation: cumulative
    since: 2022-02-24
  planes:
    label: Planes lost
    unit: items
    category: equipment-losses
    aggregation: cumulative
    since: 2022-02-24
"""


def make(tmp_path: Path, spec: str, data: str, name: str = "data.json") -> Path:
    """Write an input and a spec (with the shared declarations) into tmp_path; return the spec's path."""
    (tmp_path / name).write_text(textwrap.dedent(data).lstrip("\n"), encoding="utf-8")
    path = tmp_path / "spec.yaml"
    path.write_text(textwrap.dedent(spec).lstrip("\n") + DECLARATIONS, encoding="utf-8")
    return path


JSON_SPEC = """\
spec_version: 1
title: Test import
input:
  path: data.json
  format: json
output:
  path: out/facts.yaml
date:
  column: date
stated: as_of
metric_columns:
  tank: tanks
  plane: planes
ignore_columns:
  - day
claimant: staff
source: rep
via: data
id: "t-{metric}-{date}"
"""

JSON_DATA = """\
[
  {"date": "2022-02-25", "day": 2, "tank": 80, "plane": 0},
  {"date": "2022-02-26", "day": 3, "tank": 146},
  {"date": "2022-02-27", "day": 4, "tank": 150, "plane": null}
]
"""


def test_json_rows_become_one_fact_per_column_and_day(tmp_path):
    result = run_import(make(tmp_path, JSON_SPEC, JSON_DATA))
    assert result.ok, result.problems
    assert [(f["metric"], f["as_of"], f["value"]) for f in result.facts] == [
        ("planes", "2022-02-25", 0),
        ("tanks", "2022-02-25", 80),
        ("tanks", "2022-02-26", 146),
        ("tanks", "2022-02-27", 150),
    ]
    first = result.facts[1]
    assert first == {
        "id": "t-tanks-2022-02-25",
        "metric": "tanks",
        "value": 80,
        "as_of": "2022-02-25",
        "stated": "2022-02-25",
        "claimant": "staff",
        "source": "rep",
        "via": "data",
    }


def test_a_missing_key_or_null_is_not_tracked_never_a_zero(tmp_path):
    result = run_import(make(tmp_path, JSON_SPEC, JSON_DATA))
    planes = [f for f in result.facts if f["metric"] == "planes"]
    assert [(f["as_of"], f["value"]) for f in planes] == [("2022-02-25", 0)]  # a published zero stays
    assert result.not_tracked["plane"] == 2


def test_the_generated_file_loads_names_its_spec_and_input_hash_and_takes_the_fast_path(tmp_path):
    import hashlib

    spec = make(tmp_path, JSON_SPEC, JSON_DATA)
    result = run_import(spec)
    assert write(result)
    text = (tmp_path / "out" / "facts.yaml").read_text(encoding="utf-8")
    digest = hashlib.sha256((tmp_path / "data.json").read_bytes()).hexdigest()
    assert "../spec.yaml" in text.splitlines()[0] and "../data.json" in text.splitlines()[0]
    assert digest in text and "Do not edit by hand" in text
    assert not needs_located_parse(text)
    assert fast_and_located_agree(text, "x")
    base = load_factbase(tmp_path / "out" / "facts.yaml")
    assert len(base.facts) == 4 and set(base.facts["via"]) == {"data"}


def test_the_output_is_deterministic(tmp_path):
    spec = make(tmp_path, JSON_SPEC, JSON_DATA)
    assert run_import(spec).text == run_import(spec).text


CSV_SPEC = """\
spec_version: 1
title: Test CSV import
input:
  path: data.csv
  format: csv
output:
  path: out.yaml
date:
  column: when
  format: "%d/%m/%Y"
metric:
  column:
    - country
    - kind
  map:
    Russia / Tanks: tanks
    Russia / Planes: planes
  unmapped: skip
value: total
qualifier:
  column: word
  map:
    about: approximately
    more: more_than
claimant: staff
source:
  column: country
  map:
    Russia: rep
skip:
  - column: country
    in:
      - Atlantis
    reason: not a party to this war
id: "c-{metric}-{date}-{row}"
note: "Row {row} of the CSV, commit {cells[commit]}."
"""

CSV_DATA = """\
when,country,kind,total,word,commit
25/02/2022,Russia,Tanks,"1,200",about,abc123
25/02/2022,Russia,Planes,10,,abc123
25/02/2022,Russia,Boats,3,,abc123
25/02/2022,Atlantis,Tanks,5,,abc123
26/02/2022,Russia,Tanks,1300,more,def456
"""


def test_csv_with_a_column_naming_the_metric_a_map_skips_and_a_qualifier_column(tmp_path):
    result = run_import(make(tmp_path, CSV_SPEC, CSV_DATA, "data.csv"))
    assert result.ok, result.problems
    facts = {f["id"]: f for f in result.facts}
    assert facts["c-tanks-2022-02-25-1"]["value"] == 1200
    assert facts["c-tanks-2022-02-25-1"]["qualifier"] == "approximately"
    assert facts["c-tanks-2022-02-26-5"]["qualifier"] == "more_than"
    assert "qualifier" not in facts["c-planes-2022-02-25-2"]  # an empty word: exact
    assert facts["c-tanks-2022-02-26-5"]["note"] == "Row 5 of the CSV, commit def456."
    assert result.skipped == {"metric 'Russia / Boats' not mapped": 1, "not a party to this war": 1}


BAD_CSV = """\
when,country,kind,total,word,commit,extra
25/02/2022,Russia,Tanks,100,,a,x
2022-02-26,Russia,Tanks,110,,a,x
27/02/2022,Russia,Tanks,-5,,a,x
28/02/2022,Russia,Tanks,lots,,a,x
01/03/2022,Russia,Tanks,120,roughly,a,x
02/03/2022,Mars,Tanks,120,,a,x
"""


def test_dry_run_prints_counts_first_facts_and_every_problem_with_its_row(tmp_path, capsys, monkeypatch):
    spec = make(tmp_path, CSV_SPEC.replace("Russia: rep", "Russia: rep\n  unmapped: error"), BAD_CSV, "data.csv")
    monkeypatch.chdir(tmp_path)
    assert main(["import", str(spec), "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "data.csv: 6 rows -> 1 facts" in out
    assert "first 1 facts:" in out and "id: c-tanks-2022-02-25-1" in out
    assert "data.csv:3: row 2: column 'when': '2022-02-26' is not a date in the format %d/%m/%Y" in out
    assert "data.csv:4: row 3: column 'total': '-5' is negative" in out
    assert "data.csv:5: row 4: column 'total': 'lots' is not a number" in out
    assert "data.csv:6: row 5: column 'word': 'roughly' is not in the spec's qualifier map" in out
    assert "data.csv:7: row 6: source from column country: 'Mars' is not in the spec's map" in out
    assert (
        "data.csv:2: row 1: column 'extra' (first seen here) is neither used by the spec nor listed under "
        "ignore_columns" in out
    )
    assert "6 problems:" in out
    assert not (tmp_path / "out.yaml").exists()


def test_json_problems_name_the_line_each_object_starts_on(tmp_path):
    data = '[\n  {"date": "2022-02-25", "tank": 1},\n  {"date": "2022-02-26",\n   "tank": "x"}\n]\n'
    result = run_import(make(tmp_path, JSON_SPEC, data))
    assert [str(p).split(": ", 1)[0].rsplit("/", 1)[-1] for p in result.problems] == ["data.json:3"]
    assert "row 2: column 'tank': 'x' is not a number" in str(result.problems[0])


@pytest.mark.parametrize(
    "data, message",
    [
        ('{"date": "2022-02-25"}', "must be an array of objects"),
        ('[{"date": "2022-02-25"}, 3]', "row 2: expected an object"),
        ('[{"date": "2022-02-25"} {"date": "2022-02-26"}]', "expected ',' or ']'"),
        ('[{"date": "2022-02-25",}]', "row 1: not valid JSON"),
        ('[{"date": "2022-02-25"}', "not closed"),
    ],
)
def test_json_that_is_not_an_array_of_objects_is_a_problem_not_a_traceback(tmp_path, data, message):
    result = run_import(make(tmp_path, JSON_SPEC, data))
    assert not result.ok and message in str(result.problems[0])


def test_an_import_with_problems_writes_nothing_and_the_old_file_stays(tmp_path, capsys):
    spec = make(tmp_path, JSON_SPEC, JSON_DATA)
    assert main(["import", str(spec), "--no-progress"]) == 0
    out = tmp_path / "out" / "facts.yaml"
    before = out.read_bytes()
    (tmp_path / "data.json").write_text('[{"date": "2022-02-25", "tank": -1}]', encoding="utf-8")
    assert main(["import", str(spec)]) == 1
    assert "nothing written" in capsys.readouterr().out
    assert out.read_bytes() == before


def test_an_interrupted_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    spec = make(tmp_path, JSON_SPEC, JSON_DATA)
    result = run_import(spec)
    out = tmp_path / "out" / "facts.yaml"
    out.parent.mkdir()
    out.write_text("the old file\n", encoding="utf-8")

    real_fdopen = os.fdopen

    class Crash(Exception):
        pass

    def half_then_crash(fd, mode="r", *args, **kwargs):
        handle = real_fdopen(fd, mode, *args, **kwargs)
        real_write = handle.write

        def write_half(data):
            real_write(data[: len(data) // 2])
            raise Crash("power cut")

        handle.write = write_half
        return handle

    monkeypatch.setattr(atomic.os, "fdopen", half_then_crash)
    with pytest.raises(Crash):
        write(result)
    assert out.read_text(encoding="utf-8") == "the old file\n"
    assert [p.name for p in out.parent.iterdir()] == ["facts.yaml"]  # no temporary file left behind


def test_check_says_whether_the_generated_file_is_current(tmp_path, capsys):
    spec = make(tmp_path, JSON_SPEC, JSON_DATA)
    assert main(["import", str(spec), "--check"]) == 1  # not written yet
    assert main(["import", str(spec)]) == 0
    assert main(["import", str(spec), "--check"]) == 0
    (tmp_path / "data.json").write_text(JSON_DATA.replace("146", "147"), encoding="utf-8")
    assert main(["import", str(spec), "--check"]) == 1
    assert "out of date" in capsys.readouterr().out


def test_one_per_date_keeps_the_last_publication_of_a_day(tmp_path):
    spec = CSV_SPEC.replace(
        'id: "c-{metric}-{date}-{row}"', 'id: "c-{metric}-{date}"\none_per_date:\n  order_by: commit\n  keep: last'
    )
    data = (
        "when,country,kind,total,word,commit\n25/02/2022,Russia,Tanks,20,,2022-02-25T20:00\n"
        "25/02/2022,Russia,Tanks,10,,2022-02-25T09:00\n26/02/2022,Russia,Tanks,30,,2022-02-26T09:00\n"
    )
    result = run_import(make(tmp_path, spec, data, "data.csv"))
    assert result.ok, result.problems
    assert [(f["as_of"], f["value"]) for f in result.facts] == [("2022-02-25", 20), ("2022-02-26", 30)]
    assert sum(result.dropped.values()) == 1


def test_the_same_id_twice_is_a_problem(tmp_path):
    spec = CSV_SPEC.replace('id: "c-{metric}-{date}-{row}"', 'id: "c-{metric}-{date}"')
    data = "when,country,kind,total,word,commit\n25/02/2022,Russia,Tanks,20,,a\n25/02/2022,Russia,Tanks,10,,b\n"
    result = run_import(make(tmp_path, spec, data, "data.csv"))
    assert "fact id 'c-tanks-2022-02-25' is made twice (first from row 1)" in str(result.problems)


def test_keep_weekly_thins_to_the_last_day_of_each_week_and_keeps_the_last_row(tmp_path):
    rows = [{"date": f"2024-01-{d:02d}", "tank": d} for d in range(1, 32)]  # 2024-01-01 is a Monday
    result = run_import(
        make(tmp_path, JSON_SPEC.replace("ignore_columns:", "keep: weekly\nignore_columns:"), json.dumps(rows))
    )
    assert [f["as_of"][-2:] for f in result.facts] == ["07", "14", "21", "28", "31"]


def test_a_progress_callback_sees_every_row(tmp_path):
    seen = []
    rows = [{"date": "2024-01-01", "tank": 1}] * 1200
    spec = make(tmp_path, JSON_SPEC.replace("t-{metric}-{date}", "t-{metric}-{date}-{row}"), json.dumps(rows))
    run_import(spec, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(500, 1200), (1000, 1200), (1200, 1200)]


# ---- the spec ----------------------------------------------------------------------------------------


def test_the_published_spec_schema_is_current():
    assert (ROOT / "imports" / "spec.schema.json").read_text(encoding="utf-8") == json_schema_text(), (
        "imports/spec.schema.json is stale: run python -m dashboard.imports.spec --write imports/spec.schema.json"
    )


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_shipped_spec_validates_and_names_the_schema(path):
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=spec.schema.json"
    jsonschema.validate(parse_checked(text, path.name)[0], json_schema())
    load_spec(path)


@pytest.mark.parametrize(
    "change, message",
    [
        (("format: json", "format: xml"), "spec.yaml:5:11: input.format: Input should be 'csv' or 'json'"),
        (("claimant: staff", "claimant: Staff Person"), "spec.yaml:16:11: claimant: String should match pattern"),
        (
            ("stated: as_of", "stated: as_of\nmetric:\n  column: kind\nvalue: total"),
            "give either metric_columns (one metric per column) or metric with value",
        ),
        (('id: "t-{metric}-{date}"', 'id: "t-{metrik}"'), "unknown field '{metrik}'"),
        (("title: Test import", "title: Test import\ntitel: typo"), "spec.yaml:3:1: titel: unknown key 'titel'"),
    ],
)
def test_spec_mistakes_are_located_in_the_spec(tmp_path, change, message):
    spec = make(tmp_path, JSON_SPEC.replace(*change), JSON_DATA)
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert message in str(caught.value)


def test_the_cli_reports_a_bad_spec_without_a_traceback(tmp_path, capsys):
    spec = make(tmp_path, JSON_SPEC.replace("format: json", "format: xml"), JSON_DATA)
    assert main(["import", str(spec)]) == 1
    out = capsys.readouterr().out
    assert "1 problem in the import spec:" in out and "input.format" in out


@pytest.mark.parametrize(
    "text",
    [
        "plain text",
        "true",
        "null",
        "1e5",
        "0x10",
        "12",
        "2024-01-09",
        "a: b",
        "x #y",
        "",
        " lead",
        "trail ",
        "{flow}",
        "- item",
        "it's",
        "Tanks, AFVs (and more)",
        'quote " and \\ back',
        "line\nbreak",
        "tab\there",
        "\u2028",
        "CC BY 4.0",
    ],
)
def test_strings_are_written_plain_only_where_yaml_reads_them_back_the_same(text):
    written = yaml_scalar(text)
    document = f"key: {written}\n"
    assert parse_checked(document, "x")[0] == {"key": text}
    if not needs_located_parse(document):  # '{' anywhere sends a file to the located parser, by design
        assert fast_data(document) == {"key": text}


def test_the_progress_bar_draws_in_place_for_long_inputs_only():
    import io

    from dashboard.imports.importer import PROGRESS_ROWS, ProgressBar

    stream = io.StringIO()
    bar = ProgressBar("oryx.yaml", stream=stream, width=10)
    bar(500, PROGRESS_ROWS - 1)
    assert stream.getvalue() == ""
    bar(1000, 4000)
    bar(4000, 4000)
    assert stream.getvalue() == ("\roryx.yaml [##........] 1,000/4,000 rows\roryx.yaml [##########] 4,000/4,000 rows\n")


# ---- sources made from columns, prefixes, a scale and a stage (the US packages' needs) ---------------

PACKAGES_SPEC = """\
spec_version: 1
title: Packages
input:
  path: packages.csv
  format: csv
output:
  path: out/packages.yaml
date:
  column: date
metric_columns:
  pda_millions: pda
scale: 1000000
stage: announced
claimant:
  column: url
  prefixes:
    "https://": dod
    "https://state.example/": state
source:
  id: "page-{date}"
  url: url
  title: "Announcement of {date}"
  publisher:
    column: url
    prefixes:
      "https://": "The Department"
      "https://state.example/": "The State Department"
  published: as_of
  kind: government
  see_also: sheet
via: data
id: "p-{metric}-{date}"
"""

PACKAGES_DATA = """\
date,pda_millions,url,sheet
2022-02-25,350,https://dod.example/a,
2022-03-12,2.5,https://state.example/b,https://dod.example/b.pdf
"""

PACKAGE_DECLARATIONS = """\
claimants:
  dod:
    name: The Department
    kind: government
    party_to_conflict: false
  state:
    name: The State Department
    kind: government
    party_to_conflict: false
metrics:
  pda:
    label: Drawdown package
    unit: USD
    category: aid
    aggregation: increment
"""


def make_packages(tmp_path: Path, spec: str = PACKAGES_SPEC, data: str = PACKAGES_DATA) -> Path:
    (tmp_path / "packages.csv").write_text(data, encoding="utf-8")
    path = tmp_path / "spec.yaml"
    path.write_text(spec + "sources:\n  data:\n    title: A dataset\n    kind: dataset\n" + PACKAGE_DECLARATIONS)
    return path


def test_each_row_makes_its_own_source_with_a_scale_a_stage_and_a_claimant_by_prefix(tmp_path):
    result = run_import(make_packages(tmp_path))
    assert result.ok, result.problems
    assert [(f["value"], f["claimant"], f["source"], f["stage"]) for f in result.facts] == [
        (350_000_000, "dod", "page-2022-02-25", "announced"),
        (2_500_000, "state", "page-2022-03-12", "announced"),  # 2.5 million, an integer, not 2500000.0
    ]
    assert result.sources["page-2022-03-12"] == {
        "title": "Announcement of 2022-03-12",
        "title_kind": "description",
        "publisher": "The State Department",  # the longest prefix wins
        "url": "https://state.example/b",
        "published": "2022-03-12",
        "kind": "government",
        "note": "See also: https://dod.example/b.pdf",
    }
    assert "note" not in result.sources["page-2022-02-25"]  # no fact sheet, no note
    assert write(result)
    base = load_factbase(tmp_path / "out" / "packages.yaml")
    assert base.sources.at["page-2022-02-25", "url"] == "https://dod.example/a"
    # A description is shown as one, in square brackets, wherever the source's title appears.
    assert set(base.facts["source_title"]) == {"[Announcement of 2022-02-25]", "[Announcement of 2022-03-12]"}


def test_a_row_that_remakes_a_source_differently_or_matches_no_prefix_is_a_problem(tmp_path):
    data = PACKAGES_DATA + "2022-03-12,100,https://dod.example/c,\n2022-04-01,100,ftp://x/y,\n"
    result = run_import(make_packages(tmp_path, data=data))
    messages = [str(p) for p in result.problems]
    assert not result.ok and result.text is None
    assert any("row 3: source 'page-2022-03-12' is made again with other fields" in m for m in messages), messages
    assert any("row 4:" in m and "'ftp://x/y' begins with none of the spec's prefixes" in m for m in messages)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('title: "Announcement of {date}"', 'title: "Announcement of {metric}"'), "unknown field '{metric}'"),
        (("scale: 1000000", "scale: 0"), "scale: Input should be greater than 0"),
        (("stage: announced", "stage: promised"), "stage: Input should be"),
        (('    "https://": dod\n', '    "https://": dod\n  map:\n    x: dod\n'), "give map (whole cells) or prefixes"),
    ],
)
def test_mistakes_in_a_source_made_from_columns_are_located(tmp_path, change, message):
    with pytest.raises(SpecError) as caught:
        load_spec(make_packages(tmp_path, PACKAGES_SPEC.replace(*change)))
    assert message in str(caught.value)
