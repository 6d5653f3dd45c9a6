"""Argument checks shared by the chart builders: fail early, naming what was expected and what came."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def require_frame(frame: object, columns: Iterable[str], who: str, *, empty_ok: bool = False) -> pd.DataFrame:
    """`frame` itself, once it is a DataFrame holding `columns` (and rows, unless `empty_ok`)."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"{who} expects a pandas DataFrame of facts (rows of FactBase.facts), got {type(frame).__name__}"
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{who} needs the column(s) {', '.join(missing)}; the frame has: "
            f"{', '.join(map(str, frame.columns)) or 'no columns'}"
        )
    if frame.empty and not empty_ok:
        raise ValueError(f"{who} needs at least one fact; got an empty frame")
    return frame


def distinct(frame: pd.DataFrame, column: str) -> list[str]:
    """The distinct non-missing values of a column, as sorted strings."""
    return sorted({str(v) for v in frame[column].dropna().unique()})


def require_one(frame: pd.DataFrame, column: str, who: str, why: str) -> str | None:
    """The single value `column` holds (None if it holds none); ValueError naming them if several."""
    values = distinct(frame, column)
    if len(values) > 1:
        raise ValueError(f"{who}: {why}; the facts mix {column}s {', '.join(repr(v) for v in values)}")
    return values[0] if values else None
