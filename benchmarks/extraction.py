"""`factdash extract` on every paragraph of tests/articles/: recall, precision and the measure chosen.

Run: python benchmarks/extraction.py. "old" are the 13 paragraphs the rules were written on; the others
were written afterwards (2026-12-02) from the notes in ../shared/sources/, so they are the honest measure.
A figure's measure (metric id) is scored only where the expected file has a top-level `measures:` list.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

# benchmarks/dashboard.py would shadow the package when this file is run as a script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml  # noqa: E402

from dashboard.curation.extract import Catalog, default_catalog, extract_figures  # noqa: E402

ARTICLES = Path(__file__).resolve().parent.parent / "tests" / "articles"
OUTLET = "the-outlet"
OLD = frozenset(
    {
        "austin-200bn-2024",
        "cia-burns-2022",
        "coalition-totals-2025",
        "csis-2025-06",
        "france-seljourne-2024",
        "kyiv-independent-ramstein-2025",
        "nyt-us-officials-2023",
        "pentagon-leak-2023",
        "stripes-ramstein-2025",
        "ua-presidents-office-2022",
        "uk-700000-2024",
        "uk-mod-2023-11",
        "usai-austin-2024",
    }
)


def _close(a: float | None, b: float) -> bool:
    return a is not None and abs(a - b) <= 0.005 * b


def _matches(found, want: dict) -> bool:
    if found.unit != want["unit"]:
        return False
    if "value" in want:
        return _close(found.value, want["value"])
    return _close(found.low, want["low"]) and _close(found.high, want["high"])


@dataclass
class Score:
    paragraphs: int = 0
    expected: int = 0
    found: int = 0
    hits: int = 0
    measured: int = 0
    measure_right: int = 0
    lines: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.hits / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.hits / self.found if self.found else 1.0

    @property
    def measure_share(self) -> float | None:
        return self.measure_right / self.measured if self.measured else None


def score(names: list[str], catalog: Catalog) -> Score:
    s = Score()
    for name in names:
        text = (ARTICLES / f"{name}.txt").read_text(encoding="utf-8")
        spec = yaml.safe_load((ARTICLES / f"{name}.expected.yaml").read_text(encoding="utf-8"))
        found = extract_figures(text, catalog, published=spec["published"], outlet=OUTLET)
        measures = spec.get("measures") or []
        unmatched = list(found)
        for i, want in enumerate(spec["figures"]):
            hit = next((f for f in unmatched if _matches(f, want)), None)
            if hit is None:
                s.lines.append(f"{name}: missed {want}")
                continue
            unmatched.remove(hit)
            s.hits += 1
            if i < len(measures):
                s.measured += 1
                if hit.metric == measures[i]["metric"]:
                    s.measure_right += 1
                else:
                    s.lines.append(f"{name}: {hit.text!r}: measure {hit.metric}, expected {measures[i]['metric']}")
        s.lines += [f"{name}: proposed {f.text!r} ({f.unit}), not expected" for f in unmatched]
        s.paragraphs += 1
        s.expected += len(spec["figures"])
        s.found += len(found)
    return s


def all_names() -> list[str]:
    return sorted(p.stem for p in ARTICLES.glob("*.txt"))


def main() -> None:
    catalog = default_catalog()
    names = all_names()
    for label, subset in (
        ("old 13", [n for n in names if n in OLD]),
        ("new", [n for n in names if n not in OLD]),
        ("all", names),
    ):
        s = score(subset, catalog)
        share = "n/a" if s.measure_share is None else f"{s.measure_share:.0%} of {s.measured}"
        print(
            f"{label}: {s.paragraphs} paragraphs, {s.expected} figures expected, {s.found} proposed; "
            f"recall {s.recall:.0%}, precision {s.precision:.0%}, measure right {share}"
        )
        if label == "all":
            print("\n".join(s.lines))


if __name__ == "__main__":
    main()
