"""The reader's filters (source, claimant, kind, party, category, dates) as data, applied to facts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

import pandas as pd

PARTY_CHOICES = ("all", "parties", "third-parties")


@dataclass(frozen=True)
class Filters:
    """What the reader narrowed the fact base to; empty lists mean "all"."""

    publishers: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    claimants: tuple[str, ...] = ()
    claimant_kinds: tuple[str, ...] = ()
    party: str = "all"
    categories: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def is_empty(self) -> bool:
        return self == Filters()

    def describe(self) -> str:
        """One line for captions, exports and READMEs: what the reader is looking at."""
        parts = []
        labels = {
            "publishers": "publisher",
            "sources": "source",
            "claimants": "claimant",
            "claimant_kinds": "claimant kind",
            "categories": "category",
        }
        for name, label in labels.items():
            chosen = getattr(self, name)
            if chosen:
                parts.append(f"{label}: {', '.join(chosen)}")
        if self.party != "all":
            parts.append("parties to the conflict only" if self.party == "parties" else "third parties only")
        if self.date_from or self.date_to:
            parts.append(f"as of {self.date_from or '…'} to {self.date_to or '…'}")
        return "; ".join(parts) if parts else "no filter (all facts)"


def apply_filters(facts: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The facts the filters keep (a view-independent copy); unknown ids simply match nothing."""
    keep = pd.Series(True, index=facts.index)
    for name, column in (
        ("publishers", "publisher"),
        ("sources", "source"),
        ("claimants", "claimant"),
        ("claimant_kinds", "claimant_kind"),
        ("categories", "category"),
    ):
        chosen = getattr(filters, name)
        if chosen:
            keep &= facts[column].isin(list(chosen))
    if filters.party == "parties":
        keep &= facts["party_to_conflict"].fillna(False).astype(bool)
    elif filters.party == "third-parties":
        keep &= ~facts["party_to_conflict"].fillna(False).astype(bool)
    if filters.date_from:
        keep &= facts["as_of_end"] >= pd.Timestamp(filters.date_from)
    if filters.date_to:
        keep &= facts["as_of"] <= pd.Timestamp(filters.date_to)
    return facts[keep.to_numpy(dtype=bool)]


def filter_names() -> list[str]:
    return [f.name for f in fields(Filters) if f.name != "extra"]
