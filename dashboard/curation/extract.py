"""Candidate facts from a news text: figures with qualifier, unit, claimant, dates and metric, and dated events.

Nothing here writes: `extract_figures` gives candidates for the dashboard's "Check a figure", and
`propose` renders them as one YAML document in the fact-file schema for a curator to review.

Libraries, chosen by measurement on the Ramstein report and sample sentences: dates are found and
read by `dateparser` (no model; 0.2 s to import, a few ms per sentence), with its false finds ("$66"
read as 1966) dropped. Amounts are found with the regular expression below and read by
`values.parse_amount`, the parser fact files already use: quantulum3 read "€1.4bn" as 1.4 euro-bits
and "3.5m rounds" as metres, gave no qualifiers and took 2 s for its first parse; price-parser reads
one amount but neither finds amounts in running text nor applies "million"; number-parser and
text2num turn number words into digits but misread "half a million", and news figures are digits.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import stat
import sys
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from dashboard.curation.attribution import Attribution, ClaimantIndex, find_attributions, is_pronoun, normalise, slug
from dashboard.factbase.values import CURRENCIES, QUALIFIER_WORDS, ValueError_, currency_of, is_currency, parse_amount

# ---- sentences ------------------------------------------------------------------------------------

_ABBREVIATIONS = {
    "u.s.",
    "u.k.",
    "u.n.",
    "e.u.",
    "mr.",
    "mrs.",
    "ms.",
    "dr.",
    "gen.",
    "lt.",
    "col.",
    "sen.",
    "rep.",
    "gov.",
    "st.",
    "no.",
    "e.g.",
    "i.e.",
    "jan.",
    "feb.",
    "aug.",
    "sept.",
    "sep.",
    "oct.",
    "nov.",
    "dec.",
    "approx.",
    "vs.",
    "inc.",
    "corp.",
    "co.",
    "maj.",
    "capt.",
    "adm.",
    "sgt.",
    "prof.",
}
_BREAK = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])|\n\s*")
# A sentence is cut at a space once it is this long. News sentences are shorter (the longest of
# tests/articles and the curated sources has 640 characters); with the cut, what is read around each
# figure (clause, claimant, date) costs at most a constant, so a text costs time in proportion to its
# length, whatever it holds (tests/test_text_bounds.py).
LONGEST_SENTENCE = 1_000
# The last word before a break is read from this many characters: every abbreviation is shorter.
_LAST_WORD = 16


def split_sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) for each sentence; "U.S." and other abbreviations do not end one."""
    out: list[tuple[int, str]] = []
    start = 0
    for m in _BREAK.finditer(text):
        if "\n" not in m.group():
            tail = text[max(start, m.start() - _LAST_WORD) : m.start()]
            words = tail.split()
            # A word that fills the whole tail is longer than any abbreviation.
            whole = m.start() - _LAST_WORD <= start or len(words) > 1 or tail[:1].isspace()
            last = words[-1].lower() if words and whole else ""
            if last in _ABBREVIATIONS or re.fullmatch(r"[a-z]\.", last):
                continue
        _keep(out, start, text[start : m.start()])
        start = m.end()
    _keep(out, start, text[start:])
    return out


def _keep(out: list, start: int, piece: str) -> None:
    i, j = len(piece) - len(piece.lstrip()), len(piece.rstrip())
    while j - i > LONGEST_SENTENCE:  # cut at the last space before the limit, else at the limit
        cut = next(
            (k for k in range(i + LONGEST_SENTENCE, i + LONGEST_SENTENCE // 2, -1) if piece[k].isspace()),
            i + LONGEST_SENTENCE,
        )
        out.append((start + i, piece[i:cut].rstrip()))
        i = cut
        while piece[i].isspace():
            i += 1
    if j > i:
        out.append((start + i, piece[i:j]))


# Decimal digits of every script ("٣٠٠", "１２３", "१२३४") are read as the ASCII digits they stand for:
# one character for one, so that every offset into the text stays right.
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")


def _ascii_digits(text: str) -> str:
    if not _OTHER_DIGIT.search(text):
        return text
    return _OTHER_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), text)


# ---- amounts --------------------------------------------------------------------------------------

