"""Who states a figure: attributions in news sentences ("Austin announced", "according to the CIA") and claimant ids."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Verbs that make their subject the claimant of a figure in the same clause. Two kinds: speech and
# estimation ("said", "estimates") and an authority's own acts on its own money ("allocated",
# "pledged"): a government is the source for what it allocates. Descriptions in the outlet's voice
# ("has been a contributor, providing ...") are not attributions, so such figures stay the outlet's.
_SPEECH = (
    "said",
    "says",
    "say",
    "told",
    "tells",
    "claimed",
    "claims",
    "claim",
    "estimated",
    "estimates",
    "estimate",
    "reported",
    "reports",
    "stated",
    "states",
    "believes",
    "believe",
    "assessed",
    "assesses",
    "assess",
    "calculated",
    "calculates",
    "counted",
    "counts",
    "confirmed",
    "confirms",
    "wrote",
    "writes",
    "noted",
    "notes",
    "added",
    "put",
    "puts",
    "tallied",
    "found",
    "finds",
    "concluded",
    "concludes",
    "warned",
    "insisted",
    "insists",
    "acknowledged",
    "acknowledges",
    "suggested",
    "suggests",
    "recorded",
    "records",
    "calculate",
    "reckons",
    "reckoned",
    "thinks",
    "think",
    "has said",
    "have said",
    "had said",
    "has estimated",
    "have estimated",
    "had estimated",
    "has claimed",
    "has counted",
    "has recorded",
    "has confirmed",
    "have confirmed",
    "has reported",
    "have reported",
)
_ACTS = (
    "announced",
    "announces",
    "announce",
    "pledged",
    "pledges",
    "pledge",
    "allocated",
    "allocates",
    "committed",
    "commits",
    "approved",
    "approves",
    "unveiled",
    "unveils",
    "promised",
    "promises",
    "earmarked",
    "has allocated",
    "has announced",
    "has pledged",
    "has committed",
    "has approved",
    "have pledged",
    "have committed",
    "have allocated",
    "will provide",
    "will send",
    "is sending",
)
VERBS = {v: ("act" if v in _ACTS else "speech") for v in _SPEECH + _ACTS}
_VERB_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, VERBS), key=len, reverse=True)) + r")\b")
_ACCORDING = re.compile(r"\baccording to\s+", re.IGNORECASE)
_PRONOUNS = {"he", "she", "they", "it", "we", "i"}
# Words that may sit in a claimant's name although lowercase ("the British defence ministry").
_NAME_WORDS = {
    "of",
    "the",
    "for",
    "and",
    "'s",
    "’s",
    "ministry",
    "minister",
    "ministers",
    "officials",
    "official",
    "intelligence",
    "defence",
    "defense",
    "foreign",
    "secretary",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "chief",
    "president",
    "agency",
    "agencies",
    "department",
    "service",
    "services",
    "government",
    "staff",
    "general",
    "analysts",
    "researchers",
    "office",
    "military",
    "army",
    "forces",
    "sources",
    "estimate",
    "estimates",
    "think",
    "tank",
    "institute",
    "nations",
    "authorities",
    "commander",
    "command",
    "prime",
    "head",
    "director",
    "group",
    "project",
}
_STOP_BEFORE = {
    "that",
    "which",
    "who",
    "while",
    "but",
    "and",
    "as",
    "when",
    "where",
    "because",
    "although",
    "also",
    "has",
    "have",
    "had",
    "is",
    "was",
    "were",
    "are",
    "been",
    "in",
    "on",
    "at",
    "by",
    "to",
    "from",
}


@dataclass(frozen=True)
class Attribution:
    """A claimant named in a sentence, with the words that make it one and where they are."""

    name: str  # the words naming the claimant, as written
    verb: str  # "said", "according to", ...
    kind: str  # "speech" | "act" | "according"
    start: int  # offset of the attribution in the sentence (the verb, or "according to")
    end: int


@dataclass(frozen=True)
class ClaimantIndex:
    """Existing claimants by every name and alias, matched case- and accent-blind on word boundaries."""

    names: dict[str, str]  # normalised name -> claimant id
    pattern: re.Pattern | None

    @classmethod
    def from_claimants(cls, claimants: dict[str, list[str]]) -> ClaimantIndex:
        """`claimants`: id -> names (its name and aliases)."""
        names: dict[str, str] = {}
        for claimant_id, spellings in claimants.items():
            for spelling in spellings:
                for variant in _variants(spelling):
                    key = normalise(variant)
                    if len(key) >= 2:
                        names.setdefault(key, claimant_id)
        if not names:
            return cls({}, None)
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        return cls(names, re.compile(r"(?<![\w.])(?:" + alternatives + r")(?!\w)"))

    def match(self, text: str) -> str | None:
        """The claimant id whose longest name occurs in `text` (the words of an attribution), or None."""
        if self.pattern is None:
            return None
        found = [(len(m.group()), m.group()) for m in self.pattern.finditer(normalise(text))]
        return self.names[max(found)[1]] if found else None


def _variants(spelling: str) -> list[str]:
    """A name with and without a leading "The" and a parenthesised abbreviation: "Center for X (CSIS)"."""
    out = [spelling]
    bare = re.sub(r"\s*\(.*?\)\s*", " ", spelling).strip()
    if bare and bare != spelling:
        out.append(bare)
    for s in list(out):
        if s.lower().startswith("the "):
            out.append(s[4:])
    return out


def normalise(text: str) -> str:
    """Lowercase, no accents, "U.S." and "US" alike, single spaces: how names are compared."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"\bu\.\s?s\.(?=\s|$|[,;:'’])", "us", text)
    text = re.sub(r"\bu\.\s?k\.(?=\s|$|[,;:'’])", "uk", text)
    text = text.replace("’", "'")
    text = re.sub(r"\bbritain's\b|\bbritish\b|\bbritain\b", "uk", text)
    text = re.sub(r"\bdefense\b", "defence", text)
    return re.sub(r"\s+", " ", text).strip()


def find_attributions(sentence: str) -> list[Attribution]:
    """Every "X said" / "said X" / "according to X" in a sentence, in order of position."""
    found: list[Attribution] = []
    for m in _ACCORDING.finditer(sentence):
        name = _name_after(sentence, m.end())
        if name:
            found.append(Attribution(name, "according to", "according", m.start(), m.end()))
    for m in _VERB_RE.finditer(sentence):
        verb = m.group(1)
        name = _name_before(sentence, m.start())
        if not name and VERBS[verb] == "speech":  # inverted: '..., said the ministry.'
            i = m.start()  # the last character before the verb that is not a space
            while i and sentence[i - 1].isspace():
                i -= 1
            if not i or sentence[i - 1] in (",", '"', "”"):
                name = _name_after(sentence, m.end())
        if name:
            found.append(Attribution(name, verb, VERBS[verb], m.start(), m.end()))
    return sorted(found, key=lambda a: a.start)


_TOKEN = re.compile(r"[\w.'’-]+|[^\w\s]")
# A claimant's name is read from this many characters around its verb, never from the whole sentence
# before or after it (once per verb, that made a sentence of many verbs quadratic); no name is longer.
_NAME_WINDOW = 300


def _name_before(sentence: str, end: int) -> str:
    """The noun phrase that ends right before a verb: capitalised words and the words of office names."""
    lo = max(0, end - _NAME_WINDOW)
    tokens = [(m.start(), m.group()) for m in _TOKEN.finditer(sentence, lo, end)]
    if lo and tokens and tokens[0][0] == lo:
        tokens = tokens[1:]  # maybe the tail of a longer word
    kept: list[tuple[int, str]] = []
    for start, token in reversed(tokens):
        low = token.lower()
        if not kept and low in {
            "also",
            "recently",
            "previously",
            "later",
            "earlier",
            "now",
            "then",
            "has",
            "have",
            "had",
            "reportedly",
        }:
            continue
        if token[0].isupper() or token[0].isdigit() and kept or low in _NAME_WORDS or low.endswith(("'s", "’s")):
            # "and" joins two capitalised words of one name ("Center for Strategic and International Studies").
            if low in _STOP_BEFORE and not (low == "and" and kept and kept[-1][1][0].isupper()):
                break
            kept.append((start, token))
            continue
        break
    while kept and kept[-1][1].lower() in {"of", "for", "and", "'s"}:
        kept.pop()
    if not kept:
        return ""
    kept.reverse()
    first = kept[0][0]
    name = sentence[first:end].strip()
    return name if any(c.isalpha() for c in name) else ""


def _name_after(sentence: str, start: int) -> str:
    """The noun phrase after "according to" or an inverted "said": up to a comma, a verb or the end."""
    rest = sentence[start : start + _NAME_WINDOW]
    m = re.match(r"[^,;:.()\"“”]*?(?=,|;|:|\(|\"|“|”|\.(?:\s|$)|\s+(?:that|which|who|said|says|on|in|at)\b|$)", rest)
    name = (m.group() if m else rest).strip()
    words = name.split()
    return " ".join(words[:9]) if words and (name[0].isupper() or words[0].lower() in {"the", "a", "an"}) else ""


def is_pronoun(name: str) -> bool:
    """ "he", and also a definite description that names no one ("the ministry", "the think tank"): both
    point back to the claimant named before."""
    words = name.strip().split()
    if name.strip().lower() in _PRONOUNS:
        return True
    return len(words) > 1 and words[0].lower() == "the" and not any(w[0].isupper() for w in words[1:])


def slug(text: str, limit: int = 60) -> str:
    """An id made from words: lowercase ASCII letters and digits joined by '-'."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"\bu\.\s?s\.", "us", text)
    text = re.sub(r"'s\b|’s\b", "", text)
    words = re.findall(r"[a-z0-9]+", text)
    words = [w for w in words if w not in {"the", "a", "an", "of", "for", "and"}] or words
    out = "-".join(words)
    return out[:limit].rstrip("-") or "unnamed"
