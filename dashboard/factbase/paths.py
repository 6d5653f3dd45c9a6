"""Where the bundled fact base lives, in a checkout and in an installed package."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def default_facts_path() -> Path:
    """$FACTDASH_FACTS, else the checkout's facts.yaml, else the copy installed under share/factdash."""
    configured = os.environ.get("FACTDASH_FACTS")
    if configured:
        return Path(configured)
    for candidate in (REPO_ROOT / "facts.yaml", Path(sys.prefix) / "share" / "factdash" / "facts.yaml"):
        if candidate.is_file():
            return candidate
    return REPO_ROOT / "facts.yaml"
