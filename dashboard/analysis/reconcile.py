"""Reconciliation: the running sum of announced packages against the running totals stated for them.

A metric may declare `adds_up` (the increments whose running sum it should match: PDA and USAI
packages for the total of US security assistance committed). The sum is drawn from the packages,
labelled as computed here, never stored as anyone's claim; each stated total is set against the sum
at its date, and the gap is given as a figure and a sentence with the metric's own note on why the
two differ. A stated total that the packages cannot reach, or that falls behind them by more than
the gap the note explains, is a warning of `factdash check`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.factbase.model import FactBase
from dashboard.factbase.values import ValueError_, parse_amount
from dashboard.factbase.wording import abbreviation, format_amount, format_value, format_written_date, present

# Packages are counted once they are announced or committed; a delivered figure is another stage.
PACKAGE_STAGES = ("announced", "committed")
WITHIN, CANNOT_REACH, BEHIND = "within", "cannot reach", "behind"


@dataclass(frozen=True)
class Reconciliation:
    """One running total against the packages that add up to it."""

    metric: str
    label: str
    unit: str
    parts: tuple[str, ...]
    part_labels: tuple[str, ...]
    since: pd.Timestamp | None
    since_text: str | None
    explained_gap: float | None
    note: str | None
    packages: pd.DataFrame  # one row per package and kind: the facts counted, in date order
    sums: pd.DataFrame  # as_of, running_sum: the sum after each day with a package
    totals: pd.DataFrame  # one row per stated total: its fact, the sum at its date, the gap, the verdict

    @property
    def headline(self) -> dict:
        """The total to lead with: the latest stated by whoever announced the packages (their own
        count against their own packages), else the latest of anyone."""
        announcer = self.packages["claimant"].mode()
        own = self.totals[self.totals["claimant"].isin(announcer.tolist())] if len(announcer) else self.totals
        return (own if len(own) else self.totals).iloc[-1].to_dict()

    @property
    def sum_label(self) -> str:
        since = f" since {format_written_date(self.since_text)}" if self.since_text else ""
        return f"Sum of announced {' + '.join(self.part_labels)} packages{since} (computed)"

    def sentence(self, row: dict) -> str:
        """The gap between one stated total and the sum, in words."""
        figure = format_value(row["value"], self.unit, row["qualifier"], row["low"], row["high"])
        who = row["claimant_name"] if present(row.get("claimant_name")) else row["claimant"]
        when = ("On " if row["as_of_precision"] == "day" else "In ") + format_written_date(row["as_of_text"])
        total = format_amount(row["sum_at"], self.unit)
        gap = row["gap"]
        if row["verdict"] == CANNOT_REACH:
            how = f"{format_amount(-gap, self.unit)} more than all the packages announced by then"
        elif gap >= 0:
            how = f"the packages run {format_amount(gap, self.unit)} ahead of it"
        else:
            how = f"it runs {format_amount(-gap, self.unit)} ahead of the packages"
        return f"{when} {who} stated {figure}; the packages announced by then add up to {total}: {how}."


def reconciliations(base: FactBase, facts: pd.DataFrame | None = None) -> list[Reconciliation]:
    """Every running total that declares `adds_up`, set against its packages among `facts` (the
    base's facts when not given); a total with no stated figure among them is left out."""
    facts = base.facts if facts is None else facts
    metrics = base.metrics
    if "adds_up" not in metrics or facts.empty:
        return []
    found = []
    for metric, adds_up in metrics["adds_up"].items():
        if not isinstance(adds_up, dict):
            continue
        stated = facts[facts["metric"] == metric]
        if stated.empty:
            continue
        found.append(_reconcile(str(metric), metrics.loc[metric], adds_up, stated, facts, metrics))
    return found


def _reconcile(
    metric: str, declared: pd.Series, adds_up: dict, stated: pd.DataFrame, facts: pd.DataFrame, metrics: pd.DataFrame
) -> Reconciliation:
    parts = tuple(str(p) for p in adds_up["metrics"])
    since = _since(declared.get("since"))
    packages = announced_packages(facts, parts, since)
    days = packages["as_of"].to_numpy(dtype="datetime64[ns]")
    running = np.cumsum(packages["central"].to_numpy(dtype="float64"))
    sums = pd.DataFrame({"as_of": days, "running_sum": running}).groupby("as_of", as_index=False)["running_sum"].last()
    gap_allowed = _amount(adds_up.get("explained_gap"))
    totals = stated.sort_values(["as_of", "fact_id"], kind="stable").copy()
    # A total stated for a month is set against the packages to the month's end.
    until = totals["as_of_end"].fillna(totals["as_of"]).to_numpy(dtype="datetime64[ns]")
    taken = np.searchsorted(sums["as_of"].to_numpy(dtype="datetime64[ns]"), until, side="right")
    values = np.r_[0.0, sums["running_sum"].to_numpy(dtype="float64")]  # 0: no package yet
    totals["sum_at"] = values[taken]
    totals["gap"] = totals["sum_at"] - totals["central"]
    low = totals["interval_low"].to_numpy(dtype="float64")
    high = totals["interval_high"].to_numpy(dtype="float64")
    sum_at = totals["sum_at"].to_numpy()
    verdict = np.full(len(totals), WITHIN, dtype=object)
    verdict[np.nan_to_num(sum_at - high, nan=0.0, neginf=0.0) > (gap_allowed or 0.0)] = BEHIND
    verdict[low > sum_at] = CANNOT_REACH
    totals["verdict"] = verdict
    labels = tuple(str(metrics.at[p, "label"]) if p in metrics.index else p for p in parts)
    return Reconciliation(
        metric=metric,
        label=str(declared.get("label")),
        unit=str(declared.get("unit")),
        parts=parts,
        part_labels=tuple(abbreviation(label) or label for label in labels),  # "PDA"
        since=since,
        since_text=str(declared.get("since")) if since is not None else None,
        explained_gap=gap_allowed,
        note=adds_up.get("note"),
        packages=packages,
        sums=sums,
        totals=totals,
    )


def packages_of(facts: pd.DataFrame) -> pd.Series:
    """Which facts are packages: one increment each, announced or committed (or of no stage given),
    not delivered and not a request for money yet to be granted."""
    stage = facts["stage"]
    return (facts["aggregation"] == "increment") & (stage.isna() | stage.isin(PACKAGE_STAGES))


def announced_packages(
    facts: pd.DataFrame, metrics: tuple[str, ...], since: pd.Timestamp | None = None
) -> pd.DataFrame:
    """The packages of `metrics`, one per metric and day: several reports of one package (the
    Department's page and three outlets) count once, at the largest figure reported, as its bar does."""
    chosen = facts[facts["metric"].isin(metrics) & packages_of(facts) & facts["central"].notna()]
    if since is not None:
        chosen = chosen[chosen["as_of"] >= since]
    official = (chosen["source_kind"] == "government").fillna(False)
    chosen = chosen.assign(_official=official).sort_values(
        ["as_of", "metric", "central", "_official", "fact_id"], ascending=[True, True, False, False, True]
    )
    chosen = chosen.drop_duplicates(["metric", "as_of"], keep="first")
    return chosen[~_dated_elsewhere(chosen)].drop(columns="_official").reset_index(drop=True)


def _dated_elsewhere(packages: pd.DataFrame) -> np.ndarray:
    """Packages given only by month (or year) that are a package of the same kind and figure given
    to the day within that period: "$988 million in December 2024" is the package of 7 December."""
    vague = (packages["as_of_precision"] != "day").to_numpy()
    if not vague.any():
        return vague
    daily = packages[~vague]
    found = np.zeros(len(packages), dtype=bool)
    for i in np.flatnonzero(vague):
        row = packages.iloc[i]
        same = daily[
            (daily["metric"] == row["metric"])
            & np.isclose(daily["central"].to_numpy(dtype="float64"), float(row["central"]))
            & (daily["as_of"] >= row["as_of"])
            & (daily["as_of"] <= row["as_of_end"])
        ]
        found[i] = not same.empty
    return found


def _since(raw: object) -> pd.Timestamp | None:
    return pd.Timestamp(raw) if present(raw) else None


def _amount(raw: object) -> float | None:
    if not present(raw):
        return None
    try:
        return float(parse_amount(raw)[0])
    except ValueError_:
        return None
