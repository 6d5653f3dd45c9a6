"""Messages a curator can act on: the schema's complaints (pydantic's errors) in plain words, with
"did you mean" hints, and short renderings of the values they are about."""

from __future__ import annotations

import difflib
import re

from pydantic import ValidationError

from dashboard.factbase.schema import SECTIONS, FactFile, fields_of

KIND_OF = {
    "sources": "source",
    "claimants": "claimant",
    "metrics": "metric",
    "questions": "question",
    "facts": "fact",
    "events": "event",
}
DECLARATIONS = ("sources", "claimants", "metrics", "questions")


def explain(err: ValidationError, parsed: dict) -> list[tuple[tuple, str, str]]:
    """Turn pydantic's errors into one message per location a curator can act on."""
    seen: dict[tuple, tuple[tuple, str, str]] = {}
    for error in err.errors(include_url=False):
        loc = tuple(error["loc"])
        union_member = loc and loc[-1] in ("int", "float", "str", "list[str]")
        if union_member:
            loc = loc[:-1]
        kind = error["type"]
        is_key = loc and loc[-1] == "[key]"
        if is_key:
            loc = loc[:-1]
        if loc in seen and not union_member:
            continue
        if kind == "invalid_key":  # a key YAML typed as a number, a list, ...
            seen[loc] = (loc, f"{_describe(loc, parsed)}the key {short(loc[-1])} must be text", "key")
            continue
        where = _describe(loc, parsed)
        field_name = short(loc[-1]) if loc else "file"
        if len(loc) >= 2 and isinstance(loc[-1], int) and isinstance(loc[-2], str):
            field_name = f"{loc[-2]} item {loc[-1] + 1}"
        given = error.get("input")
        if kind == "extra_forbidden":
            allowed = _allowed_keys(loc[:-1])
            hint = did_you_mean(short(loc[-1]), allowed)
            message = f"{where}unknown key '{short(loc[-1])}'{hint}; expected one of: {', '.join(allowed)}"
            seen[loc] = (loc, message, "key")
            continue
        if kind == "missing":
            message = f"{where}missing required key '{loc[-1]}'"
            seen[loc] = (loc[:-1], message, "value")
            continue
        if kind == "literal_error":
            expected = [e.strip().strip("'") for e in re.split(r",| or ", error["ctx"]["expected"]) if e.strip()]
            hint = did_you_mean(short(given), expected)
            message = (
                f"{where}{field_name} '{short(given)}' is not allowed{hint}; expected one of: {', '.join(expected)}"
            )
            if isinstance(given, str) and given in expected and all(e.isdigit() for e in expected):  # '1' for 1
                message = f"{where}{field_name} must be the number {given}, not text: remove the quotes"
        elif kind == "string_pattern_mismatch":
            message = (
                f"{where}'{short(given)}' is not a valid id: use lowercase letters, digits, '.', '_' and '-' "
                f"(e.g. '{slug(short(given))}')"
            )
            seen[loc] = (loc, message, "key" if is_key else "value")
            continue
        elif kind in ("string_too_long",):
            message = f"{where}{field_name} is too long ({len(given) if isinstance(given, str) else '?'} characters)"
        elif union_member or kind in (
            "int_type",
            "float_type",
            "string_type",
            "bool_type",
            "list_type",
            "dict_type",
            "typed_dict_type",
            "model_type",
            "int_from_float",
        ):
            message = f"{where}{field_name} must be {_expected(loc)}, not {type_name(given)} {short(given)!s}"
            message = message.rstrip()
        else:
            message = f"{where}{field_name}: {error['msg']}"
        seen[loc] = (loc, message, "value")
    return list(seen.values())


_EXPECTED = {
    "value": 'a number or a string such as "$500 million"',
    "low": 'a number or a string such as "1,200"',
    "high": 'a number or a string such as "1,200"',
    "as_of": "a date (YYYY-MM-DD, YYYY-MM or YYYY)",
    "since": "a date (YYYY-MM-DD, YYYY-MM or YYYY)",
    "stated": "a date (YYYY-MM-DD, YYYY-MM or YYYY)",
    "published": "a date (YYYY-MM-DD, YYYY-MM or YYYY)",
    "accessed": "a date (YYYY-MM-DD, YYYY-MM or YYYY)",
    "date": "a date (YYYY-MM-DD, YYYY-MM or YYYY)",
    "party_to_conflict": "true or false",
    "tags": "a list of strings",
    "aliases": "a list of strings",
    "include": "a list of file paths",
    "facts": "a list of facts (each starting with '- id: ...')",
    "events": "a list of events",
    "sources": "a mapping of source ids to sources",
    "claimants": "a mapping of claimant ids to claimants",
    "metrics": "a mapping of metric ids to metrics",
    "schema_version": "1",
}


def _expected(loc: tuple) -> str:
    name = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
    if isinstance(loc[-1], int):
        return "a string" if name in ("tags", "aliases", "include") else "a mapping of keys"
    if len(loc) == 2 and loc[0] in DECLARATIONS:
        return "a mapping of keys"
    return _EXPECTED.get(name, "text")


def _allowed_keys(loc: tuple) -> list[str]:
    if not loc:
        return fields_of(FactFile)
    model = SECTIONS.get(str(loc[0]))
    return fields_of(model) if model else []


def _describe(loc: tuple, parsed: dict) -> str:
    if len(loc) >= 2 and loc[0] in SECTIONS:
        kind = KIND_OF[loc[0]]
        if loc[0] in ("facts", "events"):
            item = parsed.get(loc[0])
            entry = item[loc[1]] if isinstance(item, list) and isinstance(loc[1], int) and loc[1] < len(item) else None
            name = entry.get("id") if isinstance(entry, dict) else None
            label = f"'{short(name)}'" if isinstance(name, str) else f"#{int(loc[1]) + 1}"
            return f"{kind} {label}: "
        return f"{kind} '{short(loc[1])}': "
    return ""


def did_you_mean(given: str, choices: list[str] | set[str]) -> str:
    close = difflib.get_close_matches(given, list(choices), n=1, cutoff=0.6)
    if not close and given:
        close = sorted(c for c in choices if c.startswith(given) or given.startswith(c))[:1]
    return f" (did you mean '{close[0]}'?)" if close else ""


def type_name(value: object) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
        type(None): "empty",
    }.get(type(value), type(value).__name__)


def short(value: object, limit: int = 60) -> str:
    if type(value) is int and value.bit_length() > 10_000:  # str() refuses ints of over 4,300 digits
        return f"<a number of about {int(value.bit_length() * 0.30103):,} digits>"
    text = str(value) if not isinstance(value, (dict, list)) else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-") or "my-id"
