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
import re
from dataclasses import dataclass, field
from functools import lru_cache

from dashboard.curation.attribution import Attribution, ClaimantIndex, find_attributions, is_pronoun, normalise, slug
from dashboard.factbase.values import CURRENCIES, QUALIFIER_WORDS, currency_of, is_currency, parse_amount

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


def split_sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) for each sentence; "U.S." and other abbreviations do not end one."""
    out: list[tuple[int, str]] = []
    start = 0
    for m in _BREAK.finditer(text):
        piece = text[start : m.start()]
        last = piece.rsplit(None, 1)[-1].lower() if piece.strip() else ""
        if "\n" not in m.group() and (last in _ABBREVIATIONS or re.fullmatch(r"[a-z]\.", last)):
            continue
        _keep(out, start, piece)
        start = m.end()
    _keep(out, start, text[start:])
    return out


def _keep(out: list, start: int, piece: str) -> None:
    stripped = piece.strip()
    if stripped:
        out.append((start + piece.index(stripped), stripped))


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
_NOT_FIGURE_AFTER = re.compile(
    r"^\s*(?:%|per\s?cent|percent|pc\b|percentage|-year|years?\b|days?\b|hours?\b|weeks?\b|months?\b|km\b|"
    r"kilomet|miles?\b|metres?\b|meters?\b|mm\b|kg\b|tonnes?\b|tons?\b|degrees?\b|(?:st|nd|rd|th)\b|"
    rf"(?:{_MONTHS})\b|a\.m\.|p\.m\.|am\b|pm\b|:\d)",
    re.IGNORECASE,
)
_DAY_BEFORE = re.compile(rf"(?:{_MONTHS})\.?\s*$", re.IGNORECASE)

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
    sentences = split_sentences(text)
    base = _relative_base(published)
    found: list[Candidate] = []
    previous_speech: tuple[str | None, str, dict | None] | None = None  # (id, name, new) of the last sentence
    last_named: tuple[str | None, str, dict | None] | None = None
    for index, (offset, sentence) in enumerate(sentences):
        attributions = find_attributions(sentence)
        dates = _dates(sentence, base)
        figures = _figures(sentence, offset)
        for figure in figures:
            _attribute(
                figure, figure.start - offset, sentence, attributions, catalog, previous_speech, last_named, outlet
            )
            context = " ".join(s for _, s in sentences[max(0, index - 1) : index + 2])
            _date(figure, figure.start - offset, sentence, dates, published)
            _classify(figure, figure.start - offset, sentence, context, catalog)
        _inherit_ellipsis(figures)
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
    for i, figure in enumerate(out):
        if not figure.unit:
            donor = next((f for f in reversed(out[:i]) if f.unit), None)
            between = sentence[donor.end - offset : figure.start - offset] if donor else ""
            if donor is None:
                continue  # a number that counts nothing named: not a figure
            if not re.search(r",\s*(?:while|whereas|but|and|against)\b|;|\bwhile\b", between):
                figure.confidence -= 0.15
            figure.unit = donor.unit
            figure.reasons[0] = (
                figure.reasons[0].replace("counts nothing named yet", f"counts {donor.unit}")
                + f' (the unit of "{donor.text}" before it)'
            )
            figure.category = "_ellipsis"
        kept.append(figure)
    return kept


def _is_range(sentence: str, m: re.Match, tail: re.Match) -> bool:
    """ "between A and B", "A to B" and "A-B" are ranges; "from A to B" is a change and "A and B" two figures."""
    before = sentence[: m.start()]
    joiner = tail.group("joiner").lower()
    if joiner == "and":
        return bool(re.search(r"\bbetween\s+(?:\S+\s+){0,2}$", before, re.I))
    if joiner == "to":
        return not re.search(r"\bfrom\s+(?:\S+\s+){0,2}$", before, re.I)
    return True


def _read(m: re.Match, tail: re.Match | None, sentence: str):  # -> (value, low, high, unit, end) | None
    before = sentence[: m.start()]
    if _DAY_BEFORE.search(before) or re.search(r"[#№]\s*$|\bNo\.\s*$", before):
        return None
    end = tail.end() if tail else m.end()
    if _NOT_FIGURE_AFTER.match(sentence[end:]):
        return None
    v1, c1, scaled1 = _amount(m, 1)
    if tail is None:
        if not c1 and not scaled1 and _is_year(m, 1):
            return None
        unit = c1 or _count_unit(sentence, m.start(), end)
        return v1, None, None, unit, end
    v2, c2, scaled2 = _amount(tail, 2)
    if not scaled1 and scaled2:
        v1 *= _scale_of(tail, 2)
    if _is_year(m, 1) and _is_year(tail, 2):
        return None  # "2022-2023"
    unit = c1 or c2 or _count_unit(sentence, m.start(), end)
    low, high = sorted((v1, v2))
    return None, low, high, unit, end


def _amount(m: re.Match, n: int) -> tuple[float, str | None, bool]:
    words = "".join(
        filter(
            None, (m.group(f"cur{n}"), m.group(f"num{n}"), " " + m.group(f"scale{n}") if m.group(f"scale{n}") else None)
        )
    )
    value, _ = parse_amount(words.replace("US$", "$").strip())
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
    before = sentence[:start]
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


def _clause_of(sentence: str, position: int) -> int:
    return sum(1 for m in _CLAUSE.finditer(sentence) if m.start() < position)


def _attribute(
    figure: Candidate,
    at: int,
    sentence: str,
    attributions: list[Attribution],
    catalog: Catalog,
    previous_speech,
    last_named,
    outlet: str | None,
) -> None:  # noqa: ANN001
    clause = _clause_of(sentence, at)
    same = [a for a in attributions if _clause_of(sentence, a.start) == clause]
    before = [a for a in same if a.end <= at]
    after = [a for a in same if a.start >= at]
    chosen, where, score = None, "", 0.0
    if before:
        chosen, where, score = before[-1], "in the same clause, before the figure", 0.35
    elif after:
        chosen, where, score = after[0], "in the same clause, after the figure", 0.3
    elif attributions:
        chosen = min(attributions, key=lambda a: abs(a.start - at))
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
    return dt.datetime.now()


@dataclass
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


def _dates(sentence: str, base: dt.datetime) -> list[_Date]:
    """Dates in a sentence, read by dateparser; spans that are really amounts ("$66") are dropped."""
    if not _DATE_WORDS.search(sentence):
        return []  # dateparser costs milliseconds per sentence; most sentences name no date
    from dateparser.date import DateDataParser
    from dateparser.search import search_dates

    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
    found = search_dates(sentence, languages=["en"], settings=settings) or []
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
        lead = _LEADS.search(sentence[:start])
        lead_word = lead.group(1).lower() if lead else ""
        if re.match(r"(?:on|in|since|by)\s", trimmed, re.I):
            lead_word, trimmed = trimmed.split()[0].lower(), trimmed.split(None, 1)[1]
            start = sentence.find(trimmed, start)
        out.append(_Date(trimmed, iso, start, start + len(trimmed), lead_word))
    return out


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


def _classify(figure: Candidate, at: int, sentence: str, context: str, catalog: Catalog) -> None:
    """Category, aggregation, stage and the metric: an existing one that fits, else a proposal."""
    if figure.category == "_ellipsis":
        figure.category = None
        return  # takes all of these from the figure before it (_inherit_ellipsis)
    low = sentence.lower()
    clause = _clause_text(low, at)
    money = is_currency(figure.unit)
    figure.category = _category(clause, low, money, figure.unit)
    if re.search(r"\b(?:remain(?:s|ing)?|left|unused|future|available)\b", clause):
        figure.aggregation = "level"
    elif figure.since or re.search(
        r"\bsince\b|\bin total\b|\bso far\b|\bto date\b|\bcumulative|\ball told\b|"
        r"\bsince the (?:start|beginning)\b|\bthe war\b|\binvasion\b|"
        # "has given Ukraine $175 billion": what someone has given so far is a running total
        r"\b(?:has|have)(?: \w+)? (?:given|provided|sent|spent|delivered|committed|allocated|received)\b",
        clause,
    ):
        figure.aggregation = "cumulative"
    elif money and re.search(r"\b(?:additional|new|package|announced|pledged|tranche|latest|final|last)\b", clause):
        figure.aggregation = "increment"
    elif figure.unit == "countries":
        figure.aggregation = "level"
    else:
        figure.aggregation = "cumulative" if figure.category in ("deaths", "casualties") else "increment"
    if figure.category == "aid" and figure.aggregation == "increment":
        figure.stage = _stage(clause)
    subject = _subject(clause, figure.category, figure.claimant_name)
    fitting = {
        k: m for k, m in catalog.metrics.items() if m["unit"] == figure.unit and m["category"] == figure.category
    }
    # Words of a metric's label and definition, weighed by how few of the fitting metrics share them:
    # "drawdown" tells two US aid metrics apart, "assistance" does not.
    vocab = {k: _terms(" ".join(filter(None, (m["label"], m["definition"])))) for k, m in fitting.items()}
    spread = {}
    for terms in vocab.values():
        for t in terms:
            spread[t] = spread.get(t, 0) + 1
    near = context.lower()
    best, best_score = None, 0.0
    for metric_id, m in fitting.items():
        score = 1.0 if m["aggregation"] == figure.aggregation else -1.0
        their = {s for s, rx in _SUBJECTS.items() if re.search(rx, (m["subject"] or m["label"]).lower())}
        if subject and subject in their:
            score += 2.0 if (m["subject"] or "").lower().startswith(subject) or len(their) == 1 else 1.0
        elif subject and their:
            score -= 2.0
        score += sum(
            (1.0 if re.search(rf"\b{t}", clause) else 0.4 if re.search(rf"\b{t}", near) else 0.0) / spread[t]
            for t in vocab[metric_id]
        )
        # Aid "to Ukraine's defense" is military aid: the sentence's kind of aid against the label's.
        if figure.category == "aid" and _MILITARY.search(low) and _MILITARY_AID.search(m["label"].lower()):
            score += 1.0
        if score > best_score:
            best, best_score = metric_id, score
    if best is not None and best_score >= 2.5:
        figure.metric = best
        figure.confidence += 0.1
        figure.reasons.append(f"metric {best}: same unit and category, words fit its label")
        return
    figure.metric = slug(f"{subject or 'unknown'} {_CATEGORY_LABEL.get(figure.category or '', 'figure')}")
    figure.metric_new = _new_metric(figure, subject)
    figure.reasons.append(f"no existing metric fits: proposed {figure.metric}")


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


_CATEGORY_LABEL = {
    "deaths": "soldiers killed",
    "casualties": "soldiers killed and wounded",
    "aid": "military aid",
    "equipment-losses": "equipment lost",
    "coalition": "coalition members",
}


def _clause_text(low_sentence: str, at: int) -> str:
    bounds = [0] + [m.start() for m in _CLAUSE.finditer(low_sentence)] + [len(low_sentence)]
    for a, b in zip(bounds, bounds[1:], strict=False):
        if a <= max(at, 0) < b:
            return low_sentence[a:b]
    return low_sentence


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


def _subject(clause: str, category: str | None, claimant_name: str) -> str | None:
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
    out = []
    for _, sentence in split_sentences(text):
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
        out.append(
            Event(_event_label(sentence, trigger), str(date), sentence, [why], horizon.group(1) if horizon else None)
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
    used: set[str] = set()
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
    title = first if len(first) <= 150 else split_sentences(first)[0][1]
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


def _unique(candidate: str, used: set[str]) -> str:
    out, n = candidate, 2
    while out in used:
        out, n = f"{candidate}-{n}", n + 1
    used.add(out)
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
