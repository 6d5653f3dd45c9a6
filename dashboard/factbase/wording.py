"""How figures, dates and ratios are written for readers: one writer for every chart, card and sentence.

The rule, wherever a figure is shown (chart labels and hover text, the overview's cards, tables,
conflict and check sentences):

- Money reads in scale words from a million up, to two decimals: "$3.85 billion", "$500 million".
  USD, EUR and GBP take their sign before the number ("$", "€", "£"), any other currency its code
  after it ("2.5 billion UAH", "250 CHF"). Below a million money is grouped: "€2,500".
- A count reads in scale words only when that loses nothing: round millions read "1.2 million", any
  other count is grouped in full ("1,234,567", "4,000"), with at most two decimals ("178,681.5").
- The unit of a count follows the number ("1,200 people"), except where the card, table or sentence
  around the figure names what is counted (`units=False`: "Zelenskyy's 4,000 is 3.3 times ...").
- A figure carries its qualifier in words: "about 1,200", "more than $66 billion", "at least 350,000".
  A range with no central value reads "73,200–92,800 people" ("$1.2–1.5 billion"), or "between
  73,200 and 92,800 people" in words; a central value with a range leads with the value and gives
  the range after it: "83,000 people (73,200–92,800)".
- A ratio has one decimal below ten and none from ten on: "3.3×", "4.0 times", "917 times".
- A date reads at the precision it is known to: "9 January 2025", "January 2025", "2025".
- A missing number reads "?", an infinite one "unbounded", a figure with no number at all "no value".

How texts write figures is read elsewhere (factbase.values for fact files, curation.prose for news);
both take the currencies from the one table in factbase.values, as this module does.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from dashboard.factbase.values import currency, parse_date

LOWER_BOUNDS = ("at_least", "more_than")
UPPER_BOUNDS = ("at_most", "less_than")
_QUALIFIER_TEXT = {
    "exact": "",
    "approximately": "about",
    "at_least": "at least",
    "more_than": "more than",
    "at_most": "at most",
    "less_than": "less than",
}
_SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))


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
    """Whether a metric's unit is a currency."""
    return currency(unit) is not None


def written_unit(row: Mapping) -> object:
    """The unit a fact's figure is written in: its metric's words for it (`unit_label`, "tanks"),
    else its unit ("items"). The frame fills `unit_label`; rows built by hand may lack it."""
    label = row.get("unit_label")
    return label if present(label) else row.get("unit")


def format_decimal(x: float, digits: int = 2) -> str:
    """`x` grouped in thousands with at most `digits` decimals, trailing zeros dropped: "1,234.5", "4,000"."""
    text = f"{x:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_number(x: object, unit: object = None) -> str:
    """A number alone, money with its sign or code: "$3.85 billion", "2.5 billion UAH", "1.2 million", "1,234,567"."""
    x = number(x)
    if math.isnan(x):
        return "?"
    if math.isinf(x):
        return "unbounded"
    money = currency(unit)
    text = format_decimal(x)
    for scale, word in _SCALES:
        # Money reads in millions and billions even when not round; a head count only when it is.
        if abs(x) >= scale and (money or _is_round(x / scale)):
            text = f"{format_decimal(x / scale)} {word}"
            break
    if money is None:
        return text
    return f"{money.sign}{text}" if money.sign else f"{text} {money.code}"


def format_amount(x: object, unit: object = None) -> str:
    """A number with its unit: "$500 million", "1,200 people", "1.2 million people", "57 countries"."""
    text = format_number(x, unit)
    if is_money(unit) or not present(unit) or text == "?":
        return text
    return f"{text} {unit}"


def format_value(
    value: object,
    unit: object,
    qualifier: object = None,
    low: object = None,
    high: object = None,
    *,
    words: bool = False,
    units: bool = True,
) -> str:
    """A figure as claimed: "about 1,200 people", "more than $66 billion", "73,200–92,800 people".

    With `words`, a range reads "between 73,200 and 92,800 people" (hover text, captions and
    sentences); without `units`, a count goes without its unit ("about 1,200").
    """
    qualifier = str(qualifier) if present(qualifier) else "exact"
    value, low, high = number(value), number(low), number(high)
    amount = format_amount if units else format_number
    said = _QUALIFIER_TEXT.get(qualifier, "")
    if qualifier in LOWER_BOUNDS or qualifier in UPPER_BOUNDS:
        bound = value if not math.isnan(value) else (low if qualifier in LOWER_BOUNDS else high)
        return "no value" if math.isnan(bound) else f"{said} {amount(bound, unit)}"
    ranged = not (math.isnan(low) or math.isnan(high))
    if not math.isnan(value):
        text = f"{said} {amount(value, unit)}".strip()
        return f"{text} ({_range(low, high, unit, words=False, units=False)})" if ranged else text
    if not ranged:
        return "no value"
    prefix = ("roughly " if words else "about ") if qualifier == "approximately" else ""
    return prefix + _range(low, high, unit, words=words, units=units)


