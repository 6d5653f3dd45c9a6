"""Fact tables: a CSV file whose header names fact fields, one fact per row.

A journalist's spreadsheet of figures, or a long generated series, joins the fact base as a table
included from YAML like any fact file (`include: [facts/estimates.csv]`). The table is read by
pyarrow's CSV reader, every cell as text (an empty cell is no value), and checked by the same rules
as a YAML file's facts: columns.py's column-wise checks first, the schema fact by fact when those are
not sure, then the figures and dates. Declarations (sources, claimants, metrics) stay in YAML.

Only `metric`, `as_of`, `claimant` and `source` and a figure (`value`, or `low` and `high`) are
required; a row without an `id` gets one made of its metric, claimant and as_of. Tags are separated
by semicolons ("casualties; official"). A problem is reported at the cell: `file.csv:LINE:COLUMN`.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
from pydantic import ValidationError

from dashboard.factbase import workers
from dashboard.factbase.columns import TEXT, checked_frame, records_frame
from dashboard.factbase.errors import Problem
from dashboard.factbase.factfile import FileResult, Problems, check_parsed, unreadable
from dashboard.factbase.messages import did_you_mean, explain
from dashboard.factbase.schema import FACT_FIELDS, FILE_ADAPTER, suggest_fact_id
from dashboard.factbase.yamltext import Located, YamlProblems, checked_source

REQUIRED_COLUMNS = ("metric", "as_of", "claimant", "source")
FIGURE_COLUMNS = ("value", "low", "high")
TAG_SEPARATOR = ";"


def check_table(file: str, data: bytes, digest: str) -> FileResult:
    """Check one CSV fact table on its own; a FileResult like a YAML file's, with facts only."""
    try:
        checked_source(data, file)  # UTF-8, no control characters: the same rules as for YAML files
    except YamlProblems as err:
        return unreadable(file, digest, err.problems)
    located = table_located(data)
    header = located.header
    problems = _header_problems(file, header, located)
    if problems:
        return unreadable(file, digest, problems)
    try:
        table = pcsv.read_csv(
            io.BytesIO(data),
            convert_options=pcsv.ConvertOptions(
                column_types={name: TEXT for name in header}, strings_can_be_null=True, quoted_strings_can_be_null=True
            ),
        )
    except pa.ArrowInvalid as err:
        line, column = located.first_ragged_row()
        message = str(err).removeprefix("CSV parse error: ")
        return unreadable(file, digest, [Problem(file, line, column, f"not a valid CSV table: {message}")])
    columns = _columns(table)
    fact_problems: Problems = []
    bad_fields: dict[int, set] = {}
    frame = checked_frame(dict(columns), table.num_rows)
    if frame is None:  # the schema checks each row and says what is wrong
        records = [
            {k: v for k, v in row.items() if v is not None}
            for row in pa.Table.from_arrays(list(columns.values()), names=list(columns)).to_pylist()
        ]
        try:
            FILE_ADAPTER.validate_python({"schema_version": 1, "facts": records})
        except ValidationError as err:
            for path, message, where in explain(err, {"facts": records}):
                fact_problems.append((path, message, where))
                if len(path) >= 2 and path[0] == "facts" and isinstance(path[1], int):
                    bad_fields.setdefault(path[1], set()).add(path[2] if len(path) > 2 else None)
        good = [
            (i, {k: v for k, v in f.items() if k not in bad_fields.get(i, ())})
            for i, f in enumerate(records)
            if None not in bad_fields.get(i, ())
        ]
        frame = records_frame([f for _, f in good], [i for i, _ in good])
    lines = located.row_lines(table.num_rows)
    lines = lines[frame.index.to_numpy()] if len(lines) == table.num_rows else np.ones(len(frame), dtype=np.int64)
    result = check_parsed(file, digest, {"schema_version": 1}, [], bad_fields, frame, lines, fact_problems)
    result.keys = ()
    return result


def _columns(table: pa.Table) -> dict[str, pa.Array]:
    """The table's columns as fact fields: text (an empty cell is no value), tags split at semicolons,
    an id made for each row that has none."""
    combined = workers.each(pa.ChunkedArray.combine_chunks, table.columns, rows=table.num_rows)
    columns = dict(zip(table.column_names, combined, strict=True))
    if "tags" in columns:
        # Tags repeat (a series has the same on every row): split each distinct cell once.
        encoded = columns["tags"].dictionary_encode()
        split = [
            [t.strip() for t in cell.split(TAG_SEPARATOR) if t.strip()] or None
            for cell in encoded.dictionary.to_pylist()
        ]
        columns["tags"] = pa.array(split, type=pa.list_(TEXT)).take(encoded.indices)
    ids = columns.get("id")
    if ids is None or ids.null_count:
        rows = {name: column.to_pylist() for name, column in columns.items() if name in ("metric", "claimant", "as_of")}
        given = ids.to_pylist() if ids is not None else [None] * table.num_rows
        taken = {i for i in given if i is not None}
        for row, fact_id in enumerate(given):
            if fact_id is None:
                given[row] = suggest_fact_id({name: values[row] for name, values in rows.items()}, taken)
                taken.add(given[row])
        columns["id"] = pa.array(given, type=TEXT)
    return columns


