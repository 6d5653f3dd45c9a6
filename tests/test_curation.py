"""From a news article to reviewed facts on the dashboard: `extract`, a short edit, `add`.

The curator's flow of issue 8, end to end, with the real commands on a copy of the default fact
base whose Ramstein file holds only its metric declarations (the figures are what the curator adds).
"""

from __future__ import annotations

import difflib
import shutil
import subprocess
import sys

import pytest
import yaml

from .conftest import ROOT, SHARED
from .test_app import chart_specs, run

ARTICLE = SHARED / "sources" / "000_4e7bbd2c5e9e8a58.txt"


def factdash(*args: str, cwd) -> subprocess.CompletedProcess:  # noqa: ANN001
    return subprocess.run(
        [sys.executable, "-m", "dashboard.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


@pytest.fixture
def base_without_ramstein_figures(tmp_path):
    """The default fact base, copied; the Ramstein file keeps its header and metrics, nothing else."""
    shutil.copy(ROOT / "facts.yaml", tmp_path / "facts.yaml")
    shutil.copytree(ROOT / "facts", tmp_path / "facts")
    ramstein = tmp_path / "facts" / "ramstein-2025-01.yaml"
    lines = ramstein.read_text(encoding="utf-8").splitlines(keepends=True)
    tops = [i for i, line in enumerate(lines) if line[:1].isalpha()]
    start = next(i for i in tops if lines[i].startswith("metrics:"))
    end = next((i for i in tops if i > start), len(lines))
    header = [line for line in lines[: tops[0]] if line.startswith("#")]
    ramstein.write_text(
        "".join(header) + "schema_version: 1\ntitle: Ramstein, 9 January 2025\n\n" + "".join(lines[start:end]),
        encoding="utf-8",
    )
    assert factdash("validate", "facts.yaml", cwd=tmp_path).returncode == 0
    return tmp_path


def test_a_curator_turns_the_ramstein_report_into_facts_on_the_dashboard(base_without_ramstein_figures, monkeypatch):
    folder = base_without_ramstein_figures
    extracted = factdash(
        "extract",
        str(ARTICLE),
        "--published",
        "2025-01-09",
        "--facts",
        "facts.yaml",
        "--source-url",
        "https://example.org/ramstein-report",
        cwd=folder,
    )
    assert extracted.returncode == 0, extracted.stderr
    proposed = yaml.safe_load(extracted.stdout)
    assert len(proposed["facts"]) == 5 and len(proposed["events"]) == 3

    # The short edit a reviewer makes: the package is a drawdown package (the extractor matched the
    # wider "commitment" metric), the source gets its real title, and the meeting a short label. The
    # Department's own page for the package is in the base already (facts/us-packages.yaml): this
    # report of it is another source, not a repeat.
    text = extracted.stdout
    (package,) = [f for f in proposed["facts"] if f["value"] == 500_000_000]
    text = text.replace(f'metric: "{package["metric"]}"', 'metric: "us-pda-package"', 1)
    (source_id,) = proposed["sources"]
    text = text.replace(proposed["sources"][source_id]["title"], "News report on the Ramstein meeting", 1)
    meeting = proposed["events"][0]["label"]
    text = text.replace(f'label: "{meeting}"', 'label: "25th Ukraine Defense Contact Group meeting"', 1)
    (folder / "new.yaml").write_text(text, encoding="utf-8")

    ramstein = folder / "facts" / "ramstein-2025-01.yaml"
    before = ramstein.read_text(encoding="utf-8")
    added = factdash("add", "new.yaml", "--to", "facts/ramstein-2025-01.yaml", "--facts", "facts.yaml", cwd=folder)
    assert added.returncode == 0, added.stdout + added.stderr
    after = ramstein.read_text(encoding="utf-8")
    edits = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False).get_opcodes()
    assert {op for op, *_ in edits} == {"equal", "insert"}  # the curator's lines are kept; only additions
    checked = factdash("validate", "facts.yaml", cwd=folder)
    assert checked.returncode == 0, checked.stdout
    again = factdash("add", "new.yaml", "--to", "facts/ramstein-2025-01.yaml", "--facts", "facts.yaml", cwd=folder)
    assert again.returncode == 1 and "repeats fact" in again.stderr and "nothing was written" in again.stderr

    # On the dashboard: the North Korean figures meet on the Overview and on Compare.
    monkeypatch.setenv("FACTDASH_FACTS", str(folder / "facts.yaml"))
    overview = run()
    assert not overview.exception, overview.exception
    cards = " ".join(m.value for m in overview.markdown)
    assert "How many North Korean soldiers were killed or wounded in Kursk?" in cards and "4,000" in cards
    compare = run("views/compare.py")
    assert not compare.exception and chart_specs(compare)
    # The report's own conflict, 4,000 against about 1,200 on 9 January: 3.3 times.
    options = [str(option) for option in compare.selectbox(key="group").options]
    assert any("North Korean" in option and "Jan 2025" in option and "3.3×" in option for option in options), options
    sources = run("views/sources.py")
    tables = " ".join(str(d.value.to_dict()) for d in sources.dataframe)
    assert "News report on the Ramstein meeting" in tables
    assert "Zelenskyy claimed 4,000" in tables
