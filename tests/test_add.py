"""`factdash add`: entries appended to a fact file without disturbing it, checked before they are written."""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

from dashboard import load_factbase
from dashboard.cli import main

from .conftest import ROOT

# A hand-curated file with everything a round trip can lose: a schema comment on the first line,
# comments above, between and after entries, blank lines, a folded scalar, flow lists, quoted and
# plain scalars, a long quote, a comment introducing the next section, no blank line at one place.
# Most free text is double-quoted, so new free text is too.
COMMENTED = """\
# yaml-language-server: $schema=facts.schema.json
# A small fact base for the add tests.
schema_version: 1
title: 'Single-quoted title'
description: >-
  Folded text that spans
  two lines.

sources:
  # The report everything starts from.
  rep:
    title: "A report"   # trailing comment
    kind: news
    url: https://example.org/report
    published: 2025-01-09

  other:
    title: "Another report"
    kind: report
claimants:
  us-officials:
    name: "US officials"
    kind: government
    party_to_conflict: false
    aliases: ["the U.S.", 'US']

  zelenskyy:
    name: Volodymyr Zelenskyy
    kind: official
    party_to_conflict: true
    # Aliases to come.

metrics:
  nk-casualties:
    label: "North Korean casualties"
    unit: people
    category: casualties
    aggregation: cumulative
    since: "2024-10"
  us-package:
    label: US package
    unit: USD
    category: aid
    aggregation: increment

facts:
  # First figure.
  - id: nk-us
    metric: nk-casualties
    value: 1200
    qualifier: approximately
    as_of: 2025-01-09
    claimant: us-officials
    source: rep
    quote: "The U.S. estimates North Korean casualties at around 1,200, a figure that is repeated here at length so \
that the line is far longer than any YAML emitter's default width of eighty characters"
    tags: [estimate, kursk]

  - id: nk-zelenskyy
    metric: nk-casualties
    value: 4000
    as_of: '2025-01-09'
    claimant: zelenskyy
    source: rep
    note: |
      A literal block.
      # not a comment: part of the note
    # trailing comment inside the last fact

# Events below: a comment that introduces the next section.
events:
  - date: "2025-01"
    label: Second Kursk offensive
    source: rep
# the end
"""


