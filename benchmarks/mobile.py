"""First chart on a phone no slower than on a desktop (issue 19, speed): time to first chart at 390 px
against 1280 px wide.

Run: python benchmarks/mobile.py [--repeat 5] [--pages "" compare timelines]

A real `factdash serve` on the default facts.yaml and Debian's Chromium, driven by Playwright. Each
run opens the page in a fresh browser context (no cookies, the HTTP cache disabled) as a phone
(390 x 844 px, 3 device pixels per px, touch, a mobile viewport) or a desktop (1280 x 800 px); phone
and desktop runs alternate, so that a slower machine moment falls on both. The time is the page's own
clock (performance.now(), zero at navigation start) when the first `.js-plotly-plot .main-svg` is in
the page with a size, sampled every animation frame. The server's first visit (imports, first load)
is made before, and not counted. Printed: each page's median of `--repeat` runs per size, and the
ratio phone / desktop (at most 1.0 is the target; the runs' spread is shown to judge a small excess).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

from tests.serving import browser, serve  # noqa: E402

SIZES = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}
FIRST_CHART = """() => {
  const svg = document.querySelector('.js-plotly-plot .main-svg');
  if (!svg) return false;
  const box = svg.getBoundingClientRect();
  return box.width > 0 && box.height > 0 ? performance.now() : false;
}"""
TIMEOUT_MS = 120_000


def first_chart_ms(chromium, url: str, size: str) -> float:
    """Milliseconds from navigation start to the first chart's SVG, in a fresh context of `size`."""
    context = chromium.new_context(**SIZES[size])
    try:
        page = context.new_page()
        session = context.new_cdp_session(page)
        session.send("Network.enable")
        session.send("Network.setCacheDisabled", {"cacheDisabled": True})
        page.goto(url, wait_until="commit")
        return page.wait_for_function(FIRST_CHART, timeout=TIMEOUT_MS, polling="raf").json_value()
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pages", nargs="*", default=["", "compare", "timelines"])
    args = parser.parse_args()
    with serve() as url, browser() as chromium:
        for path in args.pages:
            first_chart_ms(chromium, f"{url}/{path}", "desktop")  # the server's first visit: not counted
        print(f"{'page':<12} {'phone ms':>10} {'desktop ms':>11} {'ratio':>6}  runs (phone | desktop)")
        ratios = []
        for path in args.pages:
            runs: dict[str, list[float]] = {size: [] for size in SIZES}
            for _ in range(args.repeat):
                for size in SIZES:
                    runs[size].append(first_chart_ms(chromium, f"{url}/{path}", size))
            phone, desktop = (statistics.median(runs[size]) for size in SIZES)
            ratios.append(phone / desktop)
            spread = " ".join(f"{t:.0f}" for t in runs["phone"]) + " | " + " ".join(f"{t:.0f}" for t in runs["desktop"])
            print(f"{'/' + path:<12} {phone:>10.0f} {desktop:>11.0f} {phone / desktop:>6.2f}  {spread}", flush=True)
        print(f"first chart at 390 px / at 1280 px, median of {args.repeat}, worst page: {max(ratios):.2f}")


if __name__ == "__main__":
    main()