# Found by hand: no library measured finds amounts in running text with their scale words ("bn", "m").
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"trillion|billion|million|thousand|(?:bn|mn|trn|tn)\b|(?<=\d)(?:m|k)\b"
# Candidates are proposed in the currencies English reports name by sign, the ones we write with a
# sign too: the sign or code before the figure, the code or English plural ("dollars") after it.
_SIGNED = [c for c in CURRENCIES if c.sign]
_SIGNS = "|".join(re.escape(sign) for sign in sorted((s for c in _SIGNED for s in c.before), key=len, reverse=True))
_CODES = "|".join(c.code for c in _SIGNED)
_PLURALS = "|".join(c.after[0] for c in _SIGNED)
_AMOUNT = (
    rf"(?:(?P<cur{{n}}>{_SIGNS}|(?:{_CODES})\s?)\s?)?(?P<num{{n}}>{_NUM})"
    rf"(?:\s?(?P<scale{{n}}>{_SCALE}))?(?:\s(?P<code{{n}}>{_CODES}|{_PLURALS})\b)?"
)
_FIGURE = re.compile(
    r"(?<![\w$€£.,-])(?<![A-Za-z]-)" + _AMOUNT.replace("{n}", "1") + r"(?![\w%]|[.,]\d|-\w)", re.IGNORECASE
)
# The second half of a range: "100,000 and 120,000" (after "between"), "15,000 to 20,000", "$3bn-$5bn".
_RANGE_TAIL = re.compile(
    r"\s?(?P<joiner>-|–|—|to|and)\s?" + _AMOUNT.replace("{n}", "2") + r"(?![\w%]|[.,]\d|-\w)", re.IGNORECASE
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_NOT_FIGURE_AFTER = re.compile(  # matched at the figure's end (pattern.match(sentence, end))
    r"\s*(?:%|per\s?cent|percent|pc\b|percentage|-year|years?\b|days?\b|hours?\b|weeks?\b|months?\b|km\b|"
    r"kilomet|miles?\b|metres?\b|meters?\b|mm\b|kg\b|tonnes?\b|tons?\b|degrees?\b|(?:st|nd|rd|th)\b|"
    rf"(?:{_MONTHS})\b|a\.m\.|p\.m\.|am\b|pm\b|:\d)",
    re.IGNORECASE,
)
_DAY_BEFORE = re.compile(rf"(?:{_MONTHS})\.?\s*$", re.IGNORECASE)
_NUMBER_SIGN_BEFORE = re.compile(r"[#№]\s*$|\bNo\.\s*$")
_BETWEEN_BEFORE = re.compile(r"\bbetween\s+(?:\S+\s+){0,2}$", re.IGNORECASE)
_FROM_BEFORE = re.compile(r"\bfrom\s+(?:\S+\s+){0,2}$", re.IGNORECASE)
# What is read before a figure (a month, "between", the noun it counts) is looked for in this many
# characters before it, never in all of the sentence before it: that made long sentences quadratic.
_LOOK_BEFORE = 200
_NOUN_BEFORE = 100  # the noun before a figure ("killed") is among the last seven words of the clause
# Longer numbers are no figure of a news text (and above 10^18 none a fact file takes).
_MOST_DIGITS = 20
_APART = re.compile(r",\s*(?:while|whereas|but|and|against)\b|;|\bwhile\b")

# What a count counts. Units are those of the fact base: people, items, countries.
_PEOPLE = (
    "people persons soldiers troops servicemen servicemembers personnel men women fighters combatants "
    "casualties dead deaths killed wounded injured civilians defenders lives russians ukrainians prisoners "
    "pows refugees recruits conscripts mercenaries volunteers children residents fatalities losses "
    "servicemen toll"
).split()
_ITEMS = (
    "tanks vehicles drones uavs missiles shells rounds aircraft jets planes helicopters systems guns "
    "howitzers launchers ships boats warships apcs pieces weapons munitions rockets bombs trucks "
    "interceptors artillery"
).split()
_COUNTRIES = "countries nations states members partners allies governments".split()
_UNIT_OF_NOUN = {
    **{w: "people" for w in _PEOPLE},
    **{w: "items" for w in _ITEMS},
    **{w: "countries" for w in _COUNTRIES},
}
_BEFORE_NOUN_OK = {
    "casualties",
    "dead",
    "deaths",
    "killed",
    "wounded",
    "losses",
    "toll",
    "fatalities",
    "troops",
    "soldiers",
    "personnel",
}
# Extends values.py's qualifier words (one table for curators and for reading news).
_QUALIFIER_PHRASES = {
    **QUALIFIER_WORDS,
    "just over": "more_than",
    "just under": "less_than",
    "in excess of": "more_than",
    "upwards of": "more_than",
    "well over": "more_than",
    "close to": "approximately",
    "an estimated": "approximately",
    "estimated": "approximately",
    "as many as": "at_most",
    "as much as": "at_most",
    "below": "less_than",
    "no more than": "at_most",
    "no fewer than": "at_least",
    "not less than": "at_least",
    "a total of": "exact",
    "roughly": "approximately",
    "more than": "more_than",
    "nearly": "approximately",
    "almost": "approximately",
    "nearing": "approximately",
    "near": "approximately",
    "approaching": "approximately",
    "exceeding": "more_than",
    "exceeded": "more_than",
    "surpassed": "more_than",
    "topped": "more_than",
}
_QUALIFIER_END = re.compile(
    r"\b("
    + "|".join(sorted((re.escape(k) for k in _QUALIFIER_PHRASES if k != "~"), key=len, reverse=True))
    + r")\s*(?:of\s+)?(?:an?\s+)?$",
    re.IGNORECASE,
)


@dataclass
class Candidate:
    """One figure found in a text, with the guesses a curator reviews and why they were made."""

    text: str  # the words of the figure as written ("over $66 billion")
    value: float | None  # None for a range, which has low and high
    low: float | None
    high: float | None
    unit: str  # "USD", "EUR", "GBP", "people", "items", "countries"
    qualifier: str
    sentence: str
    start: int  # offsets of the figure in the text
    end: int
    claimant: str | None = None  # an existing claimant id, or a proposed new one (see claimant_new)
    claimant_name: str = ""  # the words that name the claimant ("Zelenskyy"), "" for the outlet
    claimant_new: dict | None = None
    metric: str | None = None
    metric_new: dict | None = None
    since: str | None = None
    as_of: str | None = None
    stage: str | None = None
    category: str | None = None
    aggregation: str | None = None
    confidence: float = 0.5
    reasons: list[str] = field(default_factory=list)

    @property
    def sure(self) -> str:
        return "high" if self.confidence >= 0.75 else "medium" if self.confidence >= 0.5 else "low"


@dataclass
class Event:
    """A dated happening the text reports: a meeting, an offensive, a commitment with its horizon."""

    label: str
    date: str
    sentence: str
    reasons: list[str]
    horizon: str | None = None  # "2027" for "through 2027"


# ---- the fact base as the extractor sees it --------------------------------------------------------


@dataclass
class Catalog:
    """The claimants and metrics that candidates are matched to."""

    claimants: ClaimantIndex
    claimant_names: dict[str, str]  # id -> name
    metrics: dict[str, dict]  # id -> label, unit, category, aggregation, subject, definition, since
    outlets: dict[str, str]  # normalised publisher name without spaces -> media claimant id
    # What is worked out from the catalog once, not once per figure: names resolved, metrics that fit.
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def empty(cls) -> Catalog:
        return cls(ClaimantIndex.from_claimants({}), {}, {}, {})

    @classmethod
    def from_factbase(cls, base) -> Catalog:  # noqa: ANN001 - a loader.FactBase
        spellings: dict[str, list[str]] = {}
        names: dict[str, str] = {}
        outlets: dict[str, str] = {}
        for claimant_id, row in base.claimants.iterrows():
            aliases = row.get("aliases")
            listed = [
                row["name"],
                *(list(aliases) if isinstance(aliases, (list, tuple)) or hasattr(aliases, "tolist") else []),
            ]
            spellings[str(claimant_id)] = [str(s) for s in listed if isinstance(s, str)]
            names[str(claimant_id)] = str(row["name"])
            if row.get("kind") == "media":
                for s in spellings[str(claimant_id)]:
                    bare = normalise(re.sub(r"^the\s+", "", s, flags=re.I))
                    outlets[re.sub(r"[^a-z0-9]", "", bare)] = str(claimant_id)
        metrics = {}
        for metric_id, row in base.metrics.iterrows():
            metrics[str(metric_id)] = {
                k: (None if not isinstance(row.get(k), str) else row.get(k))
                for k in ("label", "unit", "category", "aggregation", "subject", "definition", "since")
            }
        return cls(ClaimantIndex.from_claimants(spellings), names, metrics, outlets)


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The bundled fact base's claimants and metrics, loaded on first use (never at import)."""
    from dashboard.factbase.loader import load_factbase
    from dashboard.factbase.paths import default_facts_path

    return Catalog.from_factbase(load_factbase(default_facts_path()))


# ---- finding figures ------------------------------------------------------------------------------


def extract_figures(
    text: str, catalog: Catalog | None = None, published: str | None = None, outlet: str | None = None
) -> list[Candidate]:
    """Every money amount and count of people, items or countries in `text`, as candidates.

    `catalog` supplies claimants and metrics to match (default: none, so names stay as written);
    `published` (YYYY-MM-DD, YYYY-MM or YYYY) anchors as_of and relative dates; `outlet` is the claimant
    id for figures the text states in its own voice.
    """
    catalog = catalog or Catalog.empty()
    read = _ascii_digits(text)  # the same offsets; candidates keep the words as written
    sentences = split_sentences(read)
    base = _relative_base(published)
    found: list[Candidate] = []
    previous_speech: tuple[str | None, str, dict | None] | None = None  # (id, name, new) of the last sentence
    last_named: tuple[str | None, str, dict | None] | None = None
    for index, (offset, sentence) in enumerate(sentences):
        attributions = find_attributions(sentence)
        figures = _figures(sentence, offset)
        if figures:
            dates = _dates(sentence, base)
            speakers = _Speakers.of(sentence, attributions)
            context = " ".join(s for _, s in sentences[max(0, index - 1) : index + 2])
            low = sentence.lower()
        for figure in figures:
            _attribute(
                figure,
                figure.start - offset,
                sentence,
                attributions,
                catalog,
                previous_speech,
                last_named,
                outlet,
                speakers,
            )
            _date(figure, figure.start - offset, sentence, dates, published)
            _classify(figure, figure.start - offset, sentence, context, catalog, low)
        _inherit_ellipsis(figures)
        if read is not text:
            for figure in figures:
                figure.sentence = text[offset : offset + len(sentence)]
                figure.text = text[figure.start : figure.end].strip()
        if index == 0 and "\n" in text.lstrip() and not re.search(r"[.!?\"”]$", sentence):
            for figure in figures:  # a headline repeats the body's figures in fewer words
                figure.confidence -= 0.1
                figure.reasons.append("in the headline")
        found.extend(figures)
        named = [a for a in attributions if not is_pronoun(a.name)]
        if named:
            last_named = _resolve(named[-1].name, catalog)
        speech = [a for a in attributions if a.kind != "act"]
        previous_speech = (
            _resolve(speech[-1].name, catalog)
            if speech and not is_pronoun(speech[-1].name)
            else last_named
            if speech
            else None
        )
    return _once(found)


def _once(found: list[Candidate]) -> list[Candidate]:
    """A figure the text repeats (headline and body) is proposed once, where it is best attributed."""
    best: dict[tuple, Candidate] = {}
    for f in found:
        key = (f.value, f.low, f.high, f.unit)
        if key not in best or f.confidence > best[key].confidence:
            best[key] = f
    keep = {id(f) for f in best.values()}
    return [f for f in found if id(f) in keep]


def _figures(sentence: str, offset: int) -> list[Candidate]:
    out: list[Candidate] = []
    taken = 0
    for m in _FIGURE.finditer(sentence):
        if m.start() < taken:
            continue  # the second half of a range already read
        tail = _RANGE_TAIL.match(sentence, m.end())
        if tail and not _is_range(sentence, m, tail):
            tail = None
        read = _read(m, tail, sentence)
        if read is None:
            continue
        value, low, high, unit, end = read
        taken = end
        qualifier, q_start = _qualifier(sentence, m.start(), end)
        start = min(q_start, m.start())
        words = sentence[m.start() : end].strip()
        reasons = [
            f'value "{words}" '
            + ("is money" if is_currency(unit) else f"counts {unit}" if unit else "counts nothing named yet")
        ]
        if low is not None:
            reasons[0] += f" (a range, {low:,.0f} to {high:,.0f})"
        out.append(
            Candidate(
                sentence[start:end].strip(),
                value,
                low,
                high,
                unit,
                qualifier,
                sentence,
                offset + start,
                offset + end,
                reasons=reasons,
            )
        )
    # A count with no noun takes the unit of the figure before it in the sentence ("1,200, while X claimed 4,000").
    kept = []
    donor: Candidate | None = None  # the last figure with a unit
    apart: list[tuple[int, int]] | None = None  # where the sentence's clauses part, found once
    for figure in out:
        if not figure.unit:
            if donor is None:
                continue  # a number that counts nothing named: not a figure
            if apart is None:
                apart = [(m.start(), m.end()) for m in _APART.finditer(sentence)]
            # Is there a ", while" or ";" between the donor and the figure?
            i = bisect_left(apart, (donor.end - offset, -1))
            if not (i < len(apart) and apart[i][1] <= figure.start - offset):
                figure.confidence -= 0.15
            figure.unit = donor.unit
            figure.reasons[0] = (
                figure.reasons[0].replace("counts nothing named yet", f"counts {donor.unit}")
                + f' (the unit of "{donor.text}" before it)'
            )
            figure.category = "_ellipsis"
        kept.append(figure)
        donor = figure
    return kept


def _is_range(sentence: str, m: re.Match, tail: re.Match) -> bool:
    """ "between A and B", "A to B" and "A-B" are ranges; "from A to B" is a change and "A and B" two figures."""
    lo = max(0, m.start() - _LOOK_BEFORE)
    joiner = tail.group("joiner").lower()
    if joiner == "and":
        return bool(_BETWEEN_BEFORE.search(sentence, lo, m.start()))
    if joiner == "to":
        return not _FROM_BEFORE.search(sentence, lo, m.start())
    return True


def _read(m: re.Match, tail: re.Match | None, sentence: str):  # -> (value, low, high, unit, end) | None
    lo = _word_before(sentence, m.start(), 10)  # "September." and the spaces after it
    if _DAY_BEFORE.search(sentence, lo, m.start()) or _NUMBER_SIGN_BEFORE.search(sentence, lo, m.start()):
        return None
    end = tail.end() if tail else m.end()
    if _NOT_FIGURE_AFTER.match(sentence, end):
        return None
    first = _amount(m, 1)
    second = _amount(tail, 2) if tail is not None else None
    if first is None or (tail is not None and second is None):
        return None  # a number too long to be a figure
    v1, c1, scaled1 = first
    if tail is None:
        if not c1 and not scaled1 and _is_year(m, 1):
            return None
        unit = c1 or _count_unit(sentence, m.start(), end)
        return v1, None, None, unit, end
    v2, c2, scaled2 = second
    if not scaled1 and scaled2:
        v1 *= _scale_of(tail, 2)
        if v1 > 1e18:
            return None
    if _is_year(m, 1) and _is_year(tail, 2):
        return None  # "2022-2023"
    unit = c1 or c2 or _count_unit(sentence, m.start(), end)
    low, high = sorted((v1, v2))
    return None, low, high, unit, end


def _word_before(sentence: str, at: int, longest: int) -> int:
    """Where to look for a word of at most `longest` characters and the spaces between it and `at`."""
    i = at
    while i > 0 and sentence[i - 1].isspace():
        i -= 1
    return max(0, i - longest)


def _amount(m: re.Match, n: int) -> tuple[float, str | None, bool] | None:
    """(value, currency, scaled) of one amount; None for a number of more than 20 digits or above 10^18."""
    number = m.group(f"num{n}")
    if len(number) - number.count(",") - number.count(".") > _MOST_DIGITS:
        return None
    words = "".join(
        filter(
            None, (m.group(f"cur{n}"), m.group(f"num{n}"), " " + m.group(f"scale{n}") if m.group(f"scale{n}") else None)
        )
    )
    try:
        value, _ = parse_amount(words.replace("US$", "$").strip())
    except ValueError_:
        return None
    code = m.group(f"cur{n}") or m.group(f"code{n}")
    currency = currency_of(code.strip()) if code else None
    return value, currency, bool(m.group(f"scale{n}"))


def _scale_of(m: re.Match, n: int) -> float:
    return parse_amount("1 " + m.group(f"scale{n}"))[0]


def _is_year(m: re.Match, n: int) -> bool:
    number = m.group(f"num{n}")
    return bool(re.fullmatch(r"(19|20)\d\d", number)) and not m.group(f"cur{n}") and not m.group(f"scale{n}")


def _count_unit(sentence: str, start: int, end: int) -> str:
    """people / items / countries from the noun the number counts: after it, or just before it."""
    after = re.findall(r"[A-Za-z][\w'’-]*", sentence[end : end + 60])[:4]
    for word in after:
        low = word.lower()
        if low in _UNIT_OF_NOUN:
            return _UNIT_OF_NOUN[low]
        if low in {
            "of",
            "in",
            "to",
            "and",
            "or",
            "at",
            "for",
            "on",
            "by",
            "from",
            "since",
            "than",
            "as",
            "were",
            "was",
            "had",
            "have",
            "has",
            "is",
            "are",
            "said",
            "according",
        }:
            break
    for word in re.findall(r"[A-Za-z][\w'’-]*", re.split(r"\d", sentence[end : end + 60])[0])[:6]:
        if word.lower() in {"killed", "wounded", "injured", "dead", "died", "captured", "missing"}:
            return "people"  # "around 70,000 are thought to have been killed"
    before = sentence[max(0, start - _NOUN_BEFORE) : start]
    clause = re.split(r"[;:]|,\s*(?:while|whereas|but)\b|\bwhile\b", before)[-1]
    if re.search(r"\d", re.sub(r"\b(?:19|20)\d\d\b", "", clause[-60:])):
        return ""  # another number stands between: the noun is that number's
    for word in reversed(re.findall(r"[A-Za-z][\w'’-]*", clause)[-7:]):
        low = word.lower()
        if low in _BEFORE_NOUN_OK:
            return _UNIT_OF_NOUN[low]
    return ""


def _qualifier(sentence: str, start: int, end: int) -> tuple[str, int]:
    before = sentence[max(0, start - 40) : start]
    m = _QUALIFIER_END.search(before)
    if m and re.search(r"\bbetween\s+$", before, re.I):
        return "exact", start - len(before) + m.start()
    after = sentence[end : end + 20]
    if re.match(r"\s*(?:\+|or more\b|-plus\b|plus\b)", after):
        return "at_least", start
    if m:
        return _QUALIFIER_PHRASES[m.group(1).lower()], start - len(before) + m.start()
    return "exact", start


# ---- claimants -------------------------------------------------------------------------------------

_CLAUSE = re.compile(r";|,\s*(?:while|whereas|but|although)\b|\s(?:while|whereas)\s")


@lru_cache(maxsize=1024)
def _clause_starts(sentence: str) -> tuple[int, ...]:
    """Where each clause after the first begins: found once per sentence, not once per figure."""
    return tuple(m.start() for m in _CLAUSE.finditer(sentence))


def _clause_of(sentence: str, position: int) -> int:
    return bisect_left(_clause_starts(sentence), position)


@dataclass
class _Speakers:
    """A sentence's attributions, by clause and position, so that each figure finds its own in log time."""

    attributions: list[Attribution]
    starts: list[int]
    by_clause: dict[int, tuple[list[int], list[int], list[Attribution]]]  # clause -> starts, ends, attributions

    @classmethod
    def of(cls, sentence: str, attributions: list[Attribution]) -> _Speakers:
        by_clause: dict[int, tuple[list[int], list[int], list[Attribution]]] = {}
        for a in attributions:  # in order of position, and they do not overlap: ends are in order too
            starts, ends, same = by_clause.setdefault(_clause_of(sentence, a.start), ([], [], []))
            starts.append(a.start)
            ends.append(a.end)
            same.append(a)
        return cls(attributions, [a.start for a in attributions], by_clause)

    def before(self, clause: int, at: int) -> Attribution | None:
        """The last attribution of the clause that ends before `at`."""
        _, ends, same = self.by_clause.get(clause, ((), (), ()))
        i = bisect_right(ends, at)
        return same[i - 1] if i else None

    def after(self, clause: int, at: int) -> Attribution | None:
        """The first attribution of the clause that starts at `at` or after it."""
        starts, _, same = self.by_clause.get(clause, ((), (), ()))
        i = bisect_left(starts, at)
        return same[i] if i < len(same) else None

    def nearest(self, at: int) -> Attribution:
        """The attribution that starts nearest `at` (the first of two as near)."""
        i = bisect_left(self.starts, at)
        if i == len(self.starts) or (i and at - self.starts[i - 1] <= self.starts[i] - at):
            return self.attributions[i - 1]
        return self.attributions[i]


def _attribute(
    figure: Candidate,
    at: int,
    sentence: str,
    attributions: list[Attribution],
    catalog: Catalog,
    previous_speech,
    last_named,
    outlet: str | None,
    speakers: _Speakers | None = None,
) -> None:  # noqa: ANN001
    speakers = speakers or _Speakers.of(sentence, attributions)
    clause = _clause_of(sentence, at)
    before, after = speakers.before(clause, at), speakers.after(clause, at)
    chosen, where, score = None, "", 0.0
    if before is not None:
        chosen, where, score = before, "in the same clause, before the figure", 0.35
    elif after is not None:
        chosen, where, score = after, "in the same clause, after the figure", 0.3
    elif attributions:
        chosen = speakers.nearest(at)
        where, score = "elsewhere in the sentence", 0.15
    if chosen is not None and is_pronoun(chosen.name):
        if last_named is None:
            chosen = None
        else:
            figure.claimant, figure.claimant_name, figure.claimant_new = last_named
            figure.confidence += score - 0.1
            figure.reasons.append(
                f'"{chosen.name} {chosen.verb}" {where}; "{chosen.name}" read as "{last_named[1]}" named before'
            )
            return
    if chosen is not None:
        figure.claimant, figure.claimant_name, figure.claimant_new = _resolve(chosen.name, catalog)
        figure.confidence += score
        phrase = f"according to {chosen.name}" if chosen.kind == "according" else f"{chosen.name} {chosen.verb}"
        matched = "matched to existing claimant" if figure.claimant_new is None else "a new claimant"
        figure.reasons.append(f'"{phrase}" {where} ({matched} {figure.claimant})')
        return
    if previous_speech is not None:
        figure.claimant, figure.claimant_name, figure.claimant_new = previous_speech
        figure.confidence += 0.1
        figure.reasons.append(f'no attribution in the sentence; "{previous_speech[1]}" speaks in the sentence before')
        return
    figure.claimant, figure.claimant_name, figure.claimant_new = outlet, "", None
    figure.confidence += 0.15
    figure.reasons.append("no attribution in this sentence or the one before: the outlet's own figure")


def _resolve(name: str, catalog: Catalog) -> tuple[str, str, dict | None]:
    """(claimant id, the name as written, None) for an existing claimant; (new id, name, proposal) otherwise."""
    known = catalog.memo.setdefault("resolve", {})
    if name not in known:  # once per name and catalog: matching a name against every claimant costs
        if len(known) > 4096:
            known.clear()
        known[name] = _resolve_anew(name, catalog)
    return known[name]


def _resolve_anew(name: str, catalog: Catalog) -> tuple[str, str, dict | None]:
    existing = catalog.claimants.match(name)
    if existing:
        return existing, name, None
    clean = re.sub(r"^(?:the|a|an)\s+", "", name.strip(), flags=re.I)
    return slug(clean), name, _new_claimant(clean)


_PARTY = re.compile(
    r"\b(?:russia|russian|russia's|ukraine|ukrainian|ukraine's|kremlin|kyiv|moscow|zelensk\w*|putin)\b", re.I
)
_COUNTRY = {
    "us": "United States",
    "american": "United States",
    "united states": "United States",
    "uk": "United Kingdom",
    "british": "United Kingdom",
    "britain": "United Kingdom",
    "french": "France",
    "france": "France",
    "german": "Germany",
    "germany": "Germany",
    "russian": "Russia",
    "russia": "Russia",
    "ukrainian": "Ukraine",
    "ukraine": "Ukraine",
    "polish": "Poland",
    "poland": "Poland",
    "norwegian": "Norway",
    "dutch": "Netherlands",
    "estonian": "Estonia",
    "european": "European Union",
}


def _new_claimant(name: str) -> dict:
    low = normalise(name)
    words = set(re.findall(r"[a-z]+", low))
    if words & {"intelligence", "agency", "agencies", "spy"}:
        kind = "intelligence"
    elif words & {"ministry", "government", "department", "office", "officials", "administration", "kremlin"}:
        kind = "government"
    elif words & {"army", "forces", "staff", "military", "command", "commander", "general"}:
        kind = "military"
    elif words & {"institute", "centre", "center", "university", "analysts", "researchers", "study", "tank"}:
        kind = "academic"
    elif words & {"nato", "un", "nations", "eu", "union", "osce"}:
        kind = "international_org"
    elif words & {"times", "journal", "post", "news", "bbc", "reuters", "newspaper", "agency", "economist", "cnn"}:
        kind = "media"
    elif words & {
        "minister",
        "president",
        "secretary",
        "chancellor",
        "spokesman",
        "spokeswoman",
        "chief",
    } or re.fullmatch(r"[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){1,2}", name):
        kind = "official"
    else:
        kind = "other"
    proposal = {"name": name, "kind": kind, "party_to_conflict": bool(_PARTY.search(name))}
    for key, country in _COUNTRY.items():
        if re.search(rf"\b{key}\b", low):
            proposal["affiliation"] = country
            proposal["party_to_conflict"] = country in ("Russia", "Ukraine")
            break
    return proposal


# ---- dates -----------------------------------------------------------------------------------------


def _relative_base(published: str | None) -> dt.datetime:
    if published:
        parts = [int(p) for p in str(published).split("-")] + [1, 1]
        return dt.datetime(parts[0], parts[1], parts[2])
    # To the minute, so that the figures and the events of one text share their dates (_dates).
    return dt.datetime.now().replace(second=0, microsecond=0)


@dataclass(frozen=True)
class _Date:
    text: str  # the words as dateparser found them, trimmed
    iso: str  # YYYY-MM-DD, YYYY-MM or YYYY, as precise as the words
    start: int
    end: int
    lead: str  # the preposition before it: "since", "through", "as of", ...


_LEADS = re.compile(
    r"\b(since|through|until|till|to|by|as of|as at|in|on|at the end of|by the end of|end of|from|"
    r"before|after|during|between)\s+(?:the\s+)?(?:(?:early|late|mid|mid-)\s*)?$",
    re.I,
)
_DATE_WORDS = re.compile(
    rf"\b(?:{_MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday)\b"
    r"|\b(?:19|20)\d\d\b",
    re.I,
)


# dateparser reads about 30 characters a millisecond: a sentence is read up to its 13th date word.
_MOST_DATE_WORDS = 12


@lru_cache(maxsize=512)
def _dates(sentence: str, base: dt.datetime) -> tuple[_Date, ...]:
    """Dates in a sentence, read by dateparser; spans that are really amounts ("$66") are dropped.
    Read once per sentence and base: the figures and the events of a text both ask."""
    words = _DATE_WORDS.finditer(sentence)
    if next(words, None) is None:
        return ()  # dateparser costs milliseconds per sentence; most sentences name no date
    read = sentence
    for count, word in enumerate(words, 2):
        if count > _MOST_DATE_WORDS:
            read = sentence[: word.start()]
            break
    from dateparser.date import DateDataParser
    from dateparser.search import search_dates

    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
    found = search_dates(read, languages=["en"], settings=settings) or []
    parser = DateDataParser(languages=["en"], settings=settings)
    out: list[_Date] = []
    cursor = 0
    for words, _ in found:
        start = sentence.find(words, cursor)
        if start < 0:
            continue
        cursor = start + len(words)
        trimmed = _trim_date(words)
        if not trimmed or not _DATE_WORDS.search(trimmed) or re.match(r"[$€£]", trimmed):
            continue
        if re.search(r"\d,\d{3}", trimmed):
            continue
        data = parser.get_date_data(trimmed)
        if data.date_obj is None:
            continue
        d = data.date_obj
        iso = {"year": f"{d.year:04d}", "month": f"{d.year:04d}-{d.month:02d}"}.get(data.period, d.date().isoformat())
        if not 1900 <= d.year <= 2100:
            continue
        lead = _LEADS.search(sentence, max(0, start - _LOOK_BEFORE), start)
        lead_word = lead.group(1).lower() if lead else ""
        if re.match(r"(?:on|in|since|by)\s", trimmed, re.I):
            lead_word, trimmed = trimmed.split()[0].lower(), trimmed.split(None, 1)[1]
            start = sentence.find(trimmed, start)
        out.append(_Date(trimmed, iso, start, start + len(trimmed), lead_word))
    return tuple(out)


def _trim_date(words: str) -> str:
    """Cut what dateparser swallows around a date: "2023 the" -> "2023", "of 5 March 2024" -> "5 March 2024"."""
    words = re.sub(r"^(?:of|the|at)\s+", "", words.strip(), flags=re.I)
    tokens = words.split()
    while tokens and not _DATE_WORDS.search(tokens[-1]) and not re.fullmatch(r"\d{1,2},?", tokens[-1]):
        tokens.pop()
    return " ".join(tokens)


def _date(figure: Candidate, at: int, sentence: str, dates: list[_Date], published: str | None) -> None:
    clause = _clause_of(sentence, at)
    for d in dates:
        if d.lead == "since" and _clause_of(sentence, d.start) == clause:
            figure.since = d.iso
            figure.reasons.append(f'"since {d.text}": counted since {d.iso}')
    stated = [
        d
        for d in dates
        if d.lead in ("as of", "as at", "by", "by the end of", "at the end of", "end of", "in", "on", "")
        and _clause_of(sentence, d.start) == clause
        and not (d.start <= at + len(figure.text) and d.end >= at)
    ]
    if stated:
        figure.as_of = stated[-1].iso
        figure.reasons.append(f'as_of {figure.as_of} from "{stated[-1].text}" in the sentence')
    elif published:
        figure.as_of = str(published)
    else:
        figure.as_of = None


# ---- metrics ---------------------------------------------------------------------------------------

_CATEGORY_WORDS = [
    (
        "casualties",
        r"\bcasualties\b|killed (?:and|or) (?:wounded|injured)|killed,? wounded|dead (?:and|or) wounded|"
        r"\blosses\b|\blost\b",
    ),
    ("deaths", r"\bkilled\b|\bdead\b|\bdeaths?\b|\bdied\b|death toll|fatalities|lives"),
    ("aid", r"\baid\b|assistance|support|package|funding|funds|weapons|arms|loan|grant|donat|pledg"),
    ("equipment-losses", r"destroyed|lost|losses"),
    ("coalition", r"coalition|contact group|alliance|members"),
]
_SUBJECTS = {
    "north korea": r"north korea(?:n|ns)?\b",
    "russia": r"\brussia(?:n|ns|'s|’s)?\b|\bkremlin\b|\bmoscow\b",
    "ukraine": r"\bukrain(?:e|ian|ians|e's|e’s)\b|\bkyiv\b",
    "united states": r"\bu\.\s?s\.|\bus\b|\bamerica|washington|pentagon|united states",
    "partners": r"\bpartners\b|\ballies\b|\beurope(?:an)?\b",
}


def _classify(
    figure: Candidate, at: int, sentence: str, context: str, catalog: Catalog, low: str | None = None
) -> None:
    """Category, aggregation, stage and the metric: an existing one that fits, else a proposal.

    `low` is the sentence in lowercase (made once per sentence). What is read from a clause is
    remembered per clause, and what is read from the catalog per unit and category: a sentence
    with many figures costs its length once, not once per figure."""
    if figure.category == "_ellipsis":
        figure.category = None
        return  # takes all of these from the figure before it (_inherit_ellipsis)
    low = sentence.lower() if low is None else low
    clause = _clause_text(low, at)
    money = is_currency(figure.unit)
    figure.category = _category(clause, low, money, figure.unit)
    level, cumulative, increment = _aggregation_words(clause)
    if level:
        figure.aggregation = "level"
    elif figure.since or cumulative:
        figure.aggregation = "cumulative"
    elif money and increment:
        figure.aggregation = "increment"
    elif figure.unit == "countries":
        figure.aggregation = "level"
    else:
        figure.aggregation = "cumulative" if figure.category in ("deaths", "casualties") else "increment"
    measure, where = aid_measure(clause, context.lower()) if figure.category == "aid" and money else (None, "")
    if measure == "total":
        figure.aggregation = "cumulative"  # "more than $175 billion in aid" sums packages, it is none of them
    if figure.category == "aid" and figure.aggregation == "increment":
        figure.stage = _stage(clause)
    subject = _subject(clause, figure.category)
    fitting, spread = _fitting(catalog, figure.unit, figure.category)
    in_clause, near = _word_starts(clause), _word_starts_lowered(context)
    military = figure.category == "aid" and _says_military(low)
    best, best_score = None, 0.0
    for metric_id, m, terms, their, military_label in fitting:
        score = 1.0 if m["aggregation"] == figure.aggregation else -1.0
        if subject and subject in their:
            score += 2.0 if (m["subject"] or "").lower().startswith(subject) or len(their) == 1 else 1.0
        elif subject and their:
            score -= 2.0
        score += sum((1.0 if t in in_clause else 0.4 if t in near else 0.0) / spread[t] for t in terms)
        # Aid "to Ukraine's defense" is military aid: the sentence's kind of aid against the label's.
        if military and military_label:
            score += 1.0
        # The measure's cue outweighs shared words: "security assistance" is in USAI's name and in
        # every drawdown announcement, "drawdown" or "contracts" is in only one of them.
        if measure in _MEASURE_LABEL:
            label = m["label"].lower()
            score += 3.0 if _MEASURE_LABEL[measure].search(label) else -3.0 if _any_measure(label) else 0.0
        if score > best_score:
            best, best_score = metric_id, score
    if best is not None and best_score >= 2.5:
        figure.metric = best
        figure.confidence += 0.1
        figure.reasons.append(f"metric {best}: same unit and category, words fit its label")
        _doubt_measure(figure, measure, where, catalog.metrics[best]["label"].lower())
        return
    figure.metric = slug(f"{subject or 'unknown'} {_CATEGORY_LABEL.get(figure.category or '', 'figure')}")
    figure.metric_new = _new_metric(figure, subject)
    figure.reasons.append(f"no existing metric fits: proposed {figure.metric}")


# Which US aid measure a figure is: the one rule for `factdash extract` and Check a figure (which
# reads figures through extract_figures). A drawdown (PDA) ships from US stocks; USAI pays for
# contracts, future production; a total adds up packages over months or years.
_MEASURE_CUES = {
    "drawdown": re.compile(
        r"\bdrawdowns?\b|\bpda\b|\bfrom (?:u\.?s\.? |american |existing |pentagon |its own )?"
        r"(?:military )?(?:stocks|stockpiles|inventor(?:y|ies))\b"
    ),
    "usai": re.compile(
        r"\busai\b|security assistance initiative|\bcontracts?\b|\bprocure(?:ment|s|d)?\b|"
        r"\bfuture production\b|\bfrom (?:the )?(?:defen[cs]e )?industry\b"
    ),
    "total": re.compile(
        r"\bin total\b|\bso far\b|\bto date\b|\ball told\b|\bcumulative|\baltogether\b|"
        r"\bsince (?:(?:february |january )?20[12]\d|the (?:start|beginning)|the (?:full-scale )?invasion)\b|"
        r"\b(?:more than|over|nearly|about|some) (?:\$|us\$)?[\d.,]+ ?(?:billion|bn)(?: dollars)? (?:in|of) "
        r"(?:\w+ )?(?:aid|assistance|support)\b"
    ),
}
# Which metric labels belong to a measure (the fact base's words for them).
_MEASURE_LABEL = {
    "drawdown": re.compile(r"\bdrawdown\b|\(pda\)"),
    "usai": re.compile(r"\busai\b|security assistance initiative"),
}


def _any_measure(label: str) -> bool:
    return any(rx.search(label) for rx in _MEASURE_LABEL.values())


@functools.lru_cache(maxsize=256)
def _cues(text: str) -> tuple[str, ...]:
    """The measures whose cues `text` holds. Cached: every figure of a sentence searches the same
    clause and neighbours, and a 10 KB sentence of figures would otherwise be read once per figure."""
    return tuple(k for k, rx in _MEASURE_CUES.items() if rx.search(text))


def aid_measure(clause: str, context: str = "") -> tuple[str | None, str]:
    """The measure of a figure of US aid, from lowercase words: ("drawdown" | "usai" | "total" |
    "conflict" | None, where the cue was: "clause" | "context" | ""). A total's words win in its
    clause ("of the $175 billion, $500 million is a drawdown" is a clause each); two package kinds
    in one clause are a conflict; the neighbouring sentences tell only when the clause is silent."""
    found = _cues(clause)
    if "total" in found:
        return "total", "clause"
    if len(found) == 2:
        return "conflict", "clause"
    if found:
        return found[0], "clause"
    near = [k for k in ("drawdown", "usai") if k in _cues(context)]
    if len(near) == 1:
        return near[0], "context"
    return ("conflict", "context") if near else (None, "")


def _doubt_measure(figure: Candidate, measure: str | None, where: str, label: str) -> None:
    """Confidence that says how the measure was told: high only for a cue in the figure's clause."""
    if not _any_measure(label):
        return
    if measure == "conflict":
        figure.confidence -= 0.3
        figure.reasons.append(f"drawdown and USAI cues both {'in the clause' if where == 'clause' else 'nearby'}")
    elif where == "context":
        figure.confidence -= 0.25
        figure.reasons.append(f"{measure} told by a neighbouring sentence, not the figure's clause")
    elif measure is None:
        figure.confidence -= 0.3
        figure.reasons.append("no drawdown, USAI or total cue near the figure: its measure is a guess")


_STOPWORDS = set(
    """with without since february from that this they their them have been when which into under
    only also each both more than other those these whose while after before does what where date fact facts figure
    figures counted count counts stated state states united ukraine russia soldiers forces full scale
    thousand million billion trillion""".split()
)


_MILITARY = re.compile(r"\b(?:military|defen[cs]e|weapons?|arms|security assistance)\b")
_MILITARY_AID = re.compile(r"\b(?:military aid|security assistance)\b")  # a label of that kind of aid


def _terms(text: str) -> set[str]:
    # An id named in a definition ("part of soldier-casualties-north-korea") is a reference, not its words.
    words = _ID_IN_TEXT.sub(" ", text.lower())
    return {w[:7] for w in re.findall(r"[a-z]{4,}", words) if w not in _STOPWORDS}


_ID_IN_TEXT = re.compile(r"\b[a-z0-9]+(?:[-_.][a-z0-9]+){2,}\b")


def _fitting(catalog: Catalog, unit: str, category: str | None) -> tuple[list[tuple], dict[str, int]]:
    """The metrics of `unit` and `category`, each as (id, metric, its terms, the subjects its words name,
    whether its label is military aid), and in how many of them each term occurs; once per catalog."""
    key = ("fitting", unit, category)
    if key not in catalog.memo:
        fitting = {k: m for k, m in catalog.metrics.items() if m["unit"] == unit and m["category"] == category}
        # Words of a metric's label and definition, weighed by how few of the fitting metrics share them:
        # "drawdown" tells two US aid metrics apart, "assistance" does not.
        vocab = {k: _terms(" ".join(filter(None, (m["label"], m["definition"])))) for k, m in fitting.items()}
        spread: dict[str, int] = {}
        for terms in vocab.values():
            for t in terms:
                spread[t] = spread.get(t, 0) + 1
        rows = [
            (
                k,
                m,
                vocab[k],
                {s for s, rx in _SUBJECTS.items() if re.search(rx, (m["subject"] or m["label"]).lower())},
                bool(_MILITARY_AID.search(m["label"].lower())),
            )
            for k, m in fitting.items()
        ]
        catalog.memo[key] = (rows, spread)
    return catalog.memo[key]


@lru_cache(maxsize=1024)
def _word_starts(text: str) -> frozenset[str]:
    """The first 4 to 7 characters of every word of `text`: a term (the first 7 letters of a word, or
    fewer) is in the text, as a regex \\b{term} finds it, when it is one of these."""
    return frozenset(w[:k] for w in re.findall(r"\w+", text) for k in range(4, min(len(w), 7) + 1))


@lru_cache(maxsize=256)
def _word_starts_lowered(text: str) -> frozenset[str]:
    return _word_starts(text.lower())


@lru_cache(maxsize=256)
def _says_military(low_sentence: str) -> bool:
    return bool(_MILITARY.search(low_sentence))


@lru_cache(maxsize=1024)
def _aggregation_words(clause: str) -> tuple[bool, bool, bool]:
    """Whether a clause says a level ("remaining"), a running total ("since", "so far") or an
    increment of money ("new", "package")."""
    return (
        bool(re.search(r"\b(?:remain(?:s|ing)?|left|unused|future|available)\b", clause)),
        bool(
            re.search(
                r"\bsince\b|\bin total\b|\bso far\b|\bto date\b|\bcumulative|\ball told\b|"
                r"\bsince the (?:start|beginning)\b|\bthe war\b|\binvasion\b|"
                # "has given Ukraine $175 billion": what someone has given so far is a running total
                r"\b(?:has|have)(?: \w+)? (?:given|provided|sent|spent|delivered|committed|allocated|received)\b",
                clause,
            )
        ),
        bool(re.search(r"\b(?:additional|new|package|announced|pledged|tranche|latest|final|last)\b", clause)),
    )


_CATEGORY_LABEL = {
    "deaths": "soldiers killed",
    "casualties": "soldiers killed and wounded",
    "aid": "military aid",
    "equipment-losses": "equipment lost",
    "coalition": "coalition members",
}


def _clause_text(low_sentence: str, at: int) -> str:
    at = max(at, 0)
    if at >= len(low_sentence):
        return low_sentence
    starts = _clause_starts(low_sentence)
    i = bisect_right(starts, at)
    return low_sentence[starts[i - 1] if i else 0 : starts[i] if i < len(starts) else len(low_sentence)]


@lru_cache(maxsize=1024)
def _category(clause: str, sentence: str, money: bool, unit: str) -> str:
    if money:
        return "aid"  # the fact base's only money category; war spending and the like are the curator's to re-file
    if unit == "countries":
        return "coalition"
    if unit == "items":
        return "equipment-losses"
    for name, rx in _CATEGORY_WORDS[:2]:
        if re.search(rx, clause):
            return name
    for name, rx in _CATEGORY_WORDS[:2]:
        if re.search(rx, sentence):
            return name
    return "people"


@lru_cache(maxsize=1024)
def _subject(clause: str, category: str | None) -> str | None:
    """Whose soldiers or whose aid: the country named nearest in the clause."""
    hits = []
    for name, rx in _SUBJECTS.items():
        for m in re.finditer(rx, clause):
            hits.append((m.start(), name))
    if category == "aid":
        giver = [h for h in hits if h[1] != "ukraine"]
        return min(giver)[1] if giver else None
    losers = [h for h in hits if h[1] != "united states" and h[1] != "partners"]
    return min(losers)[1] if losers else None


@lru_cache(maxsize=1024)
def _stage(clause: str) -> str | None:
    for stage, rx in (
        ("delivered", r"\bdeliver(?:ed|ies)\b|\bsent\b|\bshipped\b|\barrived\b"),
        ("disbursed", r"\bdisbursed\b|\bpaid\b"),
        ("committed", r"\bcommitted\b|\bpledged\b|\bcontract"),
        ("announced", r"\bannounc\w*|\bunveil\w*"),
        ("allocated", r"\ballocated\b|\bearmarked\b"),
    ):
        if re.search(rx, clause):
            return stage
    return None


def _new_metric(figure: Candidate, subject: str | None) -> dict:
    who = (subject or "").title().replace("Of", "of")
    category = figure.category or "figure"
    label = {
        "deaths": f"{who} soldiers killed",
        "casualties": f"{who} soldiers killed and wounded",
        "aid": f"{who} military aid to Ukraine",
        "equipment-losses": f"{who} equipment lost",
        "coalition": "Countries in the coalition",
    }.get(category, f"{who} {category}").strip()
    proposal = {
        "label": label or "Unnamed figure",
        "unit": figure.unit,
        "category": category,
        "aggregation": figure.aggregation or "level",
    }
    if figure.since and proposal["aggregation"] == "cumulative":
        proposal["since"] = figure.since
    if subject:
        proposal["subject"] = who if category == "aid" else f"{who} forces"
    return proposal


def _inherit_ellipsis(figures: list[Candidate]) -> None:
    for i, figure in enumerate(figures):
        if figure.category is None and figure.metric is None and i:
            donor = figures[i - 1]
            for name in ("metric", "metric_new", "category", "aggregation", "since"):
                setattr(figure, name, getattr(donor, name))
            if figure.as_of is None:
                figure.as_of = donor.as_of
            figure.reasons.append(f'metric {figure.metric} as for "{donor.text}" in the same sentence')


# ---- events -----------------------------------------------------------------------------------------

_EVENT = re.compile(
    r"\b(meeting|summit|talks|conference|offensive|counteroffensive|counter-offensive|invasion|"
    r"ceasefire|truce|agreement|accord|treaty|election|visit|referendum|mobili[sz]ation|"
    r"committed to|commits to|pledged to|launch(?:es|ed)?|signed|began|begins|started|starts)\b",
    re.I,
)
_NOW = re.compile(
    r"\b(recent|recently|this week|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"today|yesterday|launches|begins|starts|opens|is launching|are meeting|met)\b",
    re.I,
)
_HORIZON = re.compile(r"\b(?:through|until|till|to the end of|by the end of|by)\s+((?:19|20)\d\d)\b", re.I)


