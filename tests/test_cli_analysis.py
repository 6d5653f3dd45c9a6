"""`factdash conflicts` and `factdash check`: output formats, exit codes, never a traceback."""

from __future__ import annotations

import csv
import io
import json

import pytest

from dashboard.checks import Finding
from dashboard.cli import main

from .conftest import ROOT
from .factbases import fact, load_facts

FACTS = str(ROOT / "facts.yaml")


def test_conflicts_table_on_the_default_fact_base(capsys):
    assert main(["conflicts", "--facts", FACTS]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first.startswith("29 groups of comparable figures disagree: 21 with no value in common")
    assert "3.3x  conflict  soldier-casualties-north-korea:2025-01-09" in out
    assert "nk-casualties-zelenskyy-2025-01 (party to the conflict), nk-casualties-us-2025-01" in out


def test_conflicts_json_is_a_list_of_groups_with_members(capsys):
    assert main(["conflicts", "--facts", FACTS, "--format", "json"]) == 0
    groups = json.loads(capsys.readouterr().out)
    assert isinstance(groups, list) and len(groups) == 29
    for group in groups:
        assert {"metric", "as_of_from", "as_of_to", "ratio", "overlap", "summary", "members"} <= set(group)
        for member in group["members"]:
            assert {"fact_id", "claimant", "value", "low", "high", "qualifier"} <= set(member)
    nk = groups[0]
    assert (nk["metric"], nk["as_of_from"], round(nk["ratio"], 2), nk["overlap"]) == (
        "soldier-casualties-north-korea", "2025-01-09", 3.33, False)
    assert [m["value"] for m in nk["members"]] == [4000, 1200]
    open_ended = [m for g in groups for m in g["members"] if m["qualifier"] == "at_least"]
    assert open_ended and all(m["interval_high"] is None for m in open_ended)


def test_conflicts_csv_has_a_row_per_member(capsys):
    assert main(["conflicts", "--facts", FACTS, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["group_id"] == "soldier-casualties-north-korea:2025-01-09"
    assert (rows[0]["fact_id"], rows[0]["as_of"], rows[0]["value"]) == ("nk-casualties-zelenskyy-2025-01",
                                                                         "2025-01-09", "4000.0")
    assert len({r["group_id"] for r in rows}) == 29
    assert all(r["interval_high"] != "inf" for r in rows)


def test_conflicts_window_is_configurable(capsys, write, minimal):
    base = load_facts(write, minimal, fact("a", "nk-casualties", 1000, "2025-01-01", "us-officials"),
                      fact("b", "nk-casualties", 3000, "2025-02-20", "zelenskyy"))
    path = base.files[0]
    assert main(["conflicts", "--facts", path, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["conflicts", "--facts", path, "--format", "json", "--window", "60"]) == 0
    assert [g["group_id"] for g in json.loads(capsys.readouterr().out)] == ["nk-casualties:2025-01-01"]
    with pytest.raises(SystemExit) as exit_:
        main(["conflicts", "--facts", path, "--window", "-1"])
    assert exit_.value.code == 2
    assert "expected 0 or more days" in capsys.readouterr().err


def test_check_on_the_default_fact_base_exits_0_and_1_when_strict(capsys):
    assert main(["check", "--facts", FACTS]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1].startswith("0 errors, 3 warnings in 144 facts")
    assert "facts/claimants.yaml:89: warning: claimant 'oryx' (Oryx)" in out
    assert main(["check", "--facts", FACTS, "--strict"]) == 1


def test_check_json_lists_findings(capsys):
    assert main(["check", "--facts", FACTS, "--format", "json"]) == 0
    findings = json.loads(capsys.readouterr().out)
    assert [f["check"] for f in findings] == ["cumulative-falls", "no-quote", "uncited-claimant"]
    assert set(findings[0]) == {"check", "severity", "message", "fact_ids", "locations"}
    assert findings[0]["locations"][0].startswith("facts/economist-estimates.yaml:")


def test_check_exits_1_on_an_error(capsys, monkeypatch):
    error = Finding("made-up", "error", "something is wrong", ["a"], ["facts.yaml:1"])
    monkeypatch.setattr("dashboard.checks.run_checks", lambda base: [error])
    assert main(["check", "--facts", FACTS]) == 1
    assert "facts.yaml:1: error: something is wrong [made-up]" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["conflicts", "check"])
def test_a_broken_fact_base_is_reported_not_raised(capsys, tmp_path, command):
    assert main([command, "--facts", str(tmp_path / "missing.yaml")]) == 1
    assert "cannot read the fact file: no such file" in capsys.readouterr().out
