"""The one CSV writer of factdash: every CSV the project hands out (a chart's data, data.csv, the ZIP,
`factdash conflicts/questions --format csv`, the dashboard's table downloads) is written here.

Two promises:

- Every field holding a line break (CR or LF), a quote or a comma is quoted (Python's csv module,
  QUOTE_MINIMAL, with CRLF line ends as RFC 4180 has them: with LF line ends the csv module of
  Python 3.11 leaves a CR unquoted, and a spreadsheet starts a new row there).
- A text cell a spreadsheet would run as a formula begins with an apostrophe: one whose first
  character, after leading spaces and invisible characters (no-break and other Unicode spaces,
  zero-width space and joiners, the BOM, other format and control characters), is `=`, `+`, `-`,
  `@`, a tab, a CR or an LF, or a full-width or small form of one of them (`＝` U+FF1D, `＋` U+FF0B,
  `－` U+FF0D, `＠` U+FF20...). Numbers (int, float, numpy) stay numbers: a negative one is written
  as it is; only text is ever prefixed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import unicodedata
from collections.abc import Iterable, Sequence

import pandas as pd

# What a spreadsheet reads as the start of a formula (or of a new cell's formula: TAB, CR, LF).
FORMULA_STARTERS = frozenset("=+-@\t\r\n\u2212")
# Characters shown as nothing (or as a blank) that a spreadsheet may skip before a formula; Unicode
# spaces (Zs, Zl, Zp), format characters (Cf: zero-width space and joiners, BOM, soft hyphen...) and
# control characters (Cc) are found by category, these few letters and symbols that look blank are not.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")
_INVISIBLE_CATEGORIES = frozenset(("Zs", "Zl", "Zp", "Cf", "Cc", "Cn"))


def _is_starter(char: str) -> bool:
    # NFKC folds the full-width (U+FF1D...) and small (U+FE62...) forms to their ASCII letters.
    return char in FORMULA_STARTERS or unicodedata.normalize("NFKC", char)[:1] in FORMULA_STARTERS


def _is_invisible(char: str) -> bool:
    return char in _BLANK_LOOKING or unicodedata.category(char) in _INVISIBLE_CATEGORIES


def runs_as_formula(text: str) -> bool:
    """True when a spreadsheet could take `text` for a formula: its first character that is not a
    space or invisible is a formula starter (or one of those is first)."""
    for char in text:
        if _is_starter(char):
            return True
        if not _is_invisible(char):
            return False
    return False


def safe_text(text: str) -> str:
    """`text` with a leading apostrophe when a spreadsheet would run it; otherwise as it is."""
    if not text:
        return text
    first = text[0]
    if first.isascii() and first.isalnum():  # the common case, decided at once
        return text
    return "'" + text if runs_as_formula(text) else text


def cell(value: object) -> object:
    """A value as the csv module should write it: text made safe, numbers as numbers (numpy scalars
    as Python ones), missing and infinite values empty, dates as YYYY-MM-DD, lists joined by '; '."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, (pd.Timestamp, dt.date)):  # numpy scalars
        value = value.item()
        if isinstance(value, str):
            return safe_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else ""
    if isinstance(value, (int, bool)):
        return value
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return safe_text("; ".join(str(v) for v in value))
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return safe_text(str(value))


def write_rows(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A header and rows as CSV text, every cell through `cell`."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, dialect="excel", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([cell(name) for name in header])
    writer.writerows([cell(value) for value in row] for row in rows)
    return out.getvalue()


def frame_csv(frame: pd.DataFrame, columns: Sequence[str] | None = None, *, header: Sequence[str] | None = None) -> str:
    """A table as CSV text: its `columns` (default all) in order, headed by `header` (default their
    names)."""
    columns = list(frame.columns if columns is None else columns)
    header = list(columns if header is None else header)
    if len(header) != len(columns):
        raise ValueError(f"{len(header)} header names for {len(columns)} columns")
    values = [frame[name].tolist() for name in columns]  # plain Python values, column by column
    return write_rows(header, zip(*values, strict=True) if values else ([] for _ in range(len(frame))))


def frame_csv_bytes(
    frame: pd.DataFrame, columns: Sequence[str] | None = None, *, header: Sequence[str] | None = None
) -> bytes:
    """frame_csv as UTF-8 bytes, as a file or a download holds it."""
    return frame_csv(frame, columns, header=header).encode("utf-8")


def cell_rows(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple]:
    """The `columns` of each row of `frame` as `cell` makes them, for write_cells: a table whose
    rows are written into several files is converted once."""
    values = [[cell(value) for value in frame[name].tolist()] for name in columns]
    return list(zip(*values, strict=True)) if values else [() for _ in range(len(frame))]


def write_cells(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A header and rows already made by `cell` (cell_rows) as CSV bytes, written as write_rows
    writes them (`cell` leaves what it made as it is, so the file is the same)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, dialect="excel", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([cell(name) for name in header])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")
