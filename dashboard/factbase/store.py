"""Per-file results and whole fact bases as disk cache entries (JSON and Arrow frames), and back."""

from __future__ import annotations

import dataclasses

from dashboard.factbase import cache
from dashboard.factbase.errors import Problem
from dashboard.factbase.factfile import FileResult
from dashboard.factbase.frame import EVENT_COLUMNS, declaration_frame, events_frame
from dashboard.factbase.model import FactBase


def _file_entry(result: FileResult) -> cache.Entry:
    data = {
        "file": result.file,
        "digest": result.digest,
        "header": result.header,
        "includes": [[written, list(path)] for written, path in result.includes],
        "declarations": result.declarations,
        "events": [[i, event] for i, event in result.events],
        "problems": [[list(path), message, where] for path, message, where in result.problems],
        "fatal": [dataclasses.asdict(p) for p in result.fatal],
        "keys": list(result.keys),
    }
    return cache.Entry(data, {"facts": result.facts})


def _file_result(entry: cache.Entry) -> FileResult:
    d = entry.data
    return FileResult(
        d["file"],
        d["digest"],
        d["header"],
        [(w, tuple(p)) for w, p in d["includes"]],
        d["declarations"],
        [(i, event) for i, event in d["events"]],
        entry.frames["facts"],
        [(tuple(p), m, w) for p, m, w in d["problems"]],
        [Problem(**p) for p in d["fatal"]],
        keys=tuple(d["keys"]),
    )


def _base_entry(base: FactBase) -> cache.Entry:
    events = base.events.astype(object).where(base.events.notna(), None)
    rows = [
        {**row, "date": row["date"].strftime("%Y-%m-%d") if row["date"] is not None else None}
        for row in events[EVENT_COLUMNS].to_dict("records")
    ]
    data = {
        "title": base.title,
        "description": base.description,
        "files": base.files,
        "content_hash": base.content_hash,
        "warnings": [dataclasses.asdict(p) for p in base.warnings],
        "sources": base.sources.to_dict(orient="index"),
        "claimants": base.claimants.to_dict(orient="index"),
        "metrics": base.metrics.to_dict(orient="index"),
        "questions": base.questions.to_dict(orient="index"),
        "events": rows,
    }
    return cache.Entry(data, {"facts": base.facts})


def _fact_base(entry: cache.Entry) -> FactBase:
    d = entry.data
    return FactBase(
        facts=entry.frames["facts"],
        sources=declaration_frame(d["sources"], "source"),
        claimants=declaration_frame(d["claimants"], "claimant"),
        metrics=declaration_frame(d["metrics"], "metric"),
        questions=declaration_frame(d["questions"], "question"),
        events=events_frame(d["events"]),
        title=d["title"],
        description=d["description"],
        files=d["files"],
        content_hash=d["content_hash"],
        warnings=[Problem(**p) for p in d["warnings"]],
    )


cache.codec("file-result", FileResult, _file_entry, _file_result)
cache.codec("fact-base", FactBase, _base_entry, _fact_base)
