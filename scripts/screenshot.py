"""The README's picture: the Overview of the bundled fact base in a real Chromium, as a new reader sees it.

Run: python scripts/screenshot.py [--out docs/dashboard.png] [--path ""]
Serves the dashboard with `factdash serve` (tests/serving.py), opens the page at 1400 x 900 and
waits until Streamlit has finished the script and the first chart is drawn.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.serving import browser, serve  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "dashboard.png"))
    parser.add_argument("--path", default="", help="the page's path, e.g. questions?question=...")
    args = parser.parse_args()
    with browser() as chromium, serve(ROOT / "facts.yaml") as url:
        page = chromium.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{url}/{args.path}", wait_until="domcontentloaded")
        page.wait_for_selector("[data-testid='stMain'] h1", timeout=120_000)
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
        page.wait_for_timeout(1500)  # fonts and the last paint
        page.screenshot(path=args.out)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