def extract_events(text: str, published: str | None = None) -> list[Event]:
    """Dated happenings: a sentence with an event word and either a date or a word that puts it at
    the time of the report ("recent", "launches"); those get the publication date."""
    base = _relative_base(published)
    read = _ascii_digits(text)  # the same offsets; events keep the words as written
    out = []
    for offset, sentence in split_sentences(read):
        trigger = _EVENT.search(sentence)
        if not trigger:
            continue
        horizon = _HORIZON.search(sentence)
        dates = [d for d in _dates(sentence, base) if d.lead not in ("since",)]
        dates = [d for d in dates if not (horizon and d.text == horizon.group(1))]
        now = _NOW.search(sentence)
        if horizon:
            date, why = published, f'"{horizon.group(0)}": a commitment with a horizon, dated the day it was stated'
        elif dates and abs(dates[0].start - trigger.start()) < 80:
            date, why = dates[0].iso, f'"{trigger.group(0)}" dated by "{dates[0].text}"'
        elif now:
            date, why = published, f'"{trigger.group(0)}" at the time of the report ("{now.group(0)}")'
        else:
            continue
        if not date:
            date = dt.date.today().isoformat()
            why += "; no publication date given: today's date, correct it"
        written = sentence if read is text else text[offset : offset + len(sentence)]
        out.append(
            Event(_event_label(written, trigger), str(date), written, [why], horizon.group(1) if horizon else None)
        )
    return out


