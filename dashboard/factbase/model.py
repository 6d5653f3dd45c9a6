"""The loaded fact base: one tidy frame of facts plus the tables they refer to."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from dashboard.factbase.errors import Problem


@dataclass
class FactBase:
    """Everything `load_factbase` read, ready for analysis.

    `facts` has one row per fact with its metric's, claimant's and source's attributes joined on
    (docs/fact-files.md lists every column). `sources`, `claimants`, `metrics` and `questions` are
    indexed by id; `questions` holds the declared ones (analysis/questions.py adds one per metric in none).
    """

    facts: pd.DataFrame
    sources: pd.DataFrame
    claimants: pd.DataFrame
    metrics: pd.DataFrame
    events: pd.DataFrame
    questions: pd.DataFrame = field(default_factory=pd.DataFrame)
    title: str = ""
    description: str = ""
    files: list[str] = field(default_factory=list)
    content_hash: str = ""
    warnings: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.facts)} facts, {len(self.sources)} sources, {len(self.claimants)} claimants, "
            f"{len(self.metrics)} metrics, {len(self.events)} events"
        )
