"""Numbers and dates as curators write them: "$500 million", "66bn", "1,200", 2025-01, and their intervals."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import math
import re
from dataclasses import dataclass

QUALIFIERS = ("exact", "approximately", "at_least", "more_than", "at_most", "less_than")

# How far "about 1,200" may stretch when set against another figure. Ten per cent keeps
# "about 1,200" apart from 4,000 while letting "around $3.8 billion" agree with $3.85 billion.
APPROX_TOLERANCE = 0.10

_SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "bln": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
    "trn": 1e12,
}
QUALIFIER_WORDS = {
    "about": "approximately",
    "around": "approximately",
    "approximately": "approximately",
    "some": "approximately",
    "roughly": "approximately",
    "nearly": "approximately",
    "almost": "approximately",
    "~": "approximately",
    "over": "more_than",
    "more than": "more_than",
    "above": "more_than",
    "at least": "at_least",
    "up to": "at_most",
    "at most": "at_most",
    "under": "less_than",
    "less than": "less_than",
    "fewer than": "less_than",
}


# ---- currencies --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Currency:
    """A currency: how texts write it around a figure, and how the dashboard writes it."""

    code: str  # ISO 4217, the metric's unit: "USD"
    sign: str | None = None  # ours, before a figure ("$3.85 billion"); None: the code after it ("2.5 billion UAH")
    before: tuple[str, ...] = ()  # the signs texts write before a figure, as well as the code: "$", "US$"
    after: tuple[str, ...] = ()  # the words texts write after a figure, as well as the code; the English plural first


# The one currency table: every reader of figures (parse_amount here, curation's prose and extract)
# and the writer (factbase.wording) take what they need from it. A currency without signs is known
# as a metric's unit only: no reader looks for it around a figure.
CURRENCIES = (
    Currency("USD", "$", ("$", "US$"), ("dollars", "dollar", "dólares")),
    Currency("EUR", "€", ("€",), ("euros", "euro")),
    Currency("GBP", "£", ("£",), ("pounds",)),
    Currency("UAH", None, ("₴",), ("hryvnias", "hryvnia")),
    Currency("RUB", None, ("₽",), ("roubles", "rubles")),
    *(Currency(code) for code in ("CAD", "JPY", "CHF", "SEK", "NOK", "DKK", "PLN", "AUD")),
)
# The currencies figures are read in: texts write their signs or codes before a figure, their codes
# or words after it.
READ_CURRENCIES = tuple(c for c in CURRENCIES if c.before)
_BY_CODE = {c.code: c for c in CURRENCIES}
_BY_NAME = {name.lower(): c.code for c in READ_CURRENCIES for name in (c.code, *c.before, *c.after)}
# Of those words, a fact file may write only these after a figure ("988 million USD", "500 million dollars").
_FACT_FILE_WORDS = ("dollars", "euros")


def currency(unit: object) -> Currency | None:
    """The currency a metric's unit names ("USD", "usd"); None for a unit that is not money."""
    return _BY_CODE.get(unit.upper()) if isinstance(unit, str) else None


def currency_of(name: str) -> str | None:
    """The code a text's name for a currency stands for: "$", "US$", "usd" or "dollars" -> "USD"."""
    return _BY_NAME.get(name.lower())


def is_currency(unit: str) -> bool:
    return unit.upper() in _BY_CODE


def _alternation(names: list[str]) -> str:
    return "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))


_BEFORE = _alternation([name for c in READ_CURRENCIES for name in (*c.before, c.code)])
_AFTER = _alternation([*(c.code for c in READ_CURRENCIES), *_FACT_FILE_WORDS])

