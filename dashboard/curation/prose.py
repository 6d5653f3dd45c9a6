"""Figures in prose: every figure a sentence writes, and whether a quote states a fact's value.

`amounts_in` reads every figure out of a sentence, `quote_states` says whether one of them is the
fact's value, and `written_forms` lists the ways a report may write it; the article extractor reuses
them. How the dashboard itself writes a figure is factbase.wording's.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from dashboard.factbase.values import READ_CURRENCIES, currency, currency_of, is_currency
from dashboard.factbase.wording import format_decimal

# Scale words as reports print them. Spanish, French, German and Russian words are here because
# the fact base keeps quotes in the original language ("122 mil millones de dólares").
_SCALE_WORDS = {
    "thousand": 1e3,
    "tys": 1e3,
    "тыс": 1e3,
    "тис": 1e3,
    "Tsd": 1e3,
    "million": 1e6,
    "millions": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "millones": 1e6,
    "millón": 1e6,
    "millon": 1e6,
    "Millionen": 1e6,
    "Million": 1e6,
    "Mio": 1e6,
    "млн": 1e6,
    "мільйонів": 1e6,
    "billion": 1e9,
    "billions": 1e9,
    "bn": 1e9,
    "bln": 1e9,
    "mil millones": 1e9,
    "milliards": 1e9,
    "milliard": 1e9,
    "Milliarden": 1e9,
    "Milliarde": 1e9,
    "Mrd": 1e9,
    "млрд": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
    "trn": 1e12,
    "billones": 1e12,
    "трлн": 1e12,
}
# One letter counts as a scale only when written against the number ("$500m", "4k"): "500 m" may be metres.
_SCALE_LETTERS = {"k": 1e3, "m": 1e6, "b": 1e9}
# "mil" is a thousand in Spanish and a million in American slang ("$4 mil"): both readings are kept.
_AMBIGUOUS_SCALES = {"mil": (1e3, 1e6)}
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "a dozen": 12,
    "twenty": 20,
    "fifty": 50,
    "a hundred": 100,
    "one hundred": 100,
    "half a": 0.5,
    "a half": 0.5,
    "a quarter of a": 0.25,
    "a third of a": 1 / 3,
}


def _alternatives(words) -> str:  # noqa: ANN001 - any iterable of strings
    # Longest first, so that "mil millones" wins over "mil" and "mln" over "m".
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_CURRENCY_BEFORE = rf"(?P<cur>{_alternatives(name for c in READ_CURRENCIES for name in (*c.before, c.code))})"
_SCALE = rf"(?:\s?(?P<scale>{_alternatives([*_SCALE_WORDS, *_AMBIGUOUS_SCALES])})|(?P<letter>[kmb]))\.?"
_CURRENCY_AFTER = rf"(?P<code>(?:de\s+)?(?:{_alternatives(n for c in READ_CURRENCIES for n in (c.code, *c.after))}))"
# A numeral with thousands separators (comma, point, space, thin or no-break space, apostrophe),
# or a plain one with an optional decimal part; not a percentage; then a scale word and a currency.
_NUMERAL = r"(?P<num>\d{1,3}(?:(?P<sep>[,.'\u00a0\u202f\u2009 ])\d{3})(?:(?P=sep)\d{3})*(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
_AMOUNT_AT = re.compile(rf"{_NUMERAL}(?![\d%])(?!\s%)(?:{_SCALE}(?!\w))?(?:\s{_CURRENCY_AFTER}(?!\w))?", re.IGNORECASE)
_CURRENCY_BEFORE_AT = re.compile(rf"(?<![A-Za-z]){_CURRENCY_BEFORE}\s?$", re.IGNORECASE)
# The full pattern is slow to try at every character of a long quote; digits are fast to find, so
# figures are read only where a run of digits starts.
_DIGITS = re.compile(r"\d+")
_WORD_AMOUNT = re.compile(
    rf"""(?<!\w){_CURRENCY_BEFORE}?\s?(?P<word>{_alternatives(_NUMBER_WORDS)})\s+
         (?P<scale>thousand|million|billion|trillion)(?!\w)(?:\s{_CURRENCY_AFTER}(?!\w))?""",
    re.VERBOSE | re.IGNORECASE,
)
_SCALE_LOOKUP: dict[str, tuple[float, ...]] = {
    **{k.lower(): (v,) for k, v in (*_SCALE_WORDS.items(), *_SCALE_LETTERS.items())},
    **_AMBIGUOUS_SCALES,
}


@dataclass(frozen=True)
class Amount:
    """A figure found in text: the values it may mean (a lone "1,200" may be 1200 or 1.2), its currency."""

    text: str
    values: tuple[float, ...]
    currency: str | None
    start: int
    end: int


def amounts_in(text: str) -> list[Amount]:
    """Every figure written in `text`, in order, with the readings its separators allow."""
    return [
        Amount(text[start:end].strip().rstrip("."), values, currency, start, end)
        for start, end, values, currency in _figures(text)
    ]


@lru_cache(maxsize=4096)
def _figures(text: str) -> tuple[tuple[int, int, tuple[float, ...], str | None], ...]:
    found = []
    end = 0
    for digits in _DIGITS.finditer(text):
        position = digits.start()
        if position < end or (position and (text[position - 1].isalnum() or text[position - 1] in ".,_")):
            continue  # inside the last figure ("1,234,567"), a word ("G7") or a decimal
        match = _AMOUNT_AT.match(text, position)
        if not match:
            continue
        written = match["scale"] or match["letter"]
        scales = _SCALE_LOOKUP[written.lower()] if written else (1.0,)
        readings = tuple(sorted({r * scale for r in _readings(match["num"], match["sep"]) for scale in scales}))
        start, end = position, match.end()
        before = _CURRENCY_BEFORE_AT.search(text, max(0, position - 5), position)
        if before:
            start = before.start()
        found.append((start, end, readings, _currency(before["cur"] if before else None, match["code"])))
    lowered = text.lower()
    if "thousand" in lowered or "illion" in lowered:
        for match in _WORD_AMOUNT.finditer(text):
            value = _NUMBER_WORDS[match["word"].lower()] * _SCALE_LOOKUP[match["scale"].lower()][0]
            found.append((match.start(), match.end(), (value,), _currency(match["cur"], match["code"])))
    return tuple(sorted(found))


def _readings(numeral: str, separator: str | None) -> set[float]:
    """The numbers a numeral may stand for: "4,000" is 4000 in English and 4.0 in much of Europe."""
    if separator is None:
        return {float(numeral.replace(",", "."))}
    groups = numeral.split(separator)
    head, tail = "".join(groups[:-1]) + groups[-1][:3], groups[-1][3:]
    whole = float(head + (("." + tail[1:]) if tail else ""))
    if separator in ",." and len(groups) == 2 and not tail:
        return {whole, float(groups[0] + "." + groups[1])}
    return {whole}


def _currency(*written: str | None) -> str | None:
    for word in written:
        if word:
            word = word.lower()
            word = word[3:].strip() if word.startswith("de ") else word
            return currency_of(word.replace(" ", "")) or word.upper()
    return None


def quote_states(quote: str, value: float, unit: str | None = None) -> bool:
    """Whether `quote` writes `value` in one of the usual forms ("4,000", "4000", "$3.85 billion", "1.2 thousand").

    A figure in another currency than the metric's does not count; one without a currency does.
    """
    if not isinstance(quote, str) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return False
    if _is_percent(unit) and _states_percent(quote, float(value)):
        return True  # "60%": the amount readers skip percentages, which a share is written as
    code = _money_code(unit)
    return _plainly_states(quote, float(value), code) or _reads_as(quote, value, code)


_PERCENT_UNITS = frozenset({"percent", "per cent", "%", "percentage", "share"})
_PERCENT = re.compile(r"(?<![\d.,])(\d+(?:[.,]\d+)?)\s?%")


def _is_percent(unit: str | None) -> bool:
    return str(unit).strip().lower() in _PERCENT_UNITS if unit else False


def _states_percent(quote: str, value: float) -> bool:
    return any(math.isclose(float(m.group(1).replace(",", ".")), value) for m in _PERCENT.finditer(quote))


@lru_cache(maxsize=256)
def _money_code(unit: str | None) -> str | None:
    return str(unit).upper() if unit and is_currency(str(unit)) else None


def _reads_as(quote: str, value: float, code: str | None) -> bool:
    """The full reading: every figure in the quote, each with all the readings its writing allows."""
    for _, _, readings, written in _figures(quote):
        if written and written != code:
            continue
        if any(math.isclose(reading, value, rel_tol=1e-9, abs_tol=1e-9) for reading in readings):
            return True
    return False


# ---- the quick look -------------------------------------------------------------------------------
# Checking 100,000 quotes with the regex takes most of a second; most quotes write their figure in
# one of a few forms, which `str.find` locates in a fraction of that. The quick look only says yes
# where the full reading would; whenever the text around the form could change its meaning (another
# digit, a scale word, a currency) it says no, and the full reading decides.

_BEFORE_FIGURE = frozenset(" ([\"'“«\n\t")
_AFTER_FIGURE = frozenset(" ,.;:)]\"'”»!?…\n\t")
_LETTERS = re.compile(r"[^\W\d_]*")
_SEPARATORS = frozenset(" .,'\u00a0\u202f\u2009")
# Words that change what a figure before them means: a scale, or (currency_of) a currency, which
# is fine if it is the metric's.
_SCALES_AFTER = frozenset(w.lower() for w in (*_SCALE_WORDS, *_AMBIGUOUS_SCALES, "de"))


def _plainly_states(quote: str, value: float, code: str | None) -> bool:
    forms = _common_forms(value, code is not None) if code is not None and value >= 1e6 else _grouped_forms(value)
    for form in forms:
        i = quote.find(form)
        while i >= 0:
            if _starts_figure(quote, i, code) and _ends_figure(quote, i + len(form), code):
                return True
            i = quote.find(form, i + 1)
    return False


def _grouped_forms(value: float) -> tuple[str, ...]:
    grouped = f"{int(value):,}" if value.is_integer() and value < 1e18 else format_decimal(value)
    return (grouped, grouped.replace(",", "")) if "," in grouped else (grouped,)


def _common_forms(value: float, money: bool):  # noqa: ANN202 - a generator of strings, most likely first
    if money and value >= 1e6:
        for scale, word, short in ((1e12, "trillion", "tn"), (1e9, "billion", "bn"), (1e6, "million", "m")):
            if value >= scale:
                number = format_decimal(value / scale, 3)
                if math.isclose(float(number.replace(",", "")) * scale, value, rel_tol=1e-9):
                    yield f"{number} {word}"
                    yield number + short
    yield from _grouped_forms(value)


def _starts_figure(quote: str, i: int, code: str | None) -> bool:
    if i == 0:
        return True
    before = quote[i - 1]
    if before in _SEPARATORS and i >= 2 and quote[i - 2].isdigit():
        return False  # "1 200" or "1'200": the form is the tail of a longer number
    if before == " ":
        named = (
            currency_of(quote[max(0, i - 4) : i - 1])
            or currency_of(quote[max(0, i - 4) : i - 1][-3:])
            or currency_of(quote[i - 2 : i - 1])
        )
        return named is None or named == code
    if before in _BEFORE_FIGURE:
        return True
    return code is not None and currency_of(before) == code


def _ends_figure(quote: str, j: int, code: str | None) -> bool:
    if j == len(quote):
        return True
    after, following = quote[j], quote[j + 1 : j + 2]
    if after in _SEPARATORS and following.isdigit():
        return False  # "4,000,000", "4.5", "4 000": the form is the head of a longer number
    if after == " ":
        if not following.isalpha():
            return following != "%"
        word = quote[j + 1 : _LETTERS.match(quote, j + 1).end()].lower()  # type: ignore[union-attr]  # * matches
        named = currency_of(word)
        return named == code if named else word not in _SCALES_AFTER
    return after in _AFTER_FIGURE


def written_forms(value: float, unit: str | None = None) -> set[str]:
    """Ways a report may write `value`: "4,000", "4000", "4 thousand", "$500 million", "$500m", "$0.5 billion"."""
    if value is None or not math.isfinite(value):
        return set()
    numbers = {format_decimal(value), format_decimal(value).replace(",", "")}
    for scale, words in (
        (1e3, ("thousand", "k")),
        (1e6, ("million", "m", "mn")),
        (1e9, ("billion", "bn")),
        (1e12, ("trillion", "tn")),
    ):
        scaled = value / scale
        number = format_decimal(scaled, 3 if scaled < 1 else 2)
        if not 0.1 <= scaled < 10_000 or not math.isclose(float(number.replace(",", "")) * scale, value, rel_tol=1e-9):
            continue  # "0.004 billion", "500,000 thousand": nobody writes them; "3.8 billion" is another number
        numbers.add(f"{number} {words[0]}")
        numbers.update(number + word for word in words[1:])
    if not (unit and is_currency(str(unit))):
        return numbers
    code = str(unit).upper()
    signs = currency(code).before[:1]  # type: ignore[union-attr]  # is_currency: a currency of the table
    return numbers | {f"{n} {code}" for n in numbers} | {sign + n for sign in signs for n in numbers}
