"""Tiny inline fact bases for the analysis tests: the conftest declarations, a few more, and facts
written one per line."""

from __future__ import annotations

import json

from dashboard import load_factbase

# Included next to conftest's MINIMAL (sources rep; claimants us-officials, zelenskyy; metrics
# nk-casualties, us-package): deaths beside casualties, aid packages beside their running total,
# a source known to the month only, a dataset, and declarations nobody cites.
MORE = """\
schema_version: 1
sources:
  monthly:
    title: A monthly bulletin
    kind: news
    published: 2025-01
  dataset:
    title: A compiled dataset
    kind: dataset
  unused-source:
    title: Nobody cites this
    kind: news
claimants:
  uk-mod:
    name: UK Ministry of Defence
    kind: government
    party_to_conflict: false
  donor:
    name: Donor government
    kind: government
    party_to_conflict: false
  idle:
    name: Nobody quotes this
    kind: other
    party_to_conflict: false
metrics:
  nk-deaths:
    label: North Korean soldiers killed
    unit: people
    category: deaths
    aggregation: cumulative
    since: 2024-10
  aid-packages:
    label: Aid packages
    unit: USD
    category: aid
    aggregation: increment
    subject: Donor
  aid-total:
    label: Aid since 2022
    unit: USD
    category: aid
    aggregation: cumulative
    since: 2022-02
    subject: Donor
"""


def fact(fact_id: str, metric: str, value: object, as_of: str, claimant: str, **more: object) -> dict:
    """One fact as a mapping; `source` defaults to conftest's "rep"."""
    return {
        "id": fact_id,
        "metric": metric,
        "value": value,
        "as_of": as_of,
        "claimant": claimant,
        "source": "rep",
        **more,
    }


def load_facts(write, minimal: str, *facts: dict):  # noqa: ANN001, ANN201 - conftest's `write`; a FactBase
    """Write the facts (one per line, as YAML flow mappings) under the declarations and load them."""
    write("more.yaml", MORE)
    lines = [minimal, "include:\n  - more.yaml\n", "facts:\n"]
    lines += [f"  - {json.dumps({k: v for k, v in f.items() if v is not None})}\n" for f in facts]
    return load_factbase(write("facts.yaml", "".join(lines)))
