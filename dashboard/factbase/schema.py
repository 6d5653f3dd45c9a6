"""The fact file schema as typed models: one source for validation and for `facts.schema.json`."""

from __future__ import annotations

import itertools
import json
import operator
import re
from typing import Annotated, Literal, Required

import numpy as np
from pydantic import ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, TypeAdapter
from typing_extensions import TypedDict

from dashboard.factbase.values import QUALIFIERS

try:
    from pandas._libs.lib import dicts_to_array as _dicts_to_array  # private to pandas: checked by a test
except ImportError:  # pragma: no cover - a pandas that moved it: the slower way below
    _dicts_to_array = None

SCHEMA_VERSION = 1
ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"

Id = Annotated[StrictStr, Field(pattern=ID_PATTERN, max_length=200,
                                description="lowercase letters, digits, '.', '_' and '-'")]
Text = Annotated[StrictStr, Field(max_length=100_000)]
Url = Annotated[StrictStr, Field(max_length=4_000, description="an http:// or https:// address")]
DateLike = Annotated[
    StrictStr | StrictInt,
    Field(description="YYYY-MM-DD, YYYY-MM or YYYY (the precision is kept)",
          json_schema_extra={"pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}),
]
Amount = Annotated[
    StrictInt | StrictFloat | StrictStr,
    Field(description='a number (500000000, 3.85e9) or a string such as "$500 million", "3.85 billion", '
                      '"66bn", "1,200"'),
]

SourceKind = Literal["news", "government", "dataset", "report", "social", "other"]
ClaimantKind = Literal["government", "military", "intelligence", "official", "independent", "media",
                       "academic", "international_org", "other"]
Aggregation = Literal["cumulative", "increment", "level"]
Qualifier = Literal[QUALIFIERS]  # type: ignore[valid-type]
Stage = Literal["announced", "committed", "allocated", "delivered", "disbursed"]

_STRICT = ConfigDict(extra="forbid", strict=True)


class Source(TypedDict, total=False):
    """Where a figure was published."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    title: Required[Text]
    publisher: Text
    url: Url
    published: DateLike
    accessed: DateLike
    kind: Required[SourceKind]
    license: Text
    archive_url: Url
    language: Text
    author: Text
    note: Text


class Claimant(TypedDict, total=False):
    """Who asserts a figure (not who printed it)."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    name: Required[Text]
    kind: Required[ClaimantKind]
    affiliation: Text
    party_to_conflict: Required[StrictBool]
    aliases: list[Text]
    note: Text


class Metric(TypedDict, total=False):
    """What exactly is counted."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    label: Required[Text]
    unit: Required[Text]
    category: Required[Id]
    aggregation: Required[Aggregation]
    since: DateLike
    definition: Text
    subject: Text


class Fact(TypedDict, total=False):
    """One figure as claimed by one claimant in one source."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    id: Required[Id]
    metric: Required[Id]
    value: Amount
    low: Amount
    high: Amount
    qualifier: Qualifier
    as_of: Required[DateLike]
    since: DateLike
    stated: DateLike
    claimant: Required[Id]
    source: Required[Id]
    via: Id
    quote: Text
    stage: Stage
    note: Text
    tags: list[Annotated[StrictStr, Field(max_length=200)]]


class Event(TypedDict, total=False):
    """Something to mark on timelines."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    id: Id
    date: Required[DateLike]
    label: Required[Text]
    source: Id
    note: Text


class FactFile(TypedDict, total=False):
    """One fact file; `include` pulls in more, relative to this file."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    schema_version: Required[Literal[1]]
    title: Text
    description: Text
    # A section left empty (`facts:` with every entry commented out) is null in YAML: allowed.
    include: list[Annotated[StrictStr, Field(max_length=1000)]] | None
    sources: dict[Id, Source] | None
    claimants: dict[Id, Claimant] | None
    metrics: dict[Id, Metric] | None
    facts: list[Fact] | None
    events: list[Event] | None


SECTIONS = {"sources": Source, "claimants": Claimant, "metrics": Metric, "facts": Fact, "events": Event}
FILE_ADAPTER: TypeAdapter = TypeAdapter(FactFile)
FACT_FIELDS = tuple(Fact.__annotations__)


def fields_of(model: type) -> list[str]:
    return [name for name in model.__annotations__ if not name.startswith("__")]


def json_schema() -> dict:
    """The JSON Schema that editors use to complete and check fact files while typing."""
    schema = FILE_ADAPTER.json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://factdash.invalid/facts.schema.json"
    schema["title"] = "factdash fact file"
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# ---- a column-wise gate for long fact lists -------------------------------------------------------

_ID = re.compile(ID_PATTERN)
_OPTIONAL = type(None)
# Per fact field: the Python types the schema accepts, and whether the field is a string kept
# to the id pattern. Kept beside `Fact`; tests check that the gate never passes what the schema rejects.
_GATE = {
    "id": ({str}, "id"), "metric": ({str}, "id"), "claimant": ({str}, "id"), "source": ({str}, "id"),
    "via": ({str, _OPTIONAL}, "id"), "as_of": ({str, int}, None),
    "value": ({int, float, str, _OPTIONAL}, None), "low": ({int, float, str, _OPTIONAL}, None),
    "high": ({int, float, str, _OPTIONAL}, None), "since": ({str, int, _OPTIONAL}, None),
    "stated": ({str, int, _OPTIONAL}, None), "quote": ({str, _OPTIONAL}, "text"),
    "note": ({str, _OPTIONAL}, "text"), "qualifier": ({str, _OPTIONAL}, QUALIFIERS),
    "stage": ({str, _OPTIONAL}, ("announced", "committed", "allocated", "delivered", "disbursed")),
    "tags": ({list, _OPTIONAL}, "tags"),
}


def fact_columns(facts: list[dict]) -> dict[str, list]:
    """The facts as one list per field (None where a fact leaves the field out)."""
    if _dicts_to_array is None or not facts:
        return {name: list(map(dict.get, facts, itertools.repeat(name))) for name in _GATE}
    # pandas's table builder is five times faster than a dict.get per field; it marks a missing key
    # with the np.nan object itself, which is told apart here from a NaN the file wrote (`.nan`).
    table = _dicts_to_array(facts, list(_GATE))
    columns = {}
    for position, name in enumerate(_GATE):
        column = table[:, position]
        missing = np.flatnonzero(column != column)  # NaN is the only value not equal to itself
        if len(missing):
            found = column[missing].tolist()
            if all(map(operator.is_, found, itertools.repeat(np.nan))):
                column[missing] = None
            else:
                column[missing] = [None if value is np.nan else value for value in found]
        columns[name] = column.tolist()
    return columns


def facts_pass_schema(facts: list, columns: dict[str, list] | None = None) -> bool:
    """True only if every fact certainly passes `Fact`; False means "validate them one by one".

    Checks whole columns with C-speed builtins (key sets, type sets, the id pattern on distinct
    values) instead of walking 100k facts field by field.
    """
    if not all(type(f) is dict for f in facts):
        return False
    allowed = frozenset(_GATE)
    if not all(map(allowed.issuperset, map(dict.keys, facts))):
        return False
    columns = columns if columns is not None else fact_columns(facts)
    for name, (types, rule) in _GATE.items():
        column = columns[name]
        kinds = set(map(type, column))
        if not kinds <= types:
            return False  # includes a missing required key (None where None is not allowed)
        if rule is None:
            continue
        present = [v for v in column if v is not None] if _OPTIONAL in kinds else column
        if rule == "id":
            distinct = set(present)
            if distinct and (max(map(len, distinct)) > 200 or not all(map(_ID.fullmatch, distinct))):
                return False
        elif rule == "text":
            if present and max(map(len, present)) > 100_000:
                return False
        elif rule == "tags":
            flat = list(itertools.chain.from_iterable(present))
            if flat and (set(map(type, flat)) != {str} or max(map(len, flat)) > 200):
                return False
        elif not set(present) <= set(rule):
            return False
    return True
