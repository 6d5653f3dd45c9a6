"""Import specs: how a CSV or JSON file becomes facts, as typed models with a published JSON Schema.

A spec is a small YAML file (see `imports/` and docs/importing.md). Paths in it
are relative to the spec. `load_spec` reads one and reports every mistake as `file:line:column:
message`; `json_schema_text` is what `imports/spec.schema.json` holds, for editors.

    python -m dashboard.imports.spec --write imports/spec.schema.json
"""

from __future__ import annotations

import argparse
import json
import string
import sys
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dashboard.factbase.errors import Problem
from dashboard.factbase.schema import ID_PATTERN, Claimant, Metric, Source, SourceKind, Stage
from dashboard.factbase.values import QUALIFIERS
from dashboard.factbase.yamltext import Located, YamlProblems, decode, parse_located

SPEC_VERSION = 1
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=200, description="lowercase letters, digits, '.', '_', '-'")]
Qualifier = Literal[QUALIFIERS]  # type: ignore[valid-type]
# The names a template may use: {metric}, {date} (as_of, YYYY-MM-DD), {claimant}, {source}, {row} (the
# input's data row, from 1), {column} (the input column the value came from) and {cells[NAME]} (any cell).
TEMPLATE_FIELDS = ("metric", "date", "claimant", "source", "row", "column", "cells")
# A source made from a row is one per row whatever the metric: its templates name no metric or column.
SOURCE_TEMPLATE_FIELDS = ("date", "claimant", "row", "cells")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Input(_Strict):
    """The tabular file to read."""

    path: str = Field(description="the input file, relative to the spec")
    format: Literal["csv", "json"] = Field(
        description="csv: a header row, then one row per record; json: an array of objects (a missing key is a "
        "value not tracked that day, never zero)"
    )
    delimiter: str = Field(",", min_length=1, max_length=1, description="csv only")


class Output(_Strict):
    """The generated fact file."""

    path: str = Field(description="the fact file to write, relative to the spec; include it from facts.yaml")
    json_schema: str | None = Field(
        None,
        alias="schema",
        description="facts.schema.json, relative to the spec: named in the file's first line so that editors check it",
    )
    table: str | None = Field(
        None,
        description="a CSV fact table to write the facts into, relative to the spec; "
        "the fact file then holds the declarations and includes it",
    )


class DateColumn(_Strict):
    """A column holding a date, and how it is written."""

    column: str
    format: str = Field("%Y-%m-%d", description="a strptime format, e.g. %Y-%m-%d or %d/%m/%Y")


class FromColumns(_Strict):
    """An id taken from a column (or several, joined with ' / '), through `map` when given."""

    column: str | list[str] = Field(description="one column, or several whose cells are joined with ' / '")
    map: dict[str, Id] | None = Field(None, description="cell (or joined cells) -> id; without it the cell is the id")
    prefixes: dict[str, Id] | None = Field(
        None,
        description="instead of map: the cell's beginning -> id, the longest that matches wins "
        "(an address's site: 'https://www.state.gov/' -> the State Department)",
    )
    unmapped: Literal["error", "skip"] = Field(
        "error",
        description="a cell not in `map` (or `prefixes`): a problem (error) or a row left out on purpose (skip)",
    )

    @model_validator(mode="after")
    def _one_lookup(self) -> FromColumns:
        if self.map is not None and self.prefixes is not None:
            raise ValueError("give map (whole cells) or prefixes (their beginnings), not both")
        return self

    @property
    def columns(self) -> list[str]:
        return [self.column] if isinstance(self.column, str) else list(self.column)


class TextByPrefix(_Strict):
    """A text chosen by the beginning of a cell: the publisher of a page by its site."""

    column: str
    prefixes: dict[str, str] = Field(description="the cell's beginning -> text; the longest that matches wins")


