"""The fact file schema as typed models: one source for validation and for `facts.schema.json`."""

from __future__ import annotations

import json
import re
from typing import Annotated, Literal, Required

from pydantic import ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, TypeAdapter
from typing_extensions import TypedDict

from dashboard.factbase.values import QUALIFIERS

SCHEMA_VERSION = 1
SHORT_NAME_LENGTH = 40  # a claimant's name in a legend
UNIT_LABEL_LENGTH = 60  # a unit in words, on an axis and after every figure
ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"

Id = Annotated[
    StrictStr, Field(pattern=ID_PATTERN, max_length=200, description="lowercase letters, digits, '.', '_' and '-'")
]
Text = Annotated[StrictStr, Field(max_length=100_000)]
Url = Annotated[StrictStr, Field(max_length=4_000, description="an http:// or https:// address")]
DateLike = Annotated[
    StrictStr | StrictInt,
    Field(
        description="YYYY-MM-DD, YYYY-MM or YYYY (the precision is kept)",
        json_schema_extra={"pattern": r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"},
    ),
]
Amount = Annotated[
    StrictInt | StrictFloat | StrictStr,
    Field(
        description='a number (500000000, 3.85e9) or a string such as "$500 million", "3.85 billion", "66bn", "1,200"'
    ),
]

SourceKind = Literal["news", "government", "dataset", "report", "social", "other"]
ClaimantKind = Literal[
    "government",
    "military",
    "intelligence",
    "official",
    "independent",
    "media",
    "academic",
    "international_org",
    "other",
]
Aggregation = Literal["cumulative", "increment", "level"]
Qualifier = Literal[QUALIFIERS]  # type: ignore[valid-type]
Stage = Literal["announced", "committed", "allocated", "delivered", "disbursed"]

_STRICT = ConfigDict(extra="forbid", strict=True)


class Source(TypedDict, total=False):
    """Where a figure was published."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    title: Required[Text]
    # "description" when the page's own title (its headline) is not known and `title` describes the
    # page instead: shown in square brackets, as an editor marks words of their own.
    title_kind: Literal["page", "description"]
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
    # The name a chart's legend gives ("General Staff of Ukraine"): legends have room for about 40
    # characters; the hover and the tables keep `name` whole.
    short_name: Annotated[StrictStr, Field(max_length=SHORT_NAME_LENGTH, min_length=1)]
    kind: Required[ClaimantKind]
    affiliation: Text
    party_to_conflict: Required[StrictBool]
    aliases: list[Text]
    note: Text


class AddsUp(TypedDict, total=False):
    """The increments (packages) whose running sum a running total should match, and why it may not."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    metrics: Required[Annotated[list[Id], Field(min_length=1, max_length=100)]]
    # How far the sum of the increments may run ahead of the stated total for a known reason (a
    # revaluation of what was counted): a gap beyond it is a warning of `factdash check`.
    explained_gap: Amount
    note: Text


class Metric(TypedDict, total=False):
    """What exactly is counted."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    label: Required[Text]
    unit: Required[Text]
    # The unit in a reader's words ("tanks" for a unit of "items"): how figures and axes of a count
    # are written. A currency is written by its sign or code, so a money metric ignores it.
    unit_label: Annotated[StrictStr, Field(max_length=UNIT_LABEL_LENGTH, min_length=1)]
    category: Required[Id]
    aggregation: Required[Aggregation]
    since: DateLike
    definition: Text
    subject: Text
    # This metric counts a part of what another counts (same unit, aggregation and subject): killed
    # of killed and wounded, losses confirmed by photo of all losses, disbursed of appropriated.
    part_of: Id
    # How many days apart two figures of this measure may be and still be compared as answers at
    # about the same time (31 by default): a count that grows by a thousand a week needs fewer.
    window_days: Annotated[StrictInt, Field(ge=0, le=366)]
    # A running total that the increments of other metrics add up to (packages to the total of
    # aid committed): the dashboard draws their running sum beside it and reconciles the two.
    adds_up: AddsUp


class Question(TypedDict, total=False):
    """A reader's question and the measures (metrics) that answer it, broadest first."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    title: Required[Text]
    metrics: Required[Annotated[list[Id], Field(min_length=1, max_length=1000)]]
    note: Text


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
    questions: dict[Id, Question] | None
    facts: list[Fact] | None
    events: list[Event] | None


SECTIONS = {
    "sources": Source,
    "claimants": Claimant,
    "metrics": Metric,
    "questions": Question,
    "facts": Fact,
    "events": Event,
}
FILE_ADAPTER: TypeAdapter = TypeAdapter(FactFile)
FACT_ADAPTER: TypeAdapter = TypeAdapter(Fact)
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


def suggest_fact_id(fact: dict, taken: set[str]) -> str:
    """metric-claimant-as_of as an id (`us-package-us-dod-2025-01-09`), with -2, -3... if taken."""
    parts = [str(fact[k]) for k in ("metric", "claimant", "as_of") if fact.get(k) not in (None, "")]
    stem = re.sub(r"[^a-z0-9._-]+", "-", "-".join(parts).lower()).strip("-._")[:180] or "fact"
    candidate, n = stem, 2
    while candidate in taken:
        candidate, n = f"{stem}-{n}", n + 1
    return candidate
