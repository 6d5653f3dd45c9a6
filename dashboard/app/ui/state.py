"""The fact base as the dashboard sees it: loaded once per content, last good copy on errors."""

from __future__ import annotations

import gc
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.analysis.conflicts import Conflict, find_conflicts
from dashboard.analysis.filters import Filters, apply_filters
from dashboard.analysis.questions import Answers, answer_questions, questions_of, ranked
from dashboard.factbase.errors import FactBaseError, Problem
from dashboard.factbase.loader import load_factbase
from dashboard.factbase.model import FactBase
from dashboard.factbase.paths import default_facts_path

_LAST_GOOD: dict[str, FactBase] = {}
_LOCK = threading.Lock()


@dataclass
class View:
    """What every page draws from: the fact base, the filtered facts, and any load problems."""

    base: FactBase | None
    facts: pd.DataFrame  # filtered
    filters: Filters
    path: Path
    problems: list[Problem] = field(default_factory=list)
    stale: bool = False  # showing the last good data because the file is broken now
    colors: dict[str, str] = field(default_factory=dict)  # one colour per claimant, the same on every chart


def facts_path() -> Path:
    """The fact file comes from the server's configuration, never from the URL."""
    configured = os.environ.get("FACTDASH_FACTS")
    return Path(configured) if configured else default_facts_path()


_LOADING: dict[str, threading.Lock] = {}


def _loading(key: str) -> threading.Lock:
    with _LOCK:
        return _LOADING.setdefault(key, threading.Lock())


def load() -> tuple[FactBase | None, list[Problem], bool]:
    """Load the fact base; on problems return the last good copy (if any), the problems, and stale=True.

    One load at a time per fact base: when a file changes, every connected session reruns at once,
    and each would read and check the new content itself (five readers of a broken 100 MB file
    were frozen 48 s, the server at 5.66 GB). The first reads it; the others wait, then find each
    file's checks (and the located parse of a broken one) in the cache by its content hash."""
    path = facts_path()
    key = str(path.resolve())
    try:
        with _loading(key):
            base = load_factbase(path)
    except FactBaseError as err:
        with _LOCK:
            return _LAST_GOOD.get(key), err.problems, True
    except Exception as err:  # noqa: BLE001 - a reader must never see a traceback
        with _LOCK:
            problem = Problem(str(path), 1, 1, f"could not load the fact base: {type(err).__name__}: {err}")
            return _LAST_GOOD.get(key), [problem], True
    with _LOCK:
        first = not _LAST_GOOD
        _LAST_GOOD[key] = base
    if first:
        _freeze_what_is_loaded()
    return base, [], False


def _freeze_what_is_loaded() -> None:
    """Take what the server holds after its first load (Streamlit, Plotly's classes, the fact base) out
    of the collector's sight. Streamlit collects all generations after every script run; under load
    that full pass over objects that live as long as the process was over a quarter of the server's
    work. Objects made later are collected as before."""
    gc.collect()
    gc.freeze()


_DERIVED: OrderedDict[tuple, object] = OrderedDict()
_DERIVED_ENTRIES = 128
_FILTERED: OrderedDict[tuple, object] = OrderedDict()
_FILTERED_ENTRIES = 8  # a filtered copy of a 27,000-fact base is about 10 MB


def _kept(store: OrderedDict, limit: int, key: tuple, compute):  # noqa: ANN001, ANN202
    """`compute()` once per key in `store`; the least recently used values make way beyond `limit`."""
    with _LOCK:
        if key in store:
            store.move_to_end(key)
            return store[key]
    value = compute()
    with _LOCK:
        store[key] = value
        while len(store) > limit:
            store.popitem(last=False)
    return value


def remember(key: tuple, compute):  # noqa: ANN001, ANN201 - any value derived from one fact base
    """A value derived from the fact base, computed once per key (which holds its content hash)."""
    return _kept(_DERIVED, _DERIVED_ENTRIES, key, compute)


def per_view(view: View, name: str, compute, *args):  # noqa: ANN001, ANN201 - any value derived from the view
    """A value derived from the filtered facts, computed once per content hash, filters and `args`.

    The filtered facts follow from those two alone, so every session showing the same view shares the
    value: a reader switching between filters someone has chosen before gets the chart at once, and
    many readers cost the server one computation instead of one each."""
    return remember((name, view.base.content_hash, view.filters, *args), compute)


def view_conflicts(view: View) -> list[Conflict]:
    """find_conflicts of the view's facts, once per view (Overview, Questions and Compare share it)."""
    return per_view(view, "conflicts", lambda: find_conflicts(view.facts))


def view_answers(view: View) -> list[Answers]:
    """Every question with figures in the view and what its answers say, worst first: computed once
    per view for the Overview's cards and the Questions page alike."""
    return per_view(
        view,
        "answers",
        lambda: [
            a
            for a in ranked(
                answer_questions(view.facts, view.base.metrics, questions_of(view.base), conflicts=view_conflicts(view))
            )
            if a.facts
        ],
    )


def set_view(view: View) -> None:
    st.session_state["_factdash_view"] = view


def current_view() -> View:
    """The view the entry script prepared for this run."""
    return st.session_state["_factdash_view"]


def filtered(base: FactBase, filters: Filters) -> pd.DataFrame:
    """The facts the filters leave, shared by every session with the same filters (read only)."""
    return _kept(_FILTERED, _FILTERED_ENTRIES, (base.content_hash, filters), lambda: apply_filters(base.facts, filters))
