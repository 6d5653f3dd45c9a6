"""The two ways of reading a YAML fact file, set against each other: where the fast way reads a file
and finds it clean, the located way must check it to the same result."""

from __future__ import annotations

import pandas as pd

from dashboard.factbase import factfile
from dashboard.factbase.yamltext import read_fast


def fast_and_located_agree(text: str, file: str = "facts.yaml") -> bool:
    """Check `text` both ways and assert the results are the same; True when the fast way served it
    (False: it declined, or found a problem, and the located way decides alone)."""
    read = read_fast(text)
    served = factfile._check_read(file, "d", text, read) if read is not None else None
    if served is None:
        return False
    located = factfile.check_text(file, "d", text, fast=False)
    assert not located.fatal and not located.problems, (
        f"the fast way found clean what the located way refuses: {located.fatal or located.problems}"
    )
    pd.testing.assert_frame_equal(served.facts, located.facts)
    for name in ("header", "includes", "declarations", "events", "keys"):
        assert repr(getattr(served, name)) == repr(getattr(located, name)), name  # repr: NaN is NaN
    return True


def fast_data(text: str) -> object | None:
    """What the fast way reads of a text without facts (None: it declines)."""
    read = read_fast(text)
    return None if read is None else read.data
