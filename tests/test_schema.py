"""The published JSON Schema is current, referenced by every fact file, and agrees with the loader."""

from __future__ import annotations

import json

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from dashboard.factbase.columns import facts_pass_schema, record_columns
from dashboard.factbase.frame import FRAME_COLUMNS
from dashboard.factbase.schema import (
    FILE_ADAPTER,
    SECTIONS,
    fields_of,
    json_schema,
    json_schema_text,
)
from dashboard.factbase.yamltext import parse_checked

from .conftest import ROOT

FACT_FILES = [ROOT / "facts.yaml", *sorted((ROOT / "facts").glob("*.yaml"))]


def test_published_schema_is_current():
    assert (ROOT / "facts.schema.json").read_text(encoding="utf-8") == json_schema_text(), (
        "facts.schema.json is stale: run `factdash schema --write facts.schema.json`"
    )


@pytest.mark.parametrize("path", FACT_FILES, ids=lambda p: p.name)
def test_every_fact_file_names_the_schema_on_its_first_line(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    relative = "facts.schema.json" if path.parent == ROOT else "../facts.schema.json"
    assert first == f"# yaml-language-server: $schema={relative}"


@pytest.mark.parametrize("path", FACT_FILES, ids=lambda p: p.name)
def test_every_fact_file_validates_against_the_json_schema(path):
    jsonschema.validate(parse_checked(path.read_text(encoding="utf-8"), path.name)[0], json_schema())


def test_json_schema_rejects_what_the_loader_rejects():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"schema_version": 1, "facts": [{"id": "x", "claimnt": "y"}]}, json_schema())


def test_the_fact_file_docs_document_every_field_and_column():
    docs = (ROOT / "docs" / "fact-files.md").read_text(encoding="utf-8")
    for name, model in SECTIONS.items():
        for field in fields_of(model):
            assert f"`{field}`" in docs, f"docs/fact-files.md does not document the {name} field `{field}`"
    for column in FRAME_COLUMNS:
        assert f"`{column}`" in docs, f"docs/fact-files.md does not document the frame column `{column}`"


# The column-wise gate may say "not sure" too often, but never "fine" for a fact the schema rejects.
_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 3000),
    st.floats(allow_nan=True),
    st.sampled_from(["x", "Bad Id", "2025-01", "exact", "approximately", "announced", "a" * 201]),
    st.lists(st.sampled_from(["t", 1, None]), max_size=2),
    st.dictionaries(st.just("k"), st.just(1)),
)
_fact = st.dictionaries(st.sampled_from([*fields_of(SECTIONS["facts"]), "claimnt"]), _values, min_size=3)
_good = st.fixed_dictionaries(
    {
        "id": st.from_regex(r"[a-z][a-z0-9-]{0,5}", fullmatch=True),
        "metric": st.just("m"),
        "as_of": st.sampled_from(["2025", "2025-01-09", 2025]),
        "claimant": st.just("c"),
        "source": st.just("s"),
    },
    optional={
        "value": st.integers(0, 10**6),
        "qualifier": st.just("at_least"),
        "tags": st.lists(st.just("t"), max_size=2),
        "quote": st.text(max_size=5),
    },
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_fact, _good), min_size=1, max_size=4))
def test_gate_never_passes_what_the_schema_rejects(facts):
    if facts_pass_schema(facts):
        FILE_ADAPTER.validate_python({"schema_version": 1, "facts": facts})


@settings(max_examples=100, deadline=None)
@given(st.lists(_good, min_size=1, max_size=4))
def test_gate_passes_valid_facts(facts):
    try:
        FILE_ADAPTER.validate_python({"schema_version": 1, "facts": facts})
    except ValidationError:
        return
    assert facts_pass_schema(facts)


def test_schema_json_is_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(json.loads(json_schema_text()))


def test_fact_columns_tell_a_missing_key_from_an_empty_one_and_from_nan():
    """A key left out is no value; a key left empty (`note:`, None) is refused by the schema, so the
    column checks are not sure of it; a figure written as NaN is kept to be named, not taken as missing."""
    import math

    base = {"metric": "m", "as_of": "2025", "claimant": "c", "source": "s"}
    assert record_columns([{"id": "a", **base, "note": None}]) is None
    assert record_columns([{"id": "a", **base, "via": None}]) is None
    frame = record_columns(
        [
            {"id": "a", **base, "value": 1},
            {"id": "b", **base, "value": float("nan")},
            {"id": "c", **base, "tags": ["x"]},
            {"id": "d", **base, "value": "1,200", "quote": "q"},
        ]
    )
    assert frame is not None
    assert frame["value"].tolist()[0] == 1 and math.isnan(frame["value"].tolist()[1])
    assert frame["value"].tolist()[2] is None and frame["value"].tolist()[3] == "1,200"
    assert frame["note"].isna().all() and frame["quote"].tolist()[3] == "q"
    assert frame["tags"].tolist()[2] == ["x"] and frame["tags"].isna().tolist() == [True, True, False, True]
    for fact in (
        {"id": "a", **base, "via": None},
        {"id": "a", **base, "value": True},
        {"id": "a", **base, "tags": "t"},
    ):
        assert not facts_pass_schema([fact])
        with pytest.raises(ValidationError):
            FILE_ADAPTER.validate_python({"schema_version": 1, "facts": [fact]})