class SourceFromColumns(_Strict):
    """A source for each row, made from its cells: the page that announced the row's figures, with its
    address, a title (a template) and a date. Rows that make the same id must make the same source."""

    id: str = Field(description="source id template, e.g. 'us-dod-{date}'")
    url: str = Field(description="the column holding the page's address")
    title: str = Field(description="title template, e.g. 'Announcement of {date}'")
    title_kind: Literal["page", "description"] = Field(
        "description", description="description: the template describes the page; page: it gives its own title"
    )
    publisher: str | TextByPrefix = Field(description="a fixed name, or one chosen by the beginning of a column")
    published: Literal["as_of"] | DateColumn | None = Field(
        None, description="the page's date: 'as_of' (the row's date), a date column, or left out"
    )
    kind: SourceKind
    see_also: str | None = Field(
        None, description="a column of a second address (a fact sheet), written into the source's note when given"
    )
    note: str | None = Field(None, description="note template")

    @model_validator(mode="after")
    def _templates(self) -> SourceFromColumns:
        for name in ("id", "title", "note"):
            template = getattr(self, name)
            if template is not None:
                _check_template(template, f"source.{name}", SOURCE_TEMPLATE_FIELDS)
        return self

    def used_columns(self) -> set[str]:
        used = {self.url} | {c for c in (self.see_also,) if c}
        if isinstance(self.publisher, TextByPrefix):
            used.add(self.publisher.column)
        if isinstance(self.published, DateColumn):
            used.add(self.published.column)
        for template in (self.id, self.title, self.note):
            used |= _template_cells(template or "")
        return used


class QualifierColumn(_Strict):
    """A column whose words say how exact the figure is ("about" -> approximately)."""

    column: str
    map: dict[str, Qualifier]
    missing: Qualifier = Field("exact", description="the qualifier of a row whose cell is empty")


class Skip(_Strict):
    """Rows to leave out on purpose, and why (the reason is counted in --dry-run)."""

    column: str
    values: list[str] = Field(alias="in", description="the cells (as text) that mark a row to leave out")
    reason: str


class OnePerDate(_Strict):
    """When several rows give the same metric on the same date (two publications in a day), keep one."""

    order_by: str = Field(description="the column that orders such rows (e.g. a timestamp)")
    keep: Literal["first", "last"] = "last"


IdOrColumns = Id | FromColumns


class ImportSpec(_Strict):
    """How one tabular file becomes one generated fact file."""

    spec_version: Literal[1]
    title: str = Field(description="the generated file's title")
    description: str | None = None
    input: Input
    output: Output
    date: DateColumn = Field(description="the as_of date of every fact made from a row")
    stated: Literal["as_of"] | DateColumn | None = Field(
        None,
        description="when the figure was stated: 'as_of' (the same day), a date column, or left out (the "
        "source's published date)",
    )
    metric_columns: dict[str, Id] | None = Field(
        None,
        description="one metric per column: column -> metric id; each row gives one fact per column that has a value",
    )
    metric: FromColumns | None = Field(None, description="a column that names the metric (with `value`)")
    value: str | None = Field(None, description="the value column, with `metric`")
    low: str | None = None
    high: str | None = None
    qualifier: Qualifier | QualifierColumn = "exact"
    scale: Annotated[int | float, Field(gt=0)] = Field(
        1, description="every figure multiplied by this: 1000000 for a column of US$ millions"
    )
    stage: Stage | None = Field(None, description="the stage of every fact made (announced, committed, ...)")
    claimant: IdOrColumns
    source: IdOrColumns | SourceFromColumns = Field(
        description="a fixed id, a column (+ map), or a source made from each row's cells (its own page)"
    )
    via: IdOrColumns | None = Field(None, description="the dataset the figures were taken from")
    ignore_columns: list[str] = Field(
        default_factory=list,
        description="columns deliberately not imported; any other column not used "
        "by the spec is a problem, so a new column is never missed",
    )
    skip: list[Skip] = Field(default_factory=list)
    one_per_date: OnePerDate | None = None
    keep: Literal["all", "weekly", "monthly"] = Field(
        "all",
        description="thin a dense series: the last date of each week or month present, and always the last "
        "date of the input",
    )
    id: str = Field(description="fact id template, e.g. 'gsua-{metric}-{date}'")
    note: str | None = Field(None, description="fact note template")
    tags: list[str] | None = None
    sources: dict[Id, Source] | None = Field(None, description="written into the generated file as they are")
    claimants: dict[Id, Claimant] | None = None
    metrics: dict[Id, Metric] | None = None

    @model_validator(mode="after")
    def _one_way_to_the_metric(self) -> ImportSpec:
        if (self.metric_columns is None) == (self.metric is None):
            raise ValueError(
                "give either metric_columns (one metric per column) or metric with value (a column "
                "that names the metric)"
            )
        if self.metric is not None and self.value is None:
            raise ValueError("metric names the metric from a column; value must name the column of the figures")
        if self.metric_columns is not None and (self.value or self.low or self.high):
            raise ValueError("value, low and high go with metric; with metric_columns each column is a value")
        for name in ("id", "note"):
            template = getattr(self, name)
            if template is not None:
                _check_template(template, name)
        return self

    def used_columns(self) -> set[str]:
        """Every input column the spec reads."""
        used = {self.date.column}
        if isinstance(self.stated, DateColumn):
            used.add(self.stated.column)
        used |= set(self.metric_columns or {})
        if self.metric is not None:
            used |= set(self.metric.columns)
        used |= {c for c in (self.value, self.low, self.high) if c}
        if isinstance(self.qualifier, QualifierColumn):
            used.add(self.qualifier.column)
        for lookup in (self.claimant, self.source, self.via):
            if isinstance(lookup, FromColumns):
                used |= set(lookup.columns)
        if isinstance(self.source, SourceFromColumns):
            used |= self.source.used_columns()
        used |= {s.column for s in self.skip}
        if self.one_per_date is not None:
            used.add(self.one_per_date.order_by)
        for template in (self.id, self.note):
            used |= _template_cells(template or "")
        return used


