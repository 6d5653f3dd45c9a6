"""Adding sources, claimants, metrics, facts and events to a fact file: checked, then written atomically.

An addition comes from a YAML document with the sections of a fact file (what `factdash extract`
prints) or from command-line flags. Before anything is written the whole fact base is loaded
with the target file as it would be after the addition, so a problem anywhere stops the write;
a fact that repeats an existing one (same metric, claimant, source, as_of and value) is refused with the
existing fact's id and place. New entries are appended to their sections without changing a byte
of what the file already holds (see dashboard/yamledit.py).

Decisions: comments in an addition (extract's confidence notes) are not copied into the fact file:
a remark worth keeping belongs in the entry's `note`. A source, claimant or metric whose id exists
already is skipped with a note when its content is the same, and refused when it differs.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from filelock import FileLock, Timeout

from dashboard.curation.yamledit import MAPPING_SECTIONS, SECTION_ORDER, YamlEditError, append_entries
from dashboard.factbase.atomic import NotARegularFile, writable_target, write_text_atomic
from dashboard.factbase.errors import FactBaseError
from dashboard.factbase.loader import load_factbase
from dashboard.factbase.paths import REPO_ROOT, default_facts_path
from dashboard.factbase.schema import SECTIONS, fields_of, suggest_fact_id
from dashboard.factbase.values import ValueError_, parse_amount, parse_date
from dashboard.factbase.yamltext import YamlProblems, decode, parse_checked, resolve_plain

KINDS = {"source": "sources", "claimant": "claimants", "metric": "metrics", "fact": "facts", "event": "events"}
FIELDS = {kind: fields_of(SECTIONS[section]) for kind, section in KINDS.items()}
# Every field of every kind is a flag (`--as-of` for as_of); a flag that is not a field of the kind
# being added is an error, not silently dropped.
FLAG_FIELDS = list(dict.fromkeys(name for names in FIELDS.values() for name in names))
LIST_FIELDS = {"aliases", "tags"}
_IGNORED_KEYS = {"schema_version", "title", "description"}
_GENERATED = re.compile(r"do not edit by hand", re.IGNORECASE)


class AddError(Exception):
    """Nothing was written; `messages` says why, each located to file:line:column where possible."""

    def __init__(self, messages: list[str], note: str = ""):
        self.messages = messages
        self.note = note
        super().__init__("\n".join(messages + ([note] if note else [])))


@dataclass
class Addition:
    """What to add, section by section, as plain data; `origin` names where it came from."""

    sections: dict[str, Any]  # sources/claimants/metrics: id -> mapping; facts/events: list of mappings
    origin: str = "flags"
    notes: list[str] = field(default_factory=list)

    def count(self) -> int:
        return sum(len(v) for v in self.sections.values())


@dataclass
class Outcome:
    """What `add` did (or, with write=False, would do)."""

    target: Path
    before: str
    after: str
    added: list[str]
    notes: list[str]
    ranges: list[tuple[int, int]]
    written: bool

    def diff(self) -> str:
        name = str(self.target)
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                name,
                name + " (with the addition)",
            )
        )


# ---- reading an addition -------------------------------------------------------------------------


def read_addition(path: str) -> Addition:
    """Parse a YAML document of additions (`-` reads standard input); raise AddError on bad input."""
    file = "<stdin>" if path == "-" else path
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except FileNotFoundError:
        raise AddError(
            [f"{file}: no such file (give fact, source, claimant, metric or event, or a YAML file of additions)"]
        ) from None
    except OSError as err:
        raise AddError([f"{file}: cannot read it: {err.strerror or err}"]) from None
    try:
        parsed, located, problems = parse_checked(decode(data, file), file)
    except YamlProblems as err:
        raise AddError([str(p) for p in err.problems]) from None
    if problems:
        raise AddError([str(p) for p in problems])
    if parsed is None:
        raise AddError([f"{file}:1:1: the file is empty: nothing to add"])
    if not isinstance(parsed, dict):
        raise AddError(
            [
                f"{file}:1:1: expected a mapping with sources, claimants, metrics, facts or events, "
                "as `factdash extract` prints"
            ]
        )
    messages: list[str] = []
    notes: list[str] = []
    sections: dict[str, Any] = {}
    for key, value in parsed.items():
        line, column = located.of_key((key,))
        if key in _IGNORED_KEYS:
            notes.append(f"{file}:{line}:{column}: '{key}' is ignored: only entries are added")
            continue
        if key not in SECTION_ORDER:
            messages.append(
                f"{file}:{line}:{column}: unknown section '{key}'; expected one of: {', '.join(SECTION_ORDER)}"
            )
            continue
        if value is None:
            continue
        mapping = key in MAPPING_SECTIONS
        if not isinstance(value, dict if mapping else list):
            line, column = located.of_value((key,))
            messages.append(
                f"{file}:{line}:{column}: '{key}' must be a "
                f"{'mapping of ids to entries' if mapping else 'list of entries'}"
            )
            continue
        for name, entry in value.items() if isinstance(value, dict) else enumerate(value):
            if not isinstance(entry, dict):
                line, column = located.of_value((key, name))
                messages.append(f"{file}:{line}:{column}: each entry of '{key}' must be a mapping of keys")
        sections[key] = value
    if messages:
        raise AddError(messages)
    addition = Addition(sections, origin=file, notes=notes)
    if not addition.count():
        raise AddError([f"{file}: no entries to add"])
    return addition


def addition_from_flags(kind: str, entry_id: str | None, values: dict[str, object]) -> Addition:
    """One entry of `kind` from command-line values (field name -> text, or list of texts)."""
    if kind not in KINDS:
        raise AddError([f"unknown kind '{kind}': expected one of {', '.join(KINDS)}, or a YAML file of additions"])
    allowed = FIELDS[kind]
    wrong = [name for name in values if name not in allowed]
    if wrong:
        flags = ", ".join("--" + w.replace("_", "-") for w in wrong)
        raise AddError(
            [
                f"{flags}: not {'a field' if len(wrong) == 1 else 'fields'} of a {kind}; a {kind} takes: "
                f"{', '.join('--' + a.replace('_', '-') for a in allowed)}"
            ]
        )
    given_id = values.pop("id", None)
    if entry_id and given_id and entry_id != given_id:
        raise AddError([f"two ids given: '{entry_id}' and --id '{given_id}'"])
    entry_id = entry_id or given_id  # type: ignore[assignment]
    entry: dict[str, object] = {}
    for name in allowed:  # the schema's order, which is the order the curated files use
        if name not in values:
            continue
        raw = values[name]
        if name in ("value", "low", "high"):
            raw = resolve_plain(str(raw)) if str(raw).strip() else raw  # 500000000 a number, "$500 million" text
        elif name == "party_to_conflict":
            if str(raw).lower() not in ("true", "false"):
                raise AddError([f"--party-to-conflict: expected true or false, got '{raw}'"])
            raw = str(raw).lower() == "true"
        entry[name] = raw
    section = KINDS[kind]
    if section in MAPPING_SECTIONS:
        if not entry_id:
            raise AddError([f"a {kind} needs an id: factdash add {kind} ID ..."])
        return Addition({section: {entry_id: entry}})
    if entry_id:
        entry = {"id": entry_id, **entry}
    return Addition({section: [entry]})


# ---- checking and writing ------------------------------------------------------------------------


def resolve_paths(to: str | None, facts: str | None) -> tuple[Path, Path]:
    """(the file to write, the top-level fact file whose whole base is checked).

    Without --to the top-level file is written; without --facts the fact base is the nearest
    `facts.yaml` in the target's folder or above it (the bundled base for its own files), else the
    target on its own. The bundled base is written only in a checkout (or when $FACTDASH_FACTS
    names it): an installed copy under share/ is not silently edited.
    """
    if facts:
        base = Path(facts)
        return (Path(to) if to else base), base
    default = default_facts_path()
    if to:
        target = Path(to)
        for folder in target.resolve().parents:
            if (folder / "facts.yaml").is_file():
                return target, folder / "facts.yaml"
        return target, target
    if default.resolve().parent != REPO_ROOT.resolve() and "FACTDASH_FACTS" not in os.environ:
        raise AddError(
            [
                f"the bundled fact base is the installed copy at {default}; say which fact file to write "
                "with --to FILE (and --facts FILE for its fact base)"
            ]
        )
    return default, default


def add(addition: Addition, *, target: Path, facts: Path, write: bool = True) -> Outcome:
    """Append `addition` to `target` if the fact base under `facts` still loads; raise AddError otherwise.

    Adds to one file are serialised: each holds a lock on `.<name>.lock` beside the file (through a
    symbolic link, the real file) from its read to its rename, so that two adds at once both land,
    one after the other, instead of the later rename dropping the earlier fact."""
    try:
        real = writable_target(target)
    except NotARegularFile as err:
        raise AddError([str(err)]) from None
    lock = FileLock(real.parent / f".{real.name}.lock", timeout=ADD_WAIT_SECONDS)
    try:
        with lock:
            return _add_locked(addition, target=target, facts=facts, write=write)
    except Timeout:
        raise AddError(
            [f"{target}: another add has held it for over {ADD_WAIT_SECONDS} s; nothing was written: try again"]
        ) from None
    except PermissionError as err:  # the lock file cannot be made: a folder the user cannot write to
        raise AddError([f"{target}: cannot lock it for writing: {err.strerror or err}"]) from None


ADD_WAIT_SECONDS = 120  # how long an add waits for others to the same file (each takes a load or two)


def _add_locked(addition: Addition, *, target: Path, facts: Path, write: bool) -> Outcome:
    try:
        before_bytes = target.read_bytes()
    except FileNotFoundError:
        raise AddError([f"{target}: no such file; create it (with schema_version: 1) and include it first"]) from None
    except OSError as err:
        raise AddError([f"{target}: cannot read it: {err.strerror or err}"]) from None
    try:
        before = before_bytes.decode("utf-8")
    except UnicodeDecodeError:
        raise AddError([f"{target}: not UTF-8 text"]) from None
    head = "".join(line for line in before.splitlines(keepends=True)[:10] if line.lstrip().startswith("#"))
    if _GENERATED.search(head):
        raise AddError(
            [
                f"{target}: the file is generated (its header says not to edit it by hand); add to a "
                "hand-curated file instead, or change what generates it"
            ]
        )
    try:
        base = load_factbase(facts)
    except FactBaseError as err:
        raise AddError(
            [str(p) for p in err.problems],
            note="the fact base has problems already (see `factdash validate`); nothing was added",
        ) from None
    if target.resolve() not in {Path(f).resolve() for f in base.files}:
        raise AddError(
            [
                f"{target} is not part of the fact base {facts} (neither it nor a file it includes); "
                "include it there, or name its top-level file with --facts"
            ]
        )

    sections, notes = dict(addition.sections), list(addition.notes)
    added: list[str] = []
    messages: list[str] = []
    for section in MAPPING_SECTIONS:
        entries = dict(sections.get(section) or {})
        table = {"sources": base.sources, "claimants": base.claimants, "metrics": base.metrics}[section]
        kind = section[:-1]
        for key in list(entries):
            if key in table.index:
                if _same(_row(table, key), entries[key]):
                    notes.append(f"{kind} '{key}' exists already with the same content: skipped")
                    del entries[key]
                else:
                    messages.append(
                        f"{kind} '{key}' exists already{_defined_in(base.files, section, key)} with "
                        "different content; edit it there, or give the new one another id"
                    )
            else:
                added.append(f"{kind} {key}")
        sections[section] = entries
    facts_added = [dict(f) for f in sections.get("facts") or []]
    taken = set(base.facts["fact_id"].astype(str)) | {str(f["id"]) for f in facts_added if f.get("id")}
    for n, fact in enumerate(facts_added):
        if not fact.get("id"):
            fact_id = suggest_fact_id(fact, taken)
            taken.add(fact_id)
            facts_added[n] = {"id": fact_id, **{k: v for k, v in fact.items() if k != "id"}}  # id first, as curated
            added.append(f"fact {fact_id} (id suggested)")
        else:
            added.append(f"fact {fact['id']}")
    sections["facts"] = facts_added
    messages.extend(duplicate_facts(facts_added, base.facts))
    for event in sections.get("events") or []:
        added.append(f"event {event.get('id') or repr(event.get('label'))}")
    if messages:
        raise AddError(messages, note="nothing was written")
    if not any(sections.get(s) for s in SECTION_ORDER):
        return Outcome(target, before, before, [], notes, [], False)

    try:
        after, ranges = append_entries(before, sections)
    except YamlEditError as err:
        raise AddError([f"{target}: {err}"]) from None
    try:
        load_factbase(facts, overrides={target.resolve(): after.encode("utf-8")})
    except FactBaseError as err:
        raise AddError(
            [str(p) for p in err.problems],
            note=f"nothing was written; line numbers in {target} are those of the file with the addition "
            f"(lines {_ranges_text(ranges)})",
        ) from None
    except TypeError as err:  # pragma: no cover - a loader without overrides
        raise AddError([f"cannot check the addition: {err}"]) from None
    if write:
        if target.read_bytes() != before_bytes:  # edited by someone else while we checked
            raise AddError(
                [f"{target} changed while the addition was being checked; nothing was written: run the command again"]
            )
        write_text_atomic(target, after)
    return Outcome(target, before, after, added, notes, ranges, write)


def duplicate_facts(new: list[dict], existing: pd.DataFrame) -> list[str]:
    """A message for each new fact whose metric, claimant, source, as_of and value (low and high for a
    range) match an existing fact's, or an earlier new one's: the same claim in another source is a
    report of its own (four outlets and the Department's page give one package), not a repeat. Facts
    whose date or value do not parse are left to the loader, which says what is wrong with them."""
    messages = []
    seen: dict[tuple, str] = {}
    for fact in new:
        key = _fact_key(fact)
        if key is None:
            continue
        metric, claimant, source, as_of, numbers = key
        same = existing[
            (existing["metric"] == metric)
            & (existing["claimant"] == claimant)
            & (existing["source"] == source)
            & (existing["as_of_text"] == as_of)
        ]
        for _, row in same.iterrows():
            if all(_equal(a, row[c]) for a, c in zip(numbers, ("value", "low", "high"), strict=True)):
                messages.append(
                    f"fact '{fact['id']}' repeats fact '{row['fact_id']}' at {row['file']}:{row['line']} "
                    f"(same metric, claimant, source, as_of and value): refused"
                )
                break
        else:
            if key in seen:
                messages.append(
                    f"fact '{fact['id']}' repeats fact '{seen[key]}' of the same addition "
                    "(same metric, claimant, source, as_of and value): refused"
                )
            seen.setdefault(key, str(fact["id"]))
    return messages


def _fact_key(fact: dict) -> tuple | None:
    try:
        as_of = parse_date(fact.get("as_of")).text
        numbers = tuple(
            parse_amount(fact[k])[0] if fact.get(k) is not None else math.nan for k in ("value", "low", "high")
        )
    except (ValueError_, TypeError):
        return None
    return str(fact.get("metric")), str(fact.get("claimant")), str(fact.get("source")), as_of, numbers


def _equal(a: float, b: object) -> bool:
    b = float(b) if b is not None else math.nan  # type: ignore[arg-type]
    return (math.isnan(a) and math.isnan(b)) or a == b


def _row(table: pd.DataFrame, key: str) -> dict:
    row = table.loc[key].to_dict()
    return {k: v for k, v in row.items() if not (v is None or (isinstance(v, float) and math.isnan(v)))}


def _same(existing: dict, new: object) -> bool:
    if not isinstance(new, dict):
        return False

    def norm(value: object) -> object:
        return [str(v) for v in value] if isinstance(value, (list, tuple)) else str(value)

    return {k: norm(v) for k, v in existing.items()} == {k: norm(v) for k, v in new.items() if v is not None}


def _defined_in(files: list[str], section: str, key: str) -> str:
    """' in FILE:LINE' for the file that declares `key` (a text search; empty if not found)."""
    pattern = re.compile(rf"^[ ]+[\"']?{re.escape(key)}[\"']?[ ]*:", re.MULTILINE)
    for file in files:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        found = pattern.search(text)
        if found and re.search(rf"^{section}[ ]*:", text, re.MULTILINE):
            return f" (in {file}:{text.count(chr(10), 0, found.start()) + 1})"
    return ""


def _ranges_text(ranges: list[tuple[int, int]]) -> str:
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges)


def describe(outcome: Outcome) -> str:
    """What a run did, for the command line: the ids added, the lines they took, the notes."""
    lines = [f"note: {n}" for n in outcome.notes]
    if not outcome.added:
        lines.append(f"nothing to add to {outcome.target}")
        return "\n".join(lines)
    verb = "added to" if outcome.written else "would add to"
    lines.append(f"{verb} {outcome.target} (lines {_ranges_text(outcome.ranges)}):")
    lines += [f"  {a}" for a in outcome.added]
    return "\n".join(lines)
