"""Numbers, amounts and dates as a reader sees them: "$3.85 billion", "about 1,200 people", "January 2025"."""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pandas as pd

from dashboard.factbase.values import is_currency

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
_SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))
QUALIFIER_WORDS = {
    "exact": "", "approximately": "about", "at_least": "at least", "more_than": "more than",
    "at_most": "at most", "less_than": "less than",
}
LOWER_BOUNDS = ("at_least", "more_than")
UPPER_BOUNDS = ("at_most", "less_than")


def present(x: object) -> bool:
    """Whether a cell holds a value: not None, NaN, NaT, NA or empty text (a list counts when not empty)."""
    if x is None or x is pd.NA or x is pd.NaT:
        return False
    if isinstance(x, (float, np.floating)):
        return not math.isnan(x)
    if isinstance(x, (np.datetime64, np.timedelta64)):
        return not np.isnat(x)
    if isinstance(x, (str, list, tuple, dict, set)):
        return bool(x)
    return True


def number(x: object) -> float:
    """A cell as a float, NaN when missing."""
    return float(x) if present(x) else math.nan  # type: ignore[arg-type]


def is_money(unit: object) -> bool:
    return isinstance(unit, str) and is_currency(unit)


def format_number(x: float, unit: object = None) -> str:
    """A number alone, with the currency sign and scale word for money: "$3.85 billion", "1,200"."""
    if not present(x) or not math.isfinite(x):
        return "?"
    if is_money(unit):
        for scale, word in _SCALES:
            if abs(x) >= scale:
                return _money(f"{_trim(x / scale)} {word}", str(unit))
        return _money(f"{x:,.0f}", str(unit))
    if x == round(x) or abs(x) >= 1000:
        return f"{x:,.0f}"
    return _trim(x)


def format_amount(x: float, unit: object) -> str:
    """A number with its unit: "$500 million", "1,200 people", "57 countries"."""
    number = format_number(x, unit)
    if is_money(unit) or not unit or number == "?":
        return number
    return f"{number} {unit}"


def format_value(value: object, unit: object, qualifier: object = None,
                 low: object = None, high: object = None, *, words: bool = False) -> str:
    """A figure as claimed: "about 1,200 people", "more than $66 billion", "73,200–92,800 people".

    With `words`, ranges read "between 73,200 and 92,800 people" (for hover text and captions).
    """
    qualifier = qualifier if present(qualifier) else "exact"
    value, low, high = number(value), number(low), number(high)
    has_value, has_low, has_high = present(value), present(low), present(high)
    word = QUALIFIER_WORDS.get(str(qualifier), "")
    if qualifier in LOWER_BOUNDS or qualifier in UPPER_BOUNDS:
        bound = value if has_value else (low if qualifier in LOWER_BOUNDS else high)
        return f"{word} {format_amount(bound, unit)}" if present(bound) else "no value"
    if has_low and has_high:
        prefix = ("roughly " if words else "about ") if qualifier == "approximately" else ""
        if not has_value:
            return prefix + _range(low, high, unit, words)
        if words:
            return f"{prefix}{_range(low, high, unit, True)} (central {format_number(value, unit)})"
        return f"{prefix}{format_amount(value, unit)} ({_range(low, high, unit, False, bare=True)})"
    if has_value:
        return f"{word} {format_amount(value, unit)}".strip()
    return "no value"


def _range(low: float, high: float, unit: object, words: bool, bare: bool = False) -> str:
    """`low`-`high` with the unit once: "73,200–92,800 people", "$1.2–1.5 billion"."""
    if words:
        if is_money(unit):
            return f"between {format_number(low, unit)} and {format_number(high, unit)}"
        return f"between {format_number(low)} and {format_amount(high, unit)}"
    if is_money(unit):
        a, b = format_number(low, unit), format_number(high, unit)
        same_scale = a.split(" ")[1:] == b.split(" ")[1:] and " " in a
        symbol = CURRENCY_SYMBOLS.get(str(unit).upper(), "")
        if same_scale:  # "$1.2–1.5 billion"
            rest = " ".join(a.split(" ")[1:])
            return f"{a.split(' ')[0]}–{b.split(' ')[0].removeprefix(symbol)} {rest}"
        return f"{a}–{b}"
    numbers = f"{format_number(low)}–{format_number(high)}"
    return numbers if bare or not unit else f"{numbers} {unit}"


def format_ratio(ratio: float) -> str:
    """3.333 -> "3.3×", 12.4 -> "12×"."""
    return f"{_trim(ratio, 1)}×" if ratio < 10 else f"{ratio:,.0f}×"


def format_date(when: Any, precision: object = "day") -> str:
    """A date at the precision it is known to: "9 January 2025", "January 2025", "2025"."""
    if not present(when):
        return ""
    return _format_date(pd.Timestamp(when), str(precision))


@functools.lru_cache(maxsize=4096)
def _format_date(stamp: pd.Timestamp, precision: str) -> str:
    if precision == "year":
        return f"{stamp.year}"
    if precision == "month":
        return f"{stamp:%B} {stamp.year}"
    return f"{stamp.day} {stamp:%B} {stamp.year}"


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis (legend entries; hover text keeps the whole)."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def axis_title(unit: object) -> str:
    """The value axis title: the unit as written ("people", "USD")."""
    return str(unit) if present(unit) else ""


def tick_prefix(unit: object) -> str:
    return CURRENCY_SYMBOLS.get(str(unit).upper(), "") if is_money(unit) else ""


def _money(number: str, unit: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(unit.upper())
    return f"{symbol}{number}" if symbol else f"{number} {unit.upper()}"


def _trim(x: float, digits: int = 2) -> str:
    text = f"{x:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
