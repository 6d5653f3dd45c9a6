"""`factdash charts` and `factdash export`: chart ids, files in a folder or a ZIP, a progress bar,
exit 2 with a one-line reason (no browser for images, an unknown chart or format)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pandas as pd
import pytest

from dashboard.cli import main
from dashboard.exports import images

from .conftest import ROOT
from .test_export import COMPARE


def factdash(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashboard.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def test_charts_lists_the_ids_under_the_filters(tiny_path, capsys):
    assert main(["charts", "--facts", str(tiny_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == [
        COMPARE,
        "timeline:nk-casualties",
        "timeline:us-package",
        "aid:USD",
    ]
    assert lines[0] == f"{COMPARE}\tNorth Korean casualties, January 2025 (2 facts)"
    assert main(["charts", "--facts", str(tiny_path), "--claimant", "zelenskyy", "--from", "2024-11-01"]) == 0
    assert capsys.readouterr().out == "timeline:nk-casualties\tNorth Korean casualties (1 fact)\n"


def test_charts_with_a_filter(tiny_path, capsys):
    assert main(["charts", "--facts", str(tiny_path), "--category", "aid"]) == 0
    assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()] == ["timeline:us-package", "aid:USD"]


def test_export_data_formats_into_a_folder(tiny_path, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        [
            "export",
            "--facts",
            str(tiny_path),
            "--chart",
            COMPARE,
            "aid:USD",
            "--format",
            "csv,json,html",
            "--out",
            str(out),
            "--source",
            "rep",
        ]
    )
    assert code == 0
    captured = capsys.readouterr()
    assert "wrote 9 files for 2 charts to" in captured.out
    assert "[##############################] 9/9 README.txt" in captured.err  # the progress bar, last state
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            "north-korean-casualties-january-2025_2025-01-09.csv",
            "north-korean-casualties-january-2025_2025-01-09.json",
            "north-korean-casualties-january-2025_2025-01-09.html",
            "military-aid-to-ukraine-usd_2025-01-09.csv",
            "military-aid-to-ukraine-usd_2025-01-09.json",
            "military-aid-to-ukraine-usd_2025-01-09.html",
            "data.csv",
            "SOURCES.md",
            "README.txt",
        ]
    )
    data = pd.read_csv(out / "data.csv")
    assert set(data["source"]) == {"rep"} and len(data) == 4
    document = json.loads((out / "military-aid-to-ukraine-usd_2025-01-09.json").read_text())
    assert document["filter"] == "source: rep" and {r["fact_id"] for r in document["rows"]} == {
        "package-jan",
        "package-dec",
    }
    readme = (out / "README.txt").read_text()
    assert (
        f"factdash export --facts {tiny_path} --chart {COMPARE} --chart aid:USD --format csv,json,html "
        "--source rep" in readme
    )


def test_export_all_as_a_zip(tiny_path, tmp_path, capsys):
    out = tmp_path / "out"  # not tmp_path itself: it holds the fact file, and is no earlier export
    assert main(["export", "--facts", str(tiny_path), "--all", "--format", "json", "--out", str(out), "--zip"]) == 0
    [archive] = list(out.glob("factdash-export_*.zip"))
    names = zipfile.ZipFile(archive).namelist()
    assert len(names) == 4 + 3 and names[-3:] == ["data.csv", "SOURCES.md", "README.txt"]
    assert "--all --format json" in zipfile.ZipFile(archive).read("README.txt").decode()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--chart", "compare:nope", "--format", "csv"], "no chart 'compare:nope'"),
        (["--all", "--format", "csv,gif"], "unknown export format gif"),
    ],
)
def test_export_usage_errors_exit_2(tiny_path, tmp_path, args, message):
    result = factdash("export", "--facts", str(tiny_path), "--out", str(tmp_path / "out"), *args)
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_export_needs_all_or_chart(tiny_path):
    result = factdash("export", "--facts", str(tiny_path), "--format", "csv")
    assert result.returncode == 2 and "one of the arguments --chart --all is required" in result.stderr


def test_export_bad_fact_base_exits_1(write, tmp_path):
    broken = write("broken.yaml", "schema_version: 1\nfacts: [\n")
    result = factdash("export", "--facts", str(broken), "--all", "--format", "csv", "--out", str(tmp_path / "o"))
    assert result.returncode == 1 and "broken.yaml:" in result.stdout


def test_images_without_chromium_exit_2_with_how_to_enable(tiny_path, tmp_path):
    result = factdash(
        "export",
        "--facts",
        str(tiny_path),
        "--all",
        "--format",
        "png,csv",
        "--out",
        str(tmp_path / "out"),
        env={"BROWSER_PATH": "/nonexistent/chromium"},
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"factdash export: {images.NO_BROWSER} (html, csv and json work without it)"
    assert not (tmp_path / "out").exists()
    data_only = factdash(
        "export",
        "--facts",
        str(tiny_path),
        "--all",
        "--format",
        "csv,html",
        "--out",
        str(tmp_path / "out"),
        env={"BROWSER_PATH": "/nonexistent/chromium"},
    )
    assert data_only.returncode == 0, data_only.stderr


@pytest.mark.skipif(
    not images.images_available() and os.environ.get("CI") != "true", reason=images.NO_BROWSER
)  # under CI the test runs, and fails without Chromium
def test_export_images_with_size_options(tiny_path, tmp_path):
    result = factdash(
        "export",
        "--facts",
        str(tiny_path),
        "--all",
        "--format",
        "png,svg,pdf",
        "--out",
        str(tmp_path / "out"),
        "--width",
        "500",
        "--height",
        "300",
        "--scale",
        "1.5",
    )
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    pngs = sorted(out.glob("*.png"))
    assert len(pngs) == 4 and len(list(out.glob("*.svg"))) == 4 and len(list(out.glob("*.pdf"))) == 4
    for png in pngs:
        data = png.read_bytes()
        assert int.from_bytes(data[16:20], "big") == 750 and int.from_bytes(data[20:24], "big") == 450
    assert "Traceback" not in result.stderr
    assert "--width 500 --height 300 --scale 1.5" in (out / "README.txt").read_text()


@pytest.mark.parametrize("flag, value", [("--width", "0"), ("--scale", "-1"), ("--from", "2025-13-01")])
def test_bad_option_values_are_usage_errors(tiny_path, flag, value):
    result = factdash("export", "--facts", str(tiny_path), "--all", flag, value)
    assert result.returncode == 2 and flag in result.stderr and "Traceback" not in result.stderr


def test_the_exporting_docs_document_every_export_option():
    from dashboard.cli import build_parser

    section = (ROOT / "docs" / "exporting.md").read_text(encoding="utf-8")
    commands = build_parser()._subparsers._group_actions[0].choices  # noqa: SLF001 - argparse has no public way
    for name in ("charts", "export"):
        assert f"factdash {name}" in section
    for action in commands["export"]._actions:  # noqa: SLF001
        for flag in action.option_strings:
            if flag.startswith("--") and flag != "--help":
                assert f"`{flag}" in section, f"docs/exporting.md does not mention {flag}"
    for fmt in ("PNG", "SVG", "PDF", "HTML", "CSV", "JSON", "BROWSER_PATH", "SOURCES.md", "README.txt"):
        assert fmt in section
