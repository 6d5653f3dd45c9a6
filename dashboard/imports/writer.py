"""Writing generated fact files: YAML in plain block style, and CSV fact tables.

One writer for every generated file (`factdash import`, scripts/import_economist.py): block style,
one key per line, keys in insertion order, no flow collections, so that the loader's fast path
reads it and a diff of two versions shows the facts that changed. A fact table is CSV with a header
of fact fields (see dashboard/factbase/tables.py for how it is read back).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re

from dashboard.factbase.schema import FACT_FIELDS
from dashboard.factbase.tables import TAG_SEPARATOR
from dashboard.factbase.yamltext import resolve_plain

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._/()',+-]*")


def yaml_scalar(value: object, *, quote_text: bool = False) -> str:
    """One scalar in block style: text plain where YAML reads it back as the same text (always quoted
    with `quote_text`), quoted otherwise; dates as YYYY-MM-DD."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value!r} in a fact file")
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        if (
            not quote_text
            and _PLAIN.fullmatch(value)
            and not value.endswith(" ")
            and " #" not in value
            and ": " not in value
            and type(resolve_plain(value)) is str
        ):
            return value
        # A JSON string is a YAML double-quoted scalar; escape what YAML reads as breaks or non-printable.
        return re.sub(
            r"[\x7f-\x9f\u2028\u2029\ufeff]",
            lambda m: f"\\u{ord(m.group()):04x}",
            json.dumps(value, ensure_ascii=False),
        )
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


def yaml_lines(value: object, indent: int = 0, *, quote_text: bool = False) -> list[str]:
    """Block-style YAML, one key per line, keys in insertion order: no flow collections."""
    pad = " " * indent
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                lines.append(f"{pad}{yaml_scalar(key)}:")
                lines.extend(yaml_lines(item, indent + 2, quote_text=quote_text))
            else:
                lines.append(f"{pad}{yaml_scalar(key)}: {yaml_scalar(item, quote_text=quote_text)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                inner = yaml_lines(item, indent + 2, quote_text=quote_text)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines.extend(inner[1:])
            else:
                lines.append(f"{pad}- {yaml_scalar(item, quote_text=quote_text)}")
    else:
        raise TypeError("a YAML document here is a mapping or a list")
    return lines


def fact_file(header: list[str], content: dict, *, quote_text: bool = False) -> str:
    """A generated fact file's text: comment lines, then the content's keys, a blank line before each
    section."""
    body = []
    for key, value in content.items():
        if isinstance(value, (dict, list)):
            body.append("")
            body.append(f"{key}:")
            body.extend(yaml_lines(value, 2, quote_text=quote_text))
        else:
            body.append(f"{key}: {yaml_scalar(value, quote_text=quote_text)}")
    return "\n".join([f"# {line}" if line else "#" for line in header] + body) + "\n"


def fact_table(facts: list[dict]) -> str:
    """Facts as a CSV fact table: a column for each fact field any of them gives, in the schema's
    order; an empty cell where a fact gives none; tags joined by semicolons."""
    columns = [name for name in FACT_FIELDS if any(name in fact for fact in facts)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    # Python 3.11's writer leaves a lone CR unquoted with "\n" line ends (and a reader then starts a
    # new row there): a row holding one is written with every cell quoted.
    quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(columns)
    for fact in facts:
        row = []
        for name in columns:
            value = fact.get(name)
            if name == "tags" and value is not None:
                if any(TAG_SEPARATOR in tag for tag in value):
                    raise ValueError(f"a tag of fact {fact.get('id')!r} holds '{TAG_SEPARATOR}', which separates tags")
                value = f"{TAG_SEPARATOR} ".join(value)
            row.append("" if value is None else yaml_scalar(value) if isinstance(value, float) else value)
        (quoted if any(isinstance(cell, str) and "\r" in cell for cell in row) else writer).writerow(row)
    return out.getvalue()