_AMOUNT = re.compile(
    rf"""^\s*
    (?P<minus>-\s*)?
    (?P<cur>(?:{_BEFORE})\s*)?
    (?P<num>[0-9](?:[0-9,]|_(?=[0-9]))*(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+)
    \s*(?P<scale>thousand|million|billion|trillion|mln|bln|trn|mn|bn|tn|k|m|b)?\.?
    \s*(?P<code>{_AFTER})?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)
_NONZERO = re.compile(r"[1-9]")
_THOUSANDS = re.compile(r"^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")
# Texts that parse_amount reads as the decimal number they spell ("1200", "1,200", "3.85"): whole
# columns of them are cast in one go (columns.amount_column); a test holds the two to the same numbers.
PLAIN_NUMBER = r"^(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?$"


class ValueError_(ValueError):
    """A value a curator wrote that is not a number; the message says what was expected."""


def parse_amount(raw: object) -> tuple[float, str | None]:
    """Turn a number or a curator's string into (value, currency code or None).

    Raises ValueError_ with a message a curator can act on.
    """
    if isinstance(raw, bool):
        raise ValueError_(f"expected a number, got {str(raw).lower()}")
    if isinstance(raw, (int, float)):
        value = float(raw)
        currency = None
    elif isinstance(raw, str):
        value, currency = _parse_amount_text(raw)
    else:
        raise ValueError_(f'expected a number or a string such as "$500 million", got {type(raw).__name__}')
    if not math.isfinite(value):
        raise ValueError_(f"expected a finite number, got {raw!r}")
    if abs(value) > 1e18:
        raise ValueError_(f"{raw!r} is too large to be a real figure (over 10^18)")
    return value, currency


def _parse_amount_text(text: str) -> tuple[float, str | None]:
    lowered = text.strip().lower()
    for words, qualifier in QUALIFIER_WORDS.items():
        if lowered.startswith(words + " ") or (words == "~" and lowered.startswith("~")):
            raise ValueError_(
                f"'{text}' carries a qualifier in the value: write the number alone and qualifier: {qualifier}"
            )
    match = _AMOUNT.match(text)
    if not match:
        raise ValueError_(
            f'\'{text}\' is not a number; expected a number such as 1200, "1,200", "$500 million" or "3.85bn"'
        )
    number = match["num"]
    if "," in number and not _THOUSANDS.match(number):
        raise ValueError_(f'\'{text}\' has misplaced thousands separators; expected e.g. "1,200" or "1,200,000"')
    value = float(number.replace(",", "").replace("_", ""))
    if value == 0 and _NONZERO.search(number.split("e")[0].split("E")[0]):
        raise ValueError_(f"'{text}' is too small to be a real figure: it is 0 as a number (underflow)")
    if match["scale"]:
        value *= _SCALES[match["scale"].lower()]
    if match["minus"]:  # read, so that the figure is refused as negative rather than as no number
        value = -value
    written = match["code"] or match["cur"]  # a code after the figure wins, as it always has
    return value, currency_of(written.strip()) if written else None


# ---- dates -------------------------------------------------------------------------------------

# ASCII digits only: `\d` would take fullwidth or Arabic-Indic digits for a date.
_DATE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")


@dataclass(frozen=True)
class PartialDate:
    """A date known to the day, the month or the year; `start`/`end` bound the period it names."""

    text: str
    precision: str  # "day" | "month" | "year"
    start: str  # ISO date of the first day of the period
    end: str  # ISO date of the last day of the period


def parse_date(raw: object) -> PartialDate:
    """Parse YYYY-MM-DD, YYYY-MM or YYYY (a string, or an int year); raise ValueError_ otherwise."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int, dt.date)):
        raise ValueError_(f"expected a date (YYYY-MM-DD, YYYY-MM or YYYY), got {type(raw).__name__}")
    if isinstance(raw, str) and len(raw) > 16:  # not a date as written, padded: not worth keeping
        return _parse_date.__wrapped__(raw)
    return _parse_date(raw)


# A fact base writes the same few dates thousands of times (every source's `published`, a series'
# days): each is read once. Errors are not cached; they are raised again, as rarely as they occur.
# The cache holds at most 65,536 texts of up to 16 characters.
@functools.lru_cache(maxsize=65536, typed=True)
def _parse_date(raw: str | int | dt.date) -> PartialDate:
    if isinstance(raw, int) and not 0 <= raw <= 9999:  # also keeps str() off ints of thousands of digits
        raise ValueError_("is not a date (YYYY-MM-DD, YYYY-MM or YYYY): the number is not a year")
    text = raw.isoformat() if isinstance(raw, dt.date) else str(raw).strip()
    match = _DATE.match(text)
    if not match:
        raise ValueError_(f"'{text}' is not a date (YYYY-MM-DD, YYYY-MM or YYYY)")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    if not 1900 <= year <= 2100:
        raise ValueError_(f"'{text}': year {year} is out of range (1900-2100)")
    if month is None:
        return PartialDate(text, "year", f"{year:04d}-01-01", f"{year:04d}-12-31")
    if not 1 <= month <= 12:
        raise ValueError_(f"'{text}' is not a date: month {month} does not exist (YYYY-MM-DD)")
    last = calendar.monthrange(year, month)[1]
    if day is None:
        return PartialDate(text, "month", f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}")
    if not 1 <= day <= last:
        raise ValueError_(f"'{text}' is not a date: {year:04d}-{month:02d} has no day {day}")
    return PartialDate(text, "day", text, text)


# ---- intervals ---------------------------------------------------------------------------------


def intervals(qualifier, value, low, high):  # noqa: ANN001, ANN201 - numpy arrays in, arrays out
    """`interval` over whole columns at once (numpy arrays, or a pandas Series of qualifiers, whose
    own `isin` spares a Python object per row); returns (lows, highs)."""
    import numpy as np

    value, low, high = (np.asarray(a, dtype="float64") for a in (value, low, high))
    if not hasattr(qualifier, "isin"):
        qualifier = np.asarray(qualifier, dtype=object)

    if hasattr(qualifier, "factorize"):  # each distinct qualifier looked at once, not each row
        codes, uniques = qualifier.factorize()
        known = list(uniques)

    def among(names: list[str]) -> np.ndarray:
        if hasattr(qualifier, "factorize"):
            return np.isin(codes, [code for code, name in enumerate(known) if name in names])
        return np.isin(qualifier, names)

    lower_bound = among(["at_least", "more_than"])
    upper_bound = among(["at_most", "less_than"])
    ranged = ~np.isnan(low) & ~np.isnan(high)
    lo = np.where(ranged, low, value)
    hi = np.where(ranged, high, value)
    about = among(["approximately"])
    lo = np.where(about, lo * (1 - APPROX_TOLERANCE), lo)
    hi = np.where(about, hi * (1 + APPROX_TOLERANCE), hi)
    lo = np.where(lower_bound, np.where(np.isnan(low), value, low), np.where(upper_bound, 0.0, lo))
    hi = np.where(lower_bound, np.inf, np.where(upper_bound, np.where(np.isnan(high), value, high), hi))
    return lo, hi


def interval(qualifier: str, value: float, low: float, high: float) -> tuple[float, float]:
    """The range of values a figure admits, honouring its qualifier: at_least 66e9 is [66e9, inf).

    NaN stands for "not given". Open ends are +-inf; "more than" and "less than" are treated as
    closed at the bound (a strict inequality on a reported round number adds nothing to compare).
    """
    has_low, has_high = not math.isnan(low), not math.isnan(high)
    if qualifier in ("at_least", "more_than"):
        return (low if has_low else value), math.inf
    if qualifier in ("at_most", "less_than"):
        return 0.0, (high if has_high else value)
    if has_low and has_high:
        lo, hi = low, high
    else:
        lo = hi = value
    if qualifier == "approximately":
        return lo * (1 - APPROX_TOLERANCE), hi * (1 + APPROX_TOLERANCE)
    return lo, hi
