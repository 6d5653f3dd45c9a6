"""Tiny facts frames for the chart tests: one dict per fact, every loader column filled in."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.factbase.frame import FRAME_COLUMNS
from dashboard.factbase.values import intervals

DEFAULTS = {
    "metric": "killed",
    "metric_label": "Soldiers killed",
    "unit": "people",
    "category": "deaths",
    "aggregation": "cumulative",
    "definition": "Soldiers killed",
    "subject": "an army",
    "value": np.nan,
    "low": np.nan,
    "high": np.nan,
    "qualifier": "exact",
    "as_of": "2025-01-09",
    "as_of_precision": "day",
    "window_days": np.nan,
    "since": None,
    "stated": "2025-01-10",
    "claimant": "us",
    "claimant_kind": "government",
    "claimant_affiliation": None,
    "party_to_conflict": False,
    "source": "report",
    "source_title": "A report",
    "publisher": "The Paper",
    "url": "https://example.org/r",
    "published": "2025-01-10",
    "source_kind": "news",
    "license": None,
    "via": None,
    "quote": "The figure as quoted",
    "stage": None,
    "note": None,
    "tags": None,
    "file": "facts.yaml",
    "line": 1,
}


def facts(*rows: dict) -> pd.DataFrame:
    """A facts frame as load_factbase makes it; ids default to f0, f1, ... and names to the claimant's id."""
    records = [{**DEFAULTS, "fact_id": f"f{i}", **row} for i, row in enumerate(rows)]
    for record in records:
        record.setdefault("claimant_name", f"Claimant {record['claimant']}")
        record.setdefault("claimant_short_name", record["claimant_name"])
        record.setdefault("unit_label", record["unit"])
        record.setdefault("as_of_text", str(record["as_of"]))
        for name in ("since", "stated", "published"):
            record.setdefault(f"{name}_text", str(record[name]) if record.get(name) is not None else None)
    frame = pd.DataFrame.from_records(records)
    for name in ("value", "low", "high"):
        frame[name] = frame[name].astype("float64")
    for name in ("as_of", "since", "stated", "published"):
        frame[name] = pd.to_datetime(frame[name])
    frame["as_of_end"] = frame["as_of"]
    frame["party_to_conflict"] = frame["party_to_conflict"].astype("boolean")
    lows, highs = intervals(
        frame["qualifier"].to_numpy(dtype=object),
        frame["value"].to_numpy(),
        frame["low"].to_numpy(),
        frame["high"].to_numpy(),
    )
    frame["interval_low"], frame["interval_high"] = lows, highs
    # The loader's central value: the value, else the bound of an open-ended figure, else the middle.
    frame["central"] = np.where(
        frame["value"].notna(),
        frame["value"],
        np.where(
            np.isinf(highs),
            lows,
            np.where(frame["qualifier"].isin(["at_most", "less_than"]), highs, (frame["low"] + frame["high"]) / 2),
        ),
    )
    return frame[FRAME_COLUMNS]


def series(claimant: str, values: list[float], *, start: str = "2022-03-01", **common) -> list[dict]:
    """Daily rows of one claimant's running count, ids '<claimant>-<n>'."""
    dates = pd.date_range(start, periods=len(values), freq="D")
    return [
        {"fact_id": f"{claimant}-{i}", "claimant": claimant, "value": v, "as_of": d, **common}
        for i, (v, d) in enumerate(zip(values, dates, strict=True))
    ]
