"""Figures in prose: how a value is written for readers, and whether a quote states it.

`format_amount` and `format_figure` write a value the way a news report would ("$3.85 billion",
"about 1,200"); `amounts_in` reads every figure out of a sentence, and `quote_states` says whether
one of them is the fact's value. The article extractor reuses the reading half.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from dashboard.factbase.values import is_currency

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "UAH": "₴", "RUB": "₽"}
_DISPLAY_SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))

# Scale words as reports print them. Spanish, French, German and Russian words are here because
# the fact base keeps quotes in the original language ("122 mil millones de dólares").
_SCALE_WORDS = {
    "thousand": 1e3, "tys": 1e3, "тыс": 1e3, "тис": 1e3, "Tsd": 1e3,
    "million": 1e6, "millions": 1e6, "mn": 1e6, "mln": 1e6, "millones": 1e6, "millón": 1e6, "millon": 1e6,
    "Millionen": 1e6, "Million": 1e6, "Mio": 1e6, "млн": 1e6, "мільйонів": 1e6,
    "billion": 1e9, "billions": 1e9, "bn": 1e9, "bln": 1e9, "mil millones": 1e9, "milliards": 1e9,
    "milliard": 1e9, "Milliarden": 1e9, "Milliarde": 1e9, "Mrd": 1e9, "млрд": 1e9,
    "trillion": 1e12, "tn": 1e12, "trn": 1e12, "billones": 1e12, "трлн": 1e12,
}
# One letter counts as a scale only when written against the number ("$500m", "4k"): "500 m" may be metres.
_SCALE_LETTERS = {"k": 1e3, "m": 1e6, "b": 1e9}
# "mil" is a thousand in Spanish and a million in American slang ("$4 mil"): both readings are kept.
_AMBIGUOUS_SCALES = {"mil": (1e3, 1e6)}
_CURRENCY_WORDS = {
    "$": "USD", "us$": "USD", "usd": "USD", "dollars": "USD", "dólares": "USD", "dollar": "USD",
    "€": "EUR", "eur": "EUR", "euros": "EUR", "euro": "EUR", "£": "GBP", "gbp": "GBP", "pounds": "GBP",
    "₴": "UAH", "uah": "UAH", "hryvnias": "UAH", "hryvnia": "UAH", "₽": "RUB", "rub": "RUB", "roubles": "RUB",
    "rubles": "RUB",
}
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "a dozen": 12, "twenty": 20, "fifty": 50, "a hundred": 100, "one hundred": 100,
    "half a": 0.5, "a half": 0.5, "a quarter of a": 0.25, "a third of a": 1 / 3,
}


def _alternatives(words) -> str:  # noqa: ANN001 - any iterable of strings
    # Longest first, so that "mil millones" wins over "mil" and "mln" over "m".
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_CURRENCY_BEFORE = r"(?P<cur>US\$|[$€£₴₽]|USD|EUR|GBP|UAH|RUB)"
_SCALE = rf"(?:\s?(?P<scale>{_alternatives([*_SCALE_WORDS, *_AMBIGUOUS_SCALES])})|(?P<letter>[kmb]))\.?"
_CURRENCY_AFTER = rf"(?P<code>(?:de\s+)?(?:{_alternatives(k for k in _CURRENCY_WORDS if k.isalpha())}))"
# A numeral with thousands separators (comma, point, space, thin or no-break space, apostrophe),
# or a plain one with an optional decimal part; not a percentage; then a scale word and a currency.
_NUMERAL = r"(?P<num>\d{1,3}(?:(?P<sep>[,.'\u00a0\u202f\u2009 ])\d{3})(?:(?P=sep)\d{3})*(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
_AMOUNT_AT = re.compile(rf"{_NUMERAL}(?![\d%])(?!\s%)(?:{_SCALE}(?!\w))?(?:\s{_CURRENCY_AFTER}(?!\w))?",
                        re.IGNORECASE)
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
    **{k.lower(): (v,) for k, v in (*_SCALE_WORDS.items(), *_SCALE_LETTERS.items())}, **_AMBIGUOUS_SCALES}


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
    return [Amount(text[start:end].strip().rstrip("."), values, currency, start, end)
            for start, end, values, currency in _figures(text)]


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
            return _CURRENCY_WORDS.get(word.replace(" ", ""), word.upper())
    return None


def quote_states(quote: str, value: float, unit: str | None = None) -> bool:
    """Whether `quote` writes `value` in one of the usual forms ("4,000", "4000", "$3.85 billion", "1.2 thousand").

    A figure in another currency than the metric's does not count; one without a currency does.
    """
    if not isinstance(quote, str) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return False
    code = _money_code(unit)
    return _plainly_states(quote, float(value), code) or _reads_as(quote, value, code)


@lru_cache(maxsize=256)
def _money_code(unit: str | None) -> str | None:
    return str(unit).upper() if unit and is_currency(str(unit)) else None


def _reads_as(quote: str, value: float, code: str | None) -> bool:
    """The full reading: every figure in the quote, each with all the readings its writing allows."""
    for _, _, readings, currency in _figures(quote):
        if currency and currency != code:
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
# The value is the currency a word names: after the figure it is fine if it is the metric's.
_WORDS_AFTER: dict[str, str | None] = {**{w.lower(): None for w in (*_SCALE_WORDS, *_AMBIGUOUS_SCALES, "de")},
                                       **_CURRENCY_WORDS}
_CURRENCY_BEFORE_CODES = {**{code: code for code in ("USD", "EUR", "GBP", "UAH", "RUB")}, "US$": "USD",
                          **{sign: code for code, sign in _SYMBOLS.items()}}


def _plainly_states(quote: str, value: float, code: str | None) -> bool:
    forms = _common_forms(value, code is not None) if code is not None and value >= 1e6 else \
        _grouped_forms(value)
    for form in forms:
        i = quote.find(form)
        while i >= 0:
            if _starts_figure(quote, i, code) and _ends_figure(quote, i + len(form), code):
                return True
            i = quote.find(form, i + 1)
    return False


def _grouped_forms(value: float) -> tuple[str, ...]:
    grouped = f"{int(value):,}" if value.is_integer() and value < 1e18 else _grouped(value)
    return (grouped, grouped.replace(",", "")) if "," in grouped else (grouped,)


def _common_forms(value: float, money: bool):  # noqa: ANN202 - a generator of strings, most likely first
    if money and value >= 1e6:
        for scale, word, short in ((1e12, "trillion", "tn"), (1e9, "billion", "bn"), (1e6, "million", "m")):
            if value >= scale:
                number = _trimmed(value / scale, 3)
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
        currency = _CURRENCY_BEFORE_CODES.get(quote[max(0, i - 4):i - 1].upper()) or \
            _CURRENCY_BEFORE_CODES.get(quote[max(0, i - 4):i - 1][-3:].upper()) or \
            _CURRENCY_BEFORE_CODES.get(quote[i - 2:i - 1])
        return currency is None or currency == code
    if before in _BEFORE_FIGURE:
        return True
    return code is not None and _CURRENCY_BEFORE_CODES.get(before) == code


def _ends_figure(quote: str, j: int, code: str | None) -> bool:
    if j == len(quote):
        return True
    after, following = quote[j], quote[j + 1:j + 2]
    if after in _SEPARATORS and following.isdigit():
        return False  # "4,000,000", "4.5", "4 000": the form is the head of a longer number
    if after == " ":
        if not following.isalpha():
            return following != "%"
        word = quote[j + 1:_LETTERS.match(quote, j + 1).end()].lower()  # type: ignore[union-attr]  # * matches
        return word not in _WORDS_AFTER or (_WORDS_AFTER[word] is not None and _WORDS_AFTER[word] == code)
    return after in _AFTER_FIGURE


def written_forms(value: float, unit: str | None = None) -> set[str]:
    """Ways a report may write `value`: "4,000", "4000", "4 thousand", "$500 million", "$500m", "$0.5 billion"."""
    if value is None or not math.isfinite(value):
        return set()
    numbers = {_grouped(value), _grouped(value).replace(",", "")}
    for scale, words in ((1e3, ("thousand", "k")), (1e6, ("million", "m", "mn")), (1e9, ("billion", "bn")),
                         (1e12, ("trillion", "tn"))):
        scaled = value / scale
        number = _trimmed(scaled, 3 if scaled < 1 else 2)
        if not 0.1 <= scaled < 10_000 or not math.isclose(float(number.replace(",", "")) * scale, value, rel_tol=1e-9):
            continue  # "0.004 billion", "500,000 thousand": nobody writes them; "3.8 billion" is another number
        numbers.add(f"{number} {words[0]}")
        numbers.update(number + word for word in words[1:])
    if not (unit and is_currency(str(unit))):
        return numbers
    code = str(unit).upper()
    symbol = _SYMBOLS.get(code)
    return numbers | {f"{n} {code}" for n in numbers} | ({symbol + n for n in numbers} if symbol else set())


# ---- writing figures for readers ----------------------------------------------------------------


def format_amount(value: float, unit: str | None = None) -> str:
    """A value as a report prints it: "4,000", "1.2 million", "$500 million", "€3.85 billion", "250 UAH"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "?"
    if math.isinf(value):
        return "unbounded"
    money = bool(unit) and is_currency(str(unit))
    text = _grouped(value)
    for scale, word in _DISPLAY_SCALES:
        # Money reads in millions and billions even when not round; head counts only when they are.
        if abs(value) >= scale and (money or _is_round(value / scale)):
            text = f"{_trimmed(value / scale, 2)} {word}"
            break
    if money:
        symbol = _SYMBOLS.get(str(unit).upper())
        return symbol + text if symbol else f"{text} {str(unit).upper()}"
    return text


_QUALIFIER_WORDS = {"exact": "", "approximately": "about ", "at_least": "at least ", "more_than": "more than ",
                    "at_most": "at most ", "less_than": "less than "}


def format_figure(qualifier: str, value: float, low: float, high: float, unit: str | None = None) -> str:
    """A fact's figure with its qualifier in words: "about 1,200", "more than $66 billion", "between 1 and 2"."""
    words = _QUALIFIER_WORDS.get(qualifier, "")
    given = [not (isinstance(x, float) and math.isnan(x)) and x is not None for x in (value, low, high)]
    if not given[0] and given[1] and given[2]:
        range_ = f"between {format_amount(low, unit)} and {format_amount(high, unit)}"
        return f"roughly {range_}" if qualifier == "approximately" else range_
    if given[0]:
        return words + format_amount(value, unit)
    bound = low if given[1] else high
    return words + format_amount(bound, unit)


def _grouped(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else _trimmed(value, 2)


def _trimmed(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _is_round(scaled: float) -> bool:
    return math.isclose(round(scaled, 2), scaled, rel_tol=1e-9, abs_tol=1e-9)