def _event_label(sentence: str, trigger: re.Match) -> str:
    """The clause around the event word, shortened to a label."""
    parts = re.split(r",\s+(?=(?:which|who|while|facing|resulting|stating|as|with|including)\b)|;", sentence)
    at = 0
    for part in parts:
        if at <= trigger.start() < at + len(part) + 2:
            label = part.strip().rstrip(".")
            break
        at += len(part) + 2
    else:
        label = sentence
    label = re.sub(r"^(?:this support comes as|as|meanwhile,?|while)\s+", "", label, flags=re.I)
    label = label[:1].upper() + label[1:]
    return label if len(label) <= 160 else label[:157].rsplit(" ", 1)[0] + "..."


# ---- reading an article -------------------------------------------------------------------------------

# The longest article `factdash extract` reads, in bytes, unless $FACTDASH_MAX_ARTICLE_BYTES says
# otherwise: a long report is a tenth of it, and extracting 1 MB of news takes seconds.
MAX_ARTICLE_BYTES = 1_000_000


class ArticleError(Exception):
    """An article that is not read: the message says why, in one line."""


def article_limit(environ=os.environ) -> int:  # noqa: ANN001, B006 - a mapping; read when called, never changed
    """The most bytes an article may have: $FACTDASH_MAX_ARTICLE_BYTES, else MAX_ARTICLE_BYTES."""
    raw = environ.get("FACTDASH_MAX_ARTICLE_BYTES", "").strip()
    if not raw:
        return MAX_ARTICLE_BYTES
    try:
        limit = int(raw.replace("_", "").replace(",", ""))
    except ValueError:
        limit = 0
    if limit < 1:
        raise ArticleError(f"FACTDASH_MAX_ARTICLE_BYTES must be a whole number of bytes above 0, not {raw!r}")
    return limit