def _check_template(template: str, name: str, known: tuple[str, ...] = TEMPLATE_FIELDS) -> None:
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as err:
        raise ValueError(f"{name} template {template!r}: {err}") from None
    for field in fields:
        root = field.split("[", 1)[0].split(".", 1)[0]
        if root not in known:
            raise ValueError(
                f"{name} template {template!r}: unknown field '{{{field}}}'; known: "
                + ", ".join("{" + f + "}" for f in known)
            )


def _template_cells(template: str) -> set[str]:
    cells = set()
    for _, field, _, _ in string.Formatter().parse(template):
        if field and field.startswith("cells[") and field.endswith("]"):
            cells.add(field[len("cells[") : -1])
    return cells


class SpecError(Exception):
    """A spec that cannot be used; `problems` locates each mistake in the spec file."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_spec(path: Path) -> ImportSpec:
    """Read and check one spec; raise SpecError naming every problem with its place in the file."""
    path = Path(path)
    file = str(path)
    try:
        data, located = parse_located(decode(path.read_bytes(), file), file)
    except OSError as err:
        raise SpecError([Problem(file, 1, 1, f"cannot read the import spec: {err.strerror or err}")]) from None
    except YamlProblems as err:
        raise SpecError(err.problems) from None
    if not isinstance(data, dict):
        raise SpecError([Problem(file, 1, 1, "an import spec is a mapping of keys (spec_version, input, ...)")])
    try:
        return ImportSpec.model_validate(data)
    except ValidationError as err:
        raise SpecError(_explain(err, located, file)) from None


def _explain(err: ValidationError, located: Located, file: str) -> list[Problem]:
    """One located problem per place; the alternatives of a union (an id, or a mapping) are joined."""
    found: dict[tuple, list[str]] = {}
    keys: set[tuple] = set()
    for error in err.errors(include_url=False):
        # Union members add their type to the path ("claimant.constrained-str"): keep only the parts
        # that are keys or positions in the spec file.
        loc: tuple = ()
        for part in error["loc"]:
            if (
                (loc + (part,)) in located.values
                or (loc + (part,)) in located.keys
                or error["type"] in ("missing", "extra_forbidden")
                and part == error["loc"][-1]
            ):
                loc += (part,)
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = f"unknown key '{loc[-1]}'"
            keys.add(loc)
        elif error["type"] == "missing":
            message = f"missing required key '{loc[-1]}'"
        messages = found.setdefault(loc, [])
        if message not in messages:
            messages.append(message)
    problems = []
    for loc, messages in found.items():
        where = ".".join(str(p) for p in loc) or "spec"
        if loc in keys:
            line, column = located.keys.get(loc) or located.of_value(loc)
        else:
            line, column = located.of_value(loc[:-1] if messages[0].startswith("missing") else loc)
        text = messages[0] + (f" (or: {'; or: '.join(messages[1:])})" if len(messages) > 1 else "")
        problems.append(Problem(file, line, column, f"{where}: {text}"))
    return sorted(problems)


def json_schema() -> dict:
    schema = ImportSpec.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://factdash.invalid/spec.schema.json"
    schema["title"] = "factdash import spec"
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="print (or --write) the JSON Schema of import specs")
    parser.add_argument("--write", metavar="PATH")
    args = parser.parse_args(argv)
    if args.write:
        from dashboard.factbase.atomic import write_text_atomic

        try:
            write_text_atomic(Path(args.write), json_schema_text())
        except OSError as err:
            print(f"cannot write {args.write}: {err.strerror or err}", file=sys.stderr)
            return 1
        print(f"wrote {args.write}")
    else:
        sys.stdout.write(json_schema_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