def _header_problems(file: str, header: list[str], located: TableLocated) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for i, name in enumerate(header):
        line, column = located.header_cell(i)
        if name in seen:
            problems.append(Problem(file, line, column, f"the column '{name}' appears twice in the header"))
        elif name not in FACT_FIELDS:
            problems.append(
                Problem(
                    file,
                    line,
                    column,
                    f"unknown column '{name}'{did_you_mean(name, FACT_FIELDS)}; a "
                    f"fact table's columns are fact fields: {', '.join(FACT_FIELDS)}",
                )
            )
        seen.add(name)
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if not header:
        problems.append(Problem(file, 1, 1, "the table is empty; it needs a header row of fact fields"))
    elif missing or not set(FIGURE_COLUMNS) & set(header):
        needed = missing + ([] if set(FIGURE_COLUMNS) & set(header) else ["value (or low and high)"])
        problems.append(
            Problem(
                file,
                1,
                1,
                f"the header has no {', '.join(needed)} column: a fact table needs "
                "metric, as_of, claimant, source and a figure (value, or low and high)",
            )
        )
    return problems


# ---- where each cell is -----------------------------------------------------------------------------

_FIELD = re.compile(rb'"(?:[^"]|"")*"|[^,\r\n]*')


class TableLocated(Located):
    """Where a fact table's cells are: node paths ("facts", row, column name) -> (line, column).

    Found by a small tokenizer over the bytes (quoted cells may hold commas and line breaks), run
    only when a message needs a place, or for the line of each row."""

    def __init__(self, data: bytes):
        super().__init__()
        self.data = data.removeprefix(b"\xef\xbb\xbf")
        self.offset = len(data) - len(self.data)
        self._records: list[list[int]] | None = None

    @property
    def records(self) -> list[list[int]]:
        """The byte offset of every cell of every record (the header first); blank lines skipped."""
        if self._records is None:
            records, data, at = [], self.data, 0
            while at < len(data):
                if data[at : at + 1] in (b"\n", b"\r"):
                    at += 1
                    continue
                cells = self._cells_at(at)
                records.append(cells)
                at = _FIELD.match(data, cells[-1]).end()  # type: ignore[union-attr]
                at += 2 if data[at : at + 2] == b"\r\n" else 1
            self._records = records
        return self._records

    @property
    def header(self) -> list[str]:
        first = self.data[: self.data.find(b"\n") % (len(self.data) + 1)].rstrip(b"\r")
        if not first.strip():
            return []
        import csv

        return next(csv.reader([first.decode("utf-8", "replace")]))

    def position(self, offset: int) -> tuple[int, int]:
        line = self.data.count(b"\n", 0, offset) + 1
        start = self.data.rfind(b"\n", 0, offset) + 1
        return line, len(self.data[start:offset].decode("utf-8", "replace")) + 1

    def header_cell(self, i: int) -> tuple[int, int]:
        cells = self._cells_at(0)
        return self.position(cells[min(i, len(cells) - 1)])

    def _cells_at(self, at: int) -> list[int]:
        """The byte offset of each cell of the record that starts at `at`."""
        data, cells = self.data, []
        while True:
            cells.append(at)
            at = _FIELD.match(data, at).end()  # type: ignore[union-attr]  # * matches empty
            if data[at : at + 1] != b",":
                return cells
            at += 1

    def row_lines(self, rows: int) -> np.ndarray:
        """The line each of the `rows` data rows starts on, vectorised: a record ends at a line break
        that is not inside quotes (an even count of quote characters before it)."""
        raw = np.frombuffer(self.data, dtype=np.uint8)
        if np.count_nonzero(raw == 10) + (not self.data.endswith(b"\n")) == rows + 1:
            # As many lines as records (the header too): each record is one line, and none is blank.
            return np.arange(2, rows + 2, dtype=np.int64)
        breaks = np.flatnonzero(raw == 10)
        quotes_before = np.searchsorted(np.flatnonzero(raw == 34), breaks)
        ends = breaks[quotes_before % 2 == 0]
        starts = np.concatenate(([0], ends + 1))
        starts = starts[starts < len(raw)]
        lines = np.searchsorted(breaks, starts) + 1  # the line of each record's first byte
        first_bytes = raw[starts]
        filled = (first_bytes != 10) & (first_bytes != 13)  # blank lines are skipped, as the reader skips them
        return lines[filled][1:].astype(np.int64)  # without the header

    def first_ragged_row(self) -> tuple[int, int]:
        """Where the first record with another number of cells than the header starts."""
        records = self.records
        for cells in records[1:]:
            if len(cells) != len(records[0]):
                return self.position(cells[0])
        return (1, 1)

    def of_value(self, path: tuple) -> tuple[int, int]:
        return self._cell(path)

    def of_key(self, path: tuple) -> tuple[int, int]:
        return self._cell(path)

    def _cell(self, path: tuple) -> tuple[int, int]:
        if len(path) < 2 or path[0] != "facts" or not isinstance(path[1], int):
            return (1, 1)
        records, header = self.records, self.header
        row = path[1] + 1
        if row >= len(records):
            return (1, 1)
        name = path[2] if len(path) > 2 else None
        cells = records[row]
        column = header.index(name) if name in header else 0
        return self.position(cells[min(column, len(cells) - 1)])


def table_located(data: bytes) -> TableLocated:
    return TableLocated(data)