def _range(low: float, high: float, unit: object, *, words: bool, units: bool) -> str:
    """`low` to `high` with the unit once: "73,200–92,800 people", "$1.2–1.5 billion", "between 1 and 2"."""
    if words:
        return f"between {format_number(low, unit)} and {(format_amount if units else format_number)(high, unit)}"
    first, second = format_number(low, unit), format_number(high, unit)
    head, _, scale = first.partition(" ")
    other_head, _, other_scale = second.partition(" ")
    if scale and scale == other_scale:  # "$1.2–1.5 billion", "1.2–1.5 million", "2–3 billion UAH"
        text = f"{head}–{other_head.removeprefix(currency_sign(unit))} {scale}"
    else:
        text = f"{first}–{second}"
    return f"{text} {unit}" if units and present(unit) and not is_money(unit) else text


def format_ratio(ratio: float, *, words: bool = False) -> str:
    """How many times one figure is another: 3.333 -> "3.3×" ("3.3 times" in words), 12.4 -> "12×"."""
    text = f"{ratio:.1f}" if ratio < 10 else f"{ratio:,.0f}"
    return f"{text} times" if words else f"{text}×"


def possessive(name: str) -> str:
    """ "Oryx's", "US officials'"."""
    return name + ("'" if name.endswith("s") else "'s")


def how_much_more(ratio: float, other: str) -> str:
    """One figure set against `other` (text that names it): "is 3.3 times the figure of...", "is 12%
    higher than...", or "stands against..." when the other is zero and "times" would say nothing."""
    if math.isinf(ratio):
        return f"stands against {other}"
    if ratio < 1.5:
        # "1.0 times" hides a real gap; below half again, a percentage says how far apart they are.
        percent = (ratio - 1) * 100
        return f"is {percent:.0f}% higher than {other}" if percent >= 1 else f"is {percent:.2g}% higher than {other}"
    return f"is {format_ratio(ratio, words=True)} {other}"


def format_date(when: Any, precision: object = "day") -> str:
    """A date at the precision it is known to: "9 January 2025", "January 2025", "2025"."""
    if not present(when):
        return ""
    return _format_date(pd.Timestamp(when), str(precision))


def format_written_date(text: object) -> str:
    """A date as written in a fact file ("2025-01", "2025-01-09", "2024") in words at its precision:
    "January 2025", "9 January 2025", "2024"; "" when there is none or it is not a date."""
    if not present(text):
        return ""
    try:
        parsed = parse_date(str(text))
    except ValueError:
        return str(text)
    return _format_date(pd.Timestamp(parsed.start), parsed.precision)


@functools.lru_cache(maxsize=4096)
def precision_of(text: object) -> str:
    """The precision of a date as written ("2025-01": "month", "2024": "year"); "day" when it has a
    day or is not a date written so."""
    if not present(text):
        return "day"
    try:
        return parse_date(str(text)).precision
    except ValueError:
        return "day"


def _format_date(stamp: pd.Timestamp, precision: str) -> str:
    if precision == "year":
        return f"{stamp.year}"
    if precision == "month":
        return f"{stamp:%B} {stamp.year}"
    return f"{stamp.day} {stamp:%B} {stamp.year}"


def currency_sign(unit: object) -> str:
    """The sign we write before a figure in this currency ("$" for USD), "" where the code goes after it."""
    found = currency(unit)
    return found.sign or "" if found else ""


def _is_round(scaled: float) -> bool:
    return math.isclose(round(scaled, 2), scaled, rel_tol=1e-9, abs_tol=1e-9)


_ABBREVIATION = re.compile(r"\(([A-Z]{2,6})\)")


def abbreviation(label: str) -> str | None:
    """The abbreviation a label gives in brackets: "US Presidential Drawdown Authority (PDA) package" -> "PDA"."""
    found = _ABBREVIATION.search(label)
    return found.group(1) if found else None