def _lines_added(before: str, after: str) -> list[tuple[int, list[str]]]:
    """(index in `before` where lines were inserted, the lines); fails if anything else changed."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    inserted = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        assert tag in ("equal", "insert"), f"an existing line changed: {tag} {old[i1:i2]!r} -> {new[j1:j2]!r}"
        if tag == "insert":
            inserted.append((i1, new[j1:j2]))
    return inserted


def _add(*argv: str) -> int:
    return main(["add", *argv])


def test_add_round_trips_a_commented_file_apart_from_the_addition(write, capsys):
    path = write("facts.yaml", COMMENTED)
    addition = write(
        "new.yaml",
        """\
        # extract's confidence notes: not copied
        sources:
          new-src:
            title: "A new report"
            kind: news
            published: 2025-01-10
        facts:
          # confidence: high
          - metric: us-package
            value: "$500 million"
            qualifier: exact
            as_of: 2025-01-09
            claimant: us-officials
            source: new-src
            quote: "an additional $500 million"
            tags: [aid]
        events:
          - date: 2025-01-09
            label: "Ramstein meeting"
            source: new-src
        """,
    )
    assert _add(str(addition), "--to", str(path), "--facts", str(path)) == 0, capsys.readouterr()
    after = path.read_text(encoding="utf-8")
    inserted = _lines_added(COMMENTED, after)
    old = COMMENTED.splitlines()
    # Each block lands after the last entry of its section, before the blank lines and comments
    # that belong to what follows, and follows the file's own style (a blank line between entries).
    assert [(old[i - 1].strip(), "".join(lines)) for i, lines in inserted] == [
        ("kind: report", '\n  new-src:\n    title: "A new report"\n    kind: news\n    published: 2025-01-10\n'),
        (
            "# not a comment: part of the note",
            '\n  - id: us-package-us-officials-2025-01-09\n    metric: us-package\n    value: "$500 million"\n'
            "    qualifier: exact\n    as_of: 2025-01-09\n    claimant: us-officials\n    source: new-src\n"
            '    quote: "an additional $500 million"\n    tags: [aid]\n',
        ),
        ("source: rep", '\n  - date: 2025-01-09\n    label: "Ramstein meeting"\n    source: new-src\n'),
    ]
    assert "confidence" not in after
    base = load_factbase(path)
    assert "us-package-us-officials-2025-01-09" in set(base.facts["fact_id"])
    assert "new-src" in base.sources.index and len(base.events) == 2
    assert "us-package-us-officials-2025-01-09" in capsys.readouterr().out


def test_add_keeps_a_file_without_blank_lines_compact_and_creates_missing_sections(write, minimal, capsys):
    path = write("facts.yaml", minimal)  # declarations only, no blank lines, no facts: section
    assert (
        _add(
            "fact",
            "--metric",
            "us-package",
            "--claimant",
            "us-officials",
            "--source",
            "rep",
            "--value",
            "500000000",
            "--as-of",
            "2025-01-09",
            "--to",
            str(path),
        )
        == 0
    ), capsys.readouterr()
    after = path.read_text(encoding="utf-8")
    assert _lines_added(minimal, after) == [
        (
            len(minimal.splitlines()),
            [
                "facts:\n",
                "  - id: us-package-us-officials-2025-01-09\n",
                "    metric: us-package\n",
                "    value: 500000000\n",
                "    as_of: 2025-01-09\n",
                "    claimant: us-officials\n",
                "    source: rep\n",
            ],
        )
    ]
    assert load_factbase(path).facts["value"].tolist() == [500000000.0]


def test_a_fact_that_does_not_validate_writes_nothing_and_says_where(write, capsys):
    path = write("facts.yaml", COMMENTED)
    before, stat = path.read_bytes(), path.stat()
    code = _add(
        "fact",
        "--metric",
        "us-packag",
        "--claimant",
        "us-officials",
        "--source",
        "rep",
        "--value",
        "500",
        "--as-of",
        "2025-13-01",
        "--to",
        str(path),
    )
    err = capsys.readouterr().err
    assert code == 1
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stat.st_mtime_ns
    # Located in the file as it would have been: after the last fact's last line, a blank line, the
    # id, then the metric.
    last = COMMENTED.splitlines().index("      # not a comment: part of the note") + 1
    assert re.search(
        rf"{re.escape(str(path))}:{last + 3}:13: .*unknown metric 'us-packag' "
        r"\(did you mean 'us-package'\?\)",
        err,
    ), err
    assert re.search(rf"{re.escape(str(path))}:\d+:\d+: .*as_of '2025-13-01' is not a date", err), err
    assert "nothing was written" in err and "with the addition" in err
    assert "Traceback" not in err


def test_a_duplicate_fact_is_refused_with_the_existing_id(write, capsys):
    path = write("facts.yaml", COMMENTED)
    before = path.read_bytes()
    # The same figure written differently: a string amount and a quoted date.
    code = _add(
        "fact",
        "--metric",
        "nk-casualties",
        "--claimant",
        "us-officials",
        "--source",
        "rep",
        "--value",
        "1,200",
        "--as-of",
        "2025-01-09",
        "--to",
        str(path),
    )
    err = capsys.readouterr().err
    assert code == 1 and path.read_bytes() == before
    line = COMMENTED.splitlines().index("  - id: nk-us") + 1
    assert f"repeats fact 'nk-us' at {path}:{line}" in err, err


def test_ids_are_suggested_from_metric_claimant_and_date_and_made_unique(write, capsys):
    path = write("facts.yaml", COMMENTED)
    addition = write(
        "new.yaml",
        """\
        facts:
          - {metric: nk-casualties, value: 1500, as_of: 2025-01-09, claimant: us-officials, source: rep}
          - {metric: nk-casualties, value: 1600, as_of: 2025-01-09, claimant: us-officials, source: rep}
          - {id: chosen-id, metric: nk-casualties, value: 1700, as_of: 2025-01, claimant: zelenskyy, source: rep}
        """,
    )
    assert _add(str(addition), "--to", str(path)) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    ids = ["nk-casualties-us-officials-2025-01-09", "nk-casualties-us-officials-2025-01-09-2", "chosen-id"]
    for fact_id in ids:
        assert fact_id in out
    assert set(ids) <= set(load_factbase(path).facts["fact_id"])


def test_the_flags_form_adds_each_kind(write, minimal, capsys):
    path = write("facts.yaml", minimal + "facts:\n")
    runs = [
        [
            "source",
            "new-src",
            "--title",
            "New source",
            "--kind",
            "government",
            "--url",
            "https://example.org/n",
            "--published",
            "2025-02",
        ],
        [
            "claimant",
            "uk-mod",
            "--name",
            "UK Ministry of Defence",
            "--kind",
            "government",
            "--party-to-conflict",
            "false",
            "--aliases",
            "MoD",
            "--aliases",
            "UK MoD",
        ],
        [
            "metric",
            "nk-deaths",
            "--label",
            "North Korean soldiers killed",
            "--unit",
            "people",
            "--category",
            "deaths",
            "--aggregation",
            "cumulative",
            "--since",
            "2024-10",
        ],
        [
            "fact",
            "--id",
            "nk-deaths-uk",
            "--metric",
            "nk-deaths",
            "--claimant",
            "uk-mod",
            "--source",
            "new-src",
            "--value",
            "300",
            "--qualifier",
            "approximately",
            "--as-of",
            "2025-02",
            "--quote",
            "some 300 killed",
            "--tags",
            "kursk",
        ],
        ["event", "--date", "2025-02-01", "--label", "An event", "--source", "new-src"],
    ]
    for argv in runs:
        assert _add(*argv, "--to", str(path)) == 0, (argv, capsys.readouterr())
    base = load_factbase(path)
    assert base.sources.loc["new-src", "url"] == "https://example.org/n"
    assert list(base.claimants.loc["uk-mod", "aliases"]) == ["MoD", "UK MoD"]
    assert base.claimants.loc["uk-mod", "party_to_conflict"] == False  # noqa: E712 - a numpy bool, or NaN if lost
    assert base.metrics.loc["nk-deaths", "aggregation"] == "cumulative"
    fact = base.facts.set_index("fact_id").loc["nk-deaths-uk"]
    assert (fact["value"], fact["qualifier"], fact["as_of_text"]) == (300.0, "approximately", "2025-02")
    assert list(fact["tags"]) == ["kursk"]
    assert base.events["label"].tolist() == ["An event"]
    assert _lines_added(minimal + "facts:\n", path.read_text(encoding="utf-8"))  # insertions only


@pytest.mark.parametrize(
    "argv, message",
    [
        (["fact", "--title", "x"], "--title: not a field of a fact"),
        (["source", "--title", "x", "--kind", "news"], "a source needs an id"),
        (["claimant", "c", "--name", "C", "--kind", "media", "--party-to-conflict", "maybe"], "expected true or false"),
        (["nonsense-kind"], "no such file"),
        (["nonsense.yaml", "--metric", "m"], "is not a kind"),
    ],
)
def test_bad_flags_are_messages_not_tracebacks(write, minimal, capsys, argv, message):
    path = write("facts.yaml", minimal)
    before = path.read_bytes()
    assert _add(*argv, "--to", str(path)) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert path.read_bytes() == before


def test_bad_yaml_in_the_addition_is_located(write, minimal, capsys):
    path = write("facts.yaml", minimal)
    cases = {
        "broken.yaml": ("facts:\n  - metric: [unclosed\n", r"broken\.yaml:\d+:\d+: YAML syntax error"),
        "dupkey.yaml": ("facts:\n  - metric: a\n    metric: b\n", r"dupkey\.yaml:3:5: .*"),
        "unknown.yaml": ("fatcs: []\n", r"unknown\.yaml:1:1: unknown section 'fatcs'"),
        "scalar.yaml": ("just text\n", r"scalar\.yaml:1:1: expected a mapping"),
        "entry.yaml": ("facts:\n  - just text\n", r"entry\.yaml:2:5: each entry of 'facts' must be a mapping"),
    }
    for name, (text, pattern) in cases.items():
        addition = write(name, text)
        assert _add(str(addition), "--to", str(path)) == 1
        err = capsys.readouterr().err
        assert re.search(pattern, err), (name, err)
        assert "Traceback" not in err


def test_declarations_with_existing_ids_are_skipped_when_identical_and_refused_when_not(write, capsys):
    path = write("facts.yaml", COMMENTED)
    same = write("same.yaml", "sources:\n  other:\n    title: 'Another report'\n    kind: report\n")
    assert _add(str(same), "--to", str(path)) == 0
    out = capsys.readouterr().out
    assert "source 'other' exists already with the same content: skipped" in out
    assert path.read_text(encoding="utf-8") == COMMENTED
    different = write("different.yaml", "sources:\n  other:\n    title: A changed title\n    kind: report\n")
    assert _add(str(different), "--to", str(path)) == 1
    line = COMMENTED.splitlines().index("  other:") + 1
    assert f"source 'other' exists already (in {path}:{line}) with different content" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == COMMENTED


def test_adding_an_extract_document_into_an_included_file(write, minimal, capsys):
    top = write("facts.yaml", "schema_version: 1\ninclude:\n  - parts/base.yaml\n  - parts/new.yaml\n")
    write("parts/base.yaml", minimal)
    target = write("parts/new.yaml", "# yaml-language-server: $schema=../facts.schema.json\nschema_version: 1\n")
    document = write(
        "extracted.yaml",
        """\
        sources:
          ri-2025-01-10:
            title: "Radio report, 10 January 2025"
            publisher: "A radio"
            url: "https://example.org/radio"
            published: 2025-01-10
            kind: news
        claimants:
          uk-mod:
            name: "UK Ministry of Defence"
            kind: government
            party_to_conflict: false
        metrics:
          nk-deaths:
            label: "North Korean soldiers killed"
            unit: people
            category: deaths
            aggregation: cumulative
        facts:
          # confidence: medium (the sentence names no date; the source's date is used)
          - metric: nk-deaths
            value: 300
            qualifier: approximately
            as_of: 2025-01-10
            claimant: uk-mod
            source: ri-2025-01-10
            quote: "about 300 North Korean soldiers have been killed"
          - metric: nk-casualties
            value: "2,700"
            as_of: 2025-01-10
            claimant: zelenskyy
            source: ri-2025-01-10
        events:
          - id: kursk-2025-01
            date: "2025-01"
            label: "Fighting in Kursk"
            source: ri-2025-01-10
        """,
    )
    assert _add(str(document), "--to", str(target), "--facts", str(top)) == 0, capsys.readouterr()
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../facts.schema.json\nschema_version: 1\n")
    assert [line for line in text.splitlines() if line and not line.startswith(" ")] == [
        "# yaml-language-server: $schema=../facts.schema.json",
        "schema_version: 1",
        "sources:",
        "claimants:",
        "metrics:",
        "facts:",
        "events:",
    ]
    base = load_factbase(top)
    added = base.facts[base.facts["file"] == str(target)]
    assert sorted(added["fact_id"]) == ["nk-casualties-zelenskyy-2025-01-10", "nk-deaths-uk-mod-2025-01-10"]
    assert "kursk-2025-01" in set(base.events["event_id"])


def test_the_target_must_belong_to_the_fact_base_and_not_be_generated(write, minimal, capsys):
    top = write("facts.yaml", minimal)
    stray = write("stray.yaml", "schema_version: 1\n")
    assert _add("event", "--date", "2025-01", "--label", "x", "--to", str(stray), "--facts", str(top)) == 1
    assert "is not part of the fact base" in capsys.readouterr().err
    generated = write("gen/facts.yaml", "# Generated by a script. Do not edit by hand.\n" + minimal)
    assert _add("event", "--date", "2025-01", "--label", "x", "--to", str(generated)) == 1
    assert "the file is generated" in capsys.readouterr().err
    assert _add("event", "--date", "2025-01", "--label", "x", "--to", str(top.parent / "missing.yaml")) == 1
    assert "no such file" in capsys.readouterr().err


def test_dry_run_prints_the_addition_and_writes_nothing(write, minimal, capsys):
    path = write("facts.yaml", minimal)
    assert _add("event", "--date", "2025-01-09", "--label", "Meeting", "--to", str(path), "--dry-run") == 0
    out = capsys.readouterr().out
    assert "+events:" in out and "+  - date: 2025-01-09" in out and "would add to" in out
    assert path.read_text(encoding="utf-8") == minimal


def test_the_write_goes_through_the_atomic_writer(write, minimal, capsys):
    """atomic.py's writer clears temporary files left by dead writers before it writes: one left
    beside the target is gone after an add, and the add leaves none of its own."""
    from dashboard.factbase.atomic import temporaries_of

    path = write("facts.yaml", minimal)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = path.parent / f".{path.name}.{dead.stdout.strip()}.abc123.tmp"
    stale.write_text("half a file")
    assert _add("event", "--date", "2025-01-09", "--label", "Meeting", "--to", str(path)) == 0, capsys.readouterr()
    assert not stale.exists() and temporaries_of(path) == []
    assert "Meeting" in path.read_text(encoding="utf-8")


def test_factdash_add_as_a_real_command_then_validate(tmp_path):
    """The installed command on a copy of a small real fact base (the Ramstein file and the shared
    claimants), then `factdash validate` on the result."""
    (tmp_path / "facts").mkdir()
    # The Ramstein file's measures are parts of measures declared beside it (the wider counts), and
    # the aid totals cite a claimant (CSIS) of The Economist's file.
    files = (
        "claimants.yaml",
        "ramstein-2025-01.yaml",
        "nk-casualties.yaml",
        "us-aid-totals.yaml",
        "economist-estimates.yaml",
    )
    for name in files:
        shutil.copy(ROOT / "facts" / name, tmp_path / "facts" / name)
    shutil.copy(ROOT / "facts.schema.json", tmp_path / "facts.schema.json")
    (tmp_path / "facts.yaml").write_text(
        textwrap.dedent("""\
        # yaml-language-server: $schema=facts.schema.json
        schema_version: 1
        include:
          - facts/claimants.yaml
          - facts/ramstein-2025-01.yaml
          - facts/nk-casualties.yaml
          - facts/us-aid-totals.yaml
        """),
        encoding="utf-8",
    )
    target = tmp_path / "facts" / "ramstein-2025-01.yaml"
    before = target.read_text(encoding="utf-8")
    env = {**os.environ, "FACTDASH_FACTS": str(tmp_path / "facts.yaml")}
    command = [sys.executable, "-m", "dashboard.cli"]
    added = subprocess.run(
        [
            *command,
            "add",
            "fact",
            "--metric",
            "us-pda-package",
            "--claimant",
            "us-dod",
            "--source",
            "ramstein-report",
            "--value",
            "$600 million",
            "--qualifier",
            "exact",
            "--as-of",
            "2025-01-09",
            "--quote",
            "a further $600 million",
            "--to",
            str(target),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    assert "us-pda-package-us-dod-2025-01-09 (id suggested)" in added.stdout
    [(_, lines)] = _lines_added(before, target.read_text(encoding="utf-8"))
    assert "  - id: us-pda-package-us-dod-2025-01-09\n" in lines
    checked = subprocess.run([*command, "validate"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert checked.returncode == 0, checked.stdout
    again = subprocess.run(added.args, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert again.returncode == 1 and "repeats fact 'us-pda-package-us-dod-2025-01-09'" in again.stderr
    assert "Traceback" not in again.stderr


def test_an_empty_flow_section_becomes_a_block_and_a_full_one_is_refused(write, minimal, capsys):
    path = write("facts.yaml", minimal + "facts: []  # none yet\n")
    assert (
        _add(
            "fact",
            "--metric",
            "us-package",
            "--claimant",
            "us-officials",
            "--source",
            "rep",
            "--value",
            "5",
            "--as-of",
            "2025-01",
            "--to",
            str(path),
        )
        == 0
    ), capsys.readouterr()
    text = path.read_text(encoding="utf-8")
    assert text.startswith(minimal) and "facts:  # none yet\n  - id: us-package-us-officials-2025-01\n" in text
    flow = write("flow/facts.yaml", minimal + "events: [{date: 2025-01, label: x}]\n")
    before = flow.read_bytes()
    assert _add("event", "--date", "2025-02", "--label", "y", "--to", str(flow)) == 1
    err = capsys.readouterr().err
    assert "'events' is written in flow style" in err and flow.read_bytes() == before


def test_an_addition_can_come_from_standard_input(write, minimal, monkeypatch, capsys):
    import io

    path = write("facts.yaml", minimal)
    stdin = io.TextIOWrapper(io.BytesIO(b"events:\n  - {date: 2025-01-09, label: From stdin}\n"))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert _add("-", "--to", str(path)) == 0, capsys.readouterr()
    assert load_factbase(path).events["label"].tolist() == ["From stdin"]


def test_a_fact_base_with_problems_already_is_not_added_to(write, minimal, capsys):
    path = write(
        "facts.yaml",
        minimal + "facts:\n  - {id: bad, metric: nope, value: 1, as_of: 2025-01, claimant: zelenskyy, source: rep}\n",
    )
    before = path.read_bytes()
    assert _add("event", "--date", "2025-01", "--label", "x", "--to", str(path)) == 1
    err = capsys.readouterr().err
    assert re.search(rf"{re.escape(str(path))}:\d+:\d+: fact 'bad': unknown metric 'nope'", err), err
    assert "the fact base has problems already" in err and path.read_bytes() == before
