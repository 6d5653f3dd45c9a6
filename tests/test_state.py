"""The dashboard's shared state: one filtered copy per view, what the first load leaves frozen."""

from __future__ import annotations

import gc

from dashboard import load_factbase
from dashboard.analysis.filters import Filters
from dashboard.app.ui import state


def test_sessions_with_the_same_filters_share_one_filtered_frame(write, minimal):
    facts = (
        "facts:\n"
        "  - {id: a, metric: nk-casualties, value: 1200, as_of: 2025, claimant: us-officials, source: rep}\n"
        "  - {id: b, metric: nk-casualties, value: 4000, as_of: 2025, claimant: zelenskyy, source: rep}\n"
    )
    base = load_factbase(write("facts.yaml", minimal + facts))
    parties = Filters(party="parties")
    shown = state.filtered(base, parties)
    assert shown.fact_id.tolist() == ["b"]
    assert state.filtered(base, Filters(party="parties")) is shown
    assert state.filtered(base, Filters()).fact_id.tolist() == ["a", "b"]
    for n in range(state._FILTERED_ENTRIES + 2):  # older views make way: the memory is bounded
        state.filtered(base, Filters(claimants=(f"c{n}",)))
    assert len(state._FILTERED) == state._FILTERED_ENTRIES
    assert state.filtered(base, parties) is not shown and state.filtered(base, parties).equals(shown)


def test_the_first_good_load_freezes_what_the_server_holds(write, minimal, monkeypatch):
    monkeypatch.setenv("FACTDASH_FACTS", str(write("facts.yaml", minimal + "facts: []\n")))
    monkeypatch.setattr(state, "_LAST_GOOD", {})
    gc.unfreeze()
    try:
        base, problems, stale = state.load()
        assert base is not None and not problems and not stale
        assert gc.get_freeze_count() > 10_000  # pandas, Plotly, Streamlit, the base
        frozen = gc.get_freeze_count()
        state.load()
        assert gc.get_freeze_count() <= frozen  # once per process (frozen objects can still be freed)
    finally:
        gc.unfreeze()


def test_sessions_rerunning_on_a_broken_file_parse_it_once(write, minimal, monkeypatch):
    """Five sessions rerun at once when the file changes: five located parses of a broken 100 MB file
    froze them all 48 s (5.66 GB). Now the first parses and the others find its work in the cache."""
    import threading

    from dashboard.factbase import factfile

    rows = "".join(
        f"  - {{id: f{i}, metric: nk-casualties, value: {'abc' if i == 1500 else i + 1}, as_of: 2025-01-09, "
        "claimant: us-officials, source: rep}\n"
        for i in range(3000)
    )
    monkeypatch.setenv("FACTDASH_FACTS", str(write("facts.yaml", minimal + "facts:\n" + rows)))
    monkeypatch.setenv("FACTDASH_CACHE_DIR", "off")
    parses = []
    real = factfile.parse_checked

    def counted(text, file):  # noqa: ANN001, ANN202
        parses.append(file)
        return real(text, file)

    monkeypatch.setattr(factfile, "parse_checked", counted)
    results = []
    sessions = [threading.Thread(target=lambda: results.append(state.load())) for _ in range(5)]
    for session in sessions:
        session.start()
    for session in sessions:
        session.join(60)
    assert len(results) == 5
    assert all(
        stale and any("value 'abc' is not a number" in p.message for p in problems) for _, problems, stale in results
    )
    assert len(parses) == 1, parses
