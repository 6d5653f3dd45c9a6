"""`factdash conflicts` and `factdash check`: output formats, exit codes, never a traceback."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from dashboard.analysis.checks import Finding
from dashboard.cli import main

from .conftest import ROOT
from .factbases import fact, load_facts

FACTS = str(ROOT / "facts.yaml")


def test_conflicts_table_on_the_default_fact_base(capsys):
    assert main(["conflicts", "--facts", FACTS]) == 0
    out = capsys.readouterr().out
    groups, apart = re.match(
        r"(\d+) groups of comparable figures disagree: (\d+) with no value in common", out.splitlines()[0]
    ).groups()
    assert int(groups) > int(apart) > 0
    assert out.count("  conflict  ") == int(apart) and out.count("  overlap   ") == int(groups) - int(apart)
    assert "3.3x  conflict  soldier-casualties-north-korea:2025-01-09" in out
    assert "nk-casualties-zelenskyy-2025-01-09-unn (party to the conflict), nk-casualties-us-2025-01" in out


def test_conflicts_table_of_a_small_fact_base(capsys, write, minimal):
    base = load_facts(
        write,
        minimal,
        fact("a", "nk-casualties", 1200, "2025-01-09", "us-officials", qualifier="approximately"),
        fact("b", "nk-casualties", 4000, "2025-01-09", "zelenskyy"),
    )
    assert main(["conflicts", "--facts", base.files[0]]) == 0
    assert capsys.readouterr().out == (
        "1 group of comparable figures disagree: 1 with no value in common, 0 compatible as stated "
        "(as_of within 31 days)\n\n"
        "   3.3x  conflict  nk-casualties:2025-01-09  (North Korean casualties)\n"
        "         Volodymyr Zelenskyy's 4,000 is 3.3 times the figure of about 1,200 from US officials "
        "(January 2025).\n"
        "         b (party to the conflict), a\n"
    )


def test_conflicts_json_is_a_list_of_groups_with_members(capsys):
    assert main(["conflicts", "--facts", FACTS, "--format", "json"]) == 0
    groups = json.loads(capsys.readouterr().out)
    assert isinstance(groups, list) and len(groups) > 20
    for group in groups:
        assert {"metric", "as_of_from", "as_of_to", "ratio", "overlap", "summary", "members"} <= set(group)
        for member in group["members"]:
            assert {"fact_id", "claimant", "value", "low", "high", "qualifier"} <= set(member)
    (nk,) = [g for g in groups if g["group_id"] == "soldier-casualties-north-korea:2025-01-09"]
    assert (nk["metric"], nk["as_of_from"], round(nk["ratio"], 2), nk["overlap"]) == (
        "soldier-casualties-north-korea",
        "2025-01-09",
        3.33,
        False,
    )
    assert [m["value"] for m in nk["members"]] == [4000, 1200]
    open_ended = [m for g in groups for m in g["members"] if m["qualifier"] == "at_least"]
    assert open_ended and all(m["interval_high"] is None for m in open_ended)


def test_conflicts_csv_has_a_row_per_member(capsys):
    assert main(["conflicts", "--facts", FACTS, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    nk = [r for r in rows if r["group_id"] == "soldier-casualties-north-korea:2025-01-09"]
    assert [(r["fact_id"], r["as_of"], r["value"]) for r in nk] == [
        ("nk-casualties-zelenskyy-2025-01-09-unn", "2025-01-09", "4000.0"),
        ("nk-casualties-us-2025-01", "2025-01-09", "1200.0"),
    ]
    assert main(["conflicts", "--facts", FACTS, "--format", "json"]) == 0
    groups = json.loads(capsys.readouterr().out)
    assert len(rows) == sum(len(g["members"]) for g in groups)
    assert all(r["interval_high"] != "inf" for r in rows)


def test_conflicts_window_is_configurable(capsys, write, minimal):
    base = load_facts(
        write,
        minimal,
        fact("a", "nk-casualties", 1000, "2025-01-01", "us-officials"),
        fact("b", "nk-casualties", 3000, "2025-02-20", "zelenskyy"),
    )
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
    assert re.match(r"0 errors, \d+ warnings in \d+ facts", out.splitlines()[-1])
    # Reported at the first of those facts: the line after "facts:" in the generated file.
    lines = (ROOT / "facts" / "economist-estimates.yaml").read_text(encoding="utf-8").splitlines()
    first = lines.index("facts:") + 2
    assert (
        f"facts/economist-estimates.yaml:{first}: warning: 124 facts taken from 'economist-war-dead-estimates'" in out
    )
    assert main(["check", "--facts", FACTS, "--strict"]) == 1


def test_check_json_lists_findings(capsys, write, minimal):
    base = load_facts(
        write,
        minimal,
        fact("dec", "nk-casualties", 1000, "2024-12-09", "zelenskyy", quote="1,000"),
        fact("jan", "nk-casualties", 900, "2025-01-09", "zelenskyy", quote="900"),
    )
    assert main(["check", "--facts", base.files[0], "--format", "json"]) == 0
    findings = json.loads(capsys.readouterr().out)
    assert [f["check"] for f in findings] == ["cumulative-falls"] + ["uncited-source"] * 3 + ["uncited-claimant"] * 4
    assert set(findings[0]) == {"check", "severity", "message", "fact_ids", "locations"}
    assert findings[0]["fact_ids"] == ["jan", "dec"] and findings[0]["severity"] == "warning"
    assert main(["check", "--facts", base.files[0], "--strict"]) == 1


def test_check_exits_1_on_an_error(capsys, monkeypatch):
    error = Finding("made-up", "error", "something is wrong", ["a"], ["facts.yaml:1"])
    monkeypatch.setattr("dashboard.analysis.checks.run_checks", lambda base: [error])
    assert main(["check", "--facts", FACTS]) == 1
    assert "facts.yaml:1: error: something is wrong [made-up]" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["conflicts", "check"])
def test_a_broken_fact_base_is_reported_not_raised(capsys, tmp_path, command):
    assert main([command, "--facts", str(tmp_path / "missing.yaml")]) == 1
    assert "cannot read the fact file: no such file" in capsys.readouterr().out
