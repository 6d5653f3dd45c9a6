"""`factdash validate`: a one-line summary and exit 0, or every problem and exit 1, never a traceback."""

from __future__ import annotations

import subprocess
import sys

from dashboard import load_factbase
from dashboard.cli import main

from .conftest import ROOT


def test_validate_the_bundled_fact_base(capsys):
    assert main(["validate", str(ROOT / "facts.yaml")]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    files = len(load_factbase(ROOT / "facts.yaml").files)  # facts.yaml and what it includes
    assert files >= 10 and out[-1].endswith(f"({files} files)") and " facts, " in out[-1] and "OK" in out[-1]


def test_validate_defaults_to_the_bundled_fact_base(capsys, monkeypatch):
    monkeypatch.delenv("FACTDASH_FACTS", raising=False)
    assert main(["validate"]) == 0
    assert "OK" in capsys.readouterr().out


def test_validate_reports_problems_with_locations(write, minimal, capsys):
    path = write(
        "facts.yaml",
        minimal + "facts:\n  - id: a\n    metric: nk-casualties\n    value: 1\n"
        "    as_of: 2025-13-01\n    claimant: zelensky\n    source: rep\n",
    )
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "2 problems" in out
    assert f"{path.name}:" in out and ":33:12: fact 'a': as_of '2025-13-01' is not a date" in out
    assert "did you mean 'zelenskyy'" in out


def test_validate_missing_file_is_a_message_not_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "validate", str(tmp_path / "nope.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "cannot read the fact file: no such file" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_schema_command_prints_json_schema(capsys):
    assert main(["schema"]) == 0
    assert '"title": "factdash fact file"' in capsys.readouterr().out


def test_readme_documents_every_command():
    from dashboard.cli import build_parser

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    commands = build_parser()._subparsers._group_actions[0].choices  # noqa: SLF001 - argparse has no public way
    for name in commands:
        assert f"| `factdash {name}" in table or f"/ `factdash {name}" in table, (
            f"the README's commands table does not list `factdash {name}`"
        )