def _too_long(source: str, limit: int) -> ArticleError:
    return ArticleError(
        f"{source}: the article is over {limit:,} bytes, the most extract reads "
        "(set FACTDASH_MAX_ARTICLE_BYTES to read more)"
    )


def read_article(source: str, limit: int | None = None) -> str:
    """The text of a file, or of standard input for "-": UTF-8, at most `limit` bytes (article_limit()).

    Nothing longer is read: at most limit + 1 bytes, and a file that says it is longer is refused
    before it is opened. Only a regular file is read, so a FIFO, a device (/dev/zero) or a folder
    is refused at once instead of hanging or filling memory. Raises ArticleError."""
    limit = article_limit() if limit is None else limit
    if source == "-":
        data = sys.stdin.buffer.read(limit + 1)
    else:
        try:
            # Non-blocking, so that opening a FIFO with no writer returns at once; fstat then refuses it.
            fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        except OSError as err:
            raise ArticleError(f"cannot read {source}: {err.strerror or err}") from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise ArticleError(f"cannot read {source}: not a regular file (give a text file, or - for stdin)")
            if info.st_size > limit:
                raise _too_long(source, limit)  # unread
            chunks, size = [], 0
            while size <= limit:  # a file that grows as it is read stops at limit + 1 bytes too
                chunk = os.read(fd, min(1 << 20, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            data = b"".join(chunks)
        except OSError as err:
            raise ArticleError(f"cannot read {source}: {err.strerror or err}") from None
        finally:
            os.close(fd)
    if len(data) > limit:
        raise _too_long(source, limit)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ArticleError(f"cannot read {source}: not UTF-8 ({err.reason} at byte {err.start})") from None
    # As a file read in text mode: "\r\n" and "\r" end lines as "\n" (standard input is read as given).
    return text if source == "-" else text.replace("\r\n", "\n").replace("\r", "\n")


# ---- the proposal: one YAML document in the fact-file schema ------------------------------------------


def propose(
    text: str, catalog: Catalog | None = None, source_url: str | None = None, published: str | None = None
) -> str:
    """The candidates of `text` as YAML with the top-level keys of a fact file (no schema_version),
    each fact preceded by comments saying how sure the guess is and why. Writes nothing."""
    catalog = catalog or Catalog.empty()
    source_id, source = _source(text, source_url, published)
    outlet_id, outlet_new = _outlet(source_id, source, source_url, catalog)
    figures = extract_figures(text, catalog, published=published, outlet=outlet_id)
    events = extract_events(text, published)
    claimants: dict[str, dict] = {}
    if outlet_new and any(f.claimant == outlet_id for f in figures):
        claimants[outlet_id] = outlet_new
    metrics: dict[str, dict] = {}
    for f in figures:
        if f.claimant_new is not None:
            claimants.setdefault(f.claimant, f.claimant_new)
        if f.metric_new is not None:
            metrics.setdefault(f.metric, f.metric_new)
    lines = [
        "# Candidate facts proposed by `factdash extract`: review every one before adding it.",
        f"# {len(figures)} figure{'s' if len(figures) != 1 else ''} and {len(events)} dated "
        f"event{'s' if len(events) != 1 else ''} found. Confidence and reasons are in the comments.",
        "sources:",
        f"  {source_id}:",
    ]
    lines += _mapping(source, 4)
    lines.append("claimants:" + ("" if claimants else " {}"))
    for claimant_id, proposal in claimants.items():
        lines += ["  # new claimant: no existing claimant's name or alias matches", f"  {claimant_id}:"]
        lines += _mapping(proposal, 4)
    lines.append("metrics:" + ("" if metrics else " {}"))
    for metric_id, proposal in metrics.items():
        lines += ["  # new metric: no existing metric of this unit and category fits", f"  {metric_id}:"]
        lines += _mapping(proposal, 4)
    lines.append("facts:" + ("" if figures else " []"))
    used: dict[str, int] = {}
    for f in figures:
        as_of = f.as_of or dt.date.today().isoformat()
        fact_id = _unique(slug(f"{f.metric} {f.claimant or 'outlet'} {as_of[:7]}", 180), used)
        reasons = "; ".join(f.reasons)
        lines.append(f"  # confidence: {f.sure} ({min(f.confidence, 1.0):.2f}): {_comment(reasons)}")
        if not f.as_of:
            lines.append("  # as_of: no --published date and no date in the sentence: today's date, correct it")
        fact: dict = {"id": fact_id, "metric": f.metric}
        if f.value is not None:
            fact["value"] = _number(f.value)
        else:
            fact["low"], fact["high"] = _number(f.low), _number(f.high)
        fact["qualifier"] = f.qualifier
        fact["as_of"] = as_of
        if f.since:
            fact["since"] = f.since
        fact["claimant"] = f.claimant or outlet_id
        fact["source"] = source_id
        fact["quote"] = f.sentence
        if f.stage:
            fact["stage"] = f.stage
        lines += _mapping(fact, 4, first="  - ")
    lines.append("events:" + ("" if events else " []"))
    for e in events:
        lines.append(f"  # {_comment('; '.join(e.reasons))}")
        event = {
            "id": _unique(slug(f"{slug(e.label, 60)} {e.date[:7]}", 80), used),
            "date": e.date,
            "label": e.label,
            "source": source_id,
            "note": f"From: {e.sentence}",
        }
        lines += _mapping(event, 4, first="  - ")
    return "\n".join(lines) + "\n"


def _source(text: str, url: str | None, published: str | None) -> tuple[str, dict]:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "Untitled text")
    title = first if len(first) <= 150 else split_sentences(first[: 4 * LONGEST_SENTENCE])[0][1]
    if len(title) > 150:
        title = title[:147].rsplit(" ", 1)[0] + "..."
    host = re.sub(r"^www\.", "", re.sub(r"^[a-z]+://", "", url or "").split("/")[0]) if url else ""
    source: dict = {"title": title}
    if host:
        source["publisher"] = host
        source["url"] = url
    if published:
        source["published"] = str(published)
    source["kind"] = "news"
    source["note"] = "Proposed by factdash extract: the title is the text's first line; check it and the publisher."
    words = host.rsplit(".", 1)[0] if host else " ".join(re.findall(r"[A-Za-z]+", title)[:3])
    return slug(f"{slug(words, 40)} {published or ''}", 80), source


def _outlet(source_id: str, source: dict, url: str | None, catalog: Catalog) -> tuple[str, dict | None]:
    """The claimant for figures the text states in its own voice: an existing media claimant whose name
    matches the address's host, else a new one for the outlet."""
    if url:
        host = re.sub(r"[^a-z0-9]", "", source.get("publisher", "").rsplit(".", 1)[0].lower())
        for key, claimant_id in catalog.outlets.items():
            if key and host and (key == host or key in host):
                return claimant_id, None
    name = f"Outlet of {source.get('publisher') or 'the text'} (unattributed figures)"
    return f"{source_id}-outlet", {
        "name": name,
        "kind": "media",
        "party_to_conflict": False,
        "note": "Claimant for figures the text states in its own voice.",
    }


def _unique(candidate: str, used: dict[str, int]) -> str:
    """`candidate`, else the first of candidate-2, candidate-3... not given yet. `used` holds every id
    given, each with the next number to try after it: a thousand facts of one id cost no more than one."""
    out = candidate
    if out in used:
        n = used[candidate]
        out = f"{candidate}-{n}"
        while out in used:
            n += 1
            out = f"{candidate}-{n}"
        used[candidate] = n + 1
    used.setdefault(out, 2)
    return out


def _number(value: float | None) -> int | float | None:
    return int(value) if value is not None and float(value).is_integer() else value


def _comment(text: str) -> str:
    return " ".join(text.split())


def _mapping(values: dict, indent: int, first: str | None = None) -> list[str]:
    """Block YAML for a flat mapping; strings are JSON-quoted, which YAML reads as double-quoted scalars."""
    import json

    out = []
    for i, (key, value) in enumerate(values.items()):
        if isinstance(value, bool):
            rendered = "true" if value else "false"
        elif isinstance(value, (int, float)):
            rendered = repr(value)
        elif isinstance(value, list):
            rendered = "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
        else:
            rendered = json.dumps(str(value), ensure_ascii=False)
        prefix = first if (first and i == 0) else " " * indent
        out.append(f"{prefix}{key}: {rendered}")
    return out
