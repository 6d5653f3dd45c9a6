"""`factdash export` replaces nothing it should not: a folder that is not an earlier export (unless
--force), two charts under one file name, anything but a regular file; and image sizes stay sane."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from charts import registry
from dashboard import load_factbase
from dashboard.analysis.filters import Filters
from dashboard.cli import build_parser, main
from dashboard.exports import files as ex

from .test_export import COMPARE


def export(tiny_path, out, *more: str) -> int:
    return main(["export", "--facts", str(tiny_path), "--chart", COMPARE, "--format", "csv", "--out", str(out), *more])


def snapshot(folder) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# ---- a folder that is not an earlier export ---------------------------------------------------------


def test_a_folder_of_other_files_is_refused_unless_forced(tiny_path, tmp_path, capsys):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter.txt").write_text("my work\n")
    (out / "data.csv").write_text("mine,not yours\n")
    before = snapshot(out)
    assert export(tiny_path, out) == 1
    err = capsys.readouterr().err
    assert "is not empty and holds no earlier factdash export" in err and "--force" in err
    assert "Traceback" not in err
    assert snapshot(out) == before  # nothing written, nothing replaced
    assert export(tiny_path, out, "--force") == 0
    assert (out / "chapter.txt").read_text() == "my work\n" and (out / "README.txt").exists()
    assert (out / "data.csv").read_bytes() != before["data.csv"]


def test_the_folder_holding_the_fact_file_is_refused(tiny_path, capsys):
    assert export(tiny_path, tiny_path.parent) == 1
    assert "holds no earlier factdash export" in capsys.readouterr().err
    assert sorted(p.name for p in tiny_path.parent.iterdir()) == ["facts.yaml"]


def test_an_earlier_export_is_written_again_without_force(tiny_path, tmp_path, capsys):
    out = tmp_path / "out"
    assert export(tiny_path, out) == 0
    assert (out / "README.txt").read_text().startswith(ex.README_MARKER)
    assert export(tiny_path, out) == 0
    zipped = tmp_path / "zipped"
    assert export(tiny_path, zipped, "--zip") == 0
    assert export(tiny_path, zipped, "--zip") == 0  # a folder of export ZIPs is an earlier export too
    # A README.txt that is not an export's does not make the folder one.
    (zipped / "README.txt").write_text("notes\n")
    assert export(tiny_path, zipped, "--zip") == 1
    capsys.readouterr()


def test_out_that_is_a_file_is_refused(tiny_path, tmp_path, capsys):
    out = tmp_path / "a-file"
    out.write_text("x")
    for flags in ((), ("--force",)):
        assert export(tiny_path, out, *flags) == 1
        assert "is not a folder" in capsys.readouterr().err and out.read_text() == "x"


# ---- only regular files are replaced ------------------------------------------------------------


def test_a_symbolic_link_or_a_folder_in_the_way_is_refused_even_with_force(tiny_path, tmp_path, capsys):
    out = tmp_path / "out"
    assert export(tiny_path, out) == 0
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me\n")
    (out / "data.csv").unlink()
    (out / "data.csv").symlink_to(outside)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if not p.is_symlink()}
    for flags in ((), ("--force",)):
        assert export(tiny_path, out, *flags) == 1
        assert "it is a symbolic link" in capsys.readouterr().err
    assert outside.read_text() == "keep me\n" and (out / "data.csv").is_symlink()
    # Refused before anything was drawn or written: the other files are the first export's.
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir() if not p.is_symlink()} == before
    (out / "data.csv").unlink()
    (out / "data.csv").mkdir()
    assert export(tiny_path, out) == 1
    assert "it is a folder" in capsys.readouterr().err and (out / "data.csv").is_dir()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_the_way_is_refused_without_blocking(tiny_path, tmp_path, capsys):
    out = tmp_path / "out"
    assert export(tiny_path, out) == 0
    (out / "SOURCES.md").unlink()
    os.mkfifo(out / "SOURCES.md")
    assert export(tiny_path, out, "--force") == 1
    assert "not a regular file" in capsys.readouterr().err
    with pytest.raises(ValueError, match="not a regular file"):
        ex.write_into(out, "SOURCES.md", b"x")


# ---- one file name per chart ------------------------------------------------------------------------


def twins(base) -> list[registry.ChartSpec]:
    """Three charts of one title whose ids differ only in '.', '-' and '_' (they slug alike), and
    one whose stem is `data` (data.csv is the export's own)."""
    charts = [registry.find_chart(base, None, "timeline:nk-casualties") for _ in range(3)]
    ids = ("timeline:nk-casualties", "timeline:nk.casualties", "timeline:nk_casualties")
    for chart, chart_id in zip(charts, ids, strict=True):
        chart.chart_id = chart_id
    data = registry.find_chart(base, None, "timeline:us-package")
    data.title, data.as_of_written = "Data", ("", "")
    assert data.stem == "data"
    return [*charts, data]


def test_charts_whose_ids_slug_alike_get_file_names_of_their_own(tiny):
    export = ex.Export(tiny, Filters(), twins(tiny), ["csv", "json"])
    stems = [stem for _, stem in export.names()]
    assert len(set(stems)) == 4 and "data" not in stems
    assert stems[:3] == [
        "north-korean-casualties_2025-01-09_timeline-nk-casualties",
        "north-korean-casualties_2025-01-09_timeline-nk-casualties_2",
        "north-korean-casualties_2025-01-09_timeline-nk-casualties_3",
    ]
    names = zipfile.ZipFile(io.BytesIO(export.to_zip())).namelist()
    assert len(names) == len(set(names)) == 4 * 2 + 3 and names == export.zip_names()
    assert names == [ex.zip_entry(name) for name in export.file_names()]


def test_the_count_printed_is_the_files_written(tiny_path, tmp_path, capsys, monkeypatch):
    base = load_factbase(tiny_path)
    monkeypatch.setattr(registry, "view_charts", lambda *args, **kwargs: twins(base))
    out = tmp_path / "out"
    assert main(["export", "--facts", str(tiny_path), "--all", "--format", "csv,json", "--out", str(out)]) == 0
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 4 * 2 + 3
    assert f"wrote {len(files)} files for 4 charts" in capsys.readouterr().out


# ---- sane image sizes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "flag, value",
    [
        ("--scale", "1e308"),
        ("--scale", "0.05"),
        ("--scale", "8.5"),
        ("--scale", "nan"),
        ("--scale", "inf"),
        ("--width", "99"),
        ("--width", "6001"),
        ("--height", "50"),
        ("--height", "100000"),
        ("--width", "1e3"),
    ],
)
def test_sizes_out_of_bounds_are_usage_errors(tiny_path, tmp_path, flag, value, capsys):
    with pytest.raises(SystemExit) as exit_:
        export(tiny_path, tmp_path / "out", flag, value)
    assert exit_.value.code == 2
    assert flag in capsys.readouterr().err and not (tmp_path / "out").exists()


def test_sizes_at_the_bounds_are_taken():
    parser = build_parser()
    args = parser.parse_args(["export", "--all", "--scale", "0.1", "--width", "100", "--height", "6000"])
    assert (args.scale, args.width, args.height) == (0.1, 100, 6000)
    assert parser.parse_args(["export", "--all", "--scale", "8", "--width", "6000"]).scale == 8
    assert (ex.PIXELS, ex.SCALES) == ((100, 6000), (0.1, 8.0))  # what the options hold


def test_an_export_refuses_an_insane_size_itself(tiny):
    for size in ({"scale": 1e308}, {"width": 10}, {"height": 10**6}, {"scale": float("nan")}):
        with pytest.raises(ValueError, match="must be from"):
            ex.Export(tiny, Filters(), [], ["png"], **size)
    with pytest.raises(ValueError, match="scale must be from"):
        ex.to_image(registry.find_chart(tiny, None, COMPARE), "png", scale=1e308)
