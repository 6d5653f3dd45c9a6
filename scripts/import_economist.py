"""Convert The Economist's soldier deaths/casualties CSV into the fact file facts/economist-estimates.yaml.

Usage: python scripts/import_economist.py [--csv PATH] [--out PATH] [--check]

The output is deterministic (same CSV -> byte-identical YAML), so it can be regenerated at any
time and diffed; --check exits 1 when the file on disk is out of date. Every CSV spelling of a
claimant and every source_url that is not a URL must be known to the tables below: an unknown one
stops the import with a message instead of being guessed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import re
import sys
import unicodedata
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # a checkout that is not installed
from dashboard.imports.writer import fact_file  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CSV_RELPATH = "data/economist/soldier-deaths-casualties-estimates.csv"
OUT_RELPATH = "facts/economist-estimates.yaml"
EXPECTED_ROWS = 124
FLAG_COLUMN = "ignore for chart, data from warring parties"
DATASET_SOURCE = "economist-war-dead-estimates"
UPSTREAM = "https://github.com/TheEconomist/the-economist-ukraine-war-dead-and-wounded-estimates"
UPSTREAM_COMMIT = "978a24b"
INVASION = dt.date(2022, 2, 24)

# Claimants defined by another engineer in facts/claimants.yaml, with their party_to_conflict,
# so the warring-party check can run without that file.
SHARED_CLAIMANTS = {
    "us-dod": False,
    "us-officials": False,
    "ua-general-staff": True,
    "russia-mod": True,
    "zelenskyy": True,
    "csis": False,  # also the claimant of US aid figures (facts/us-aid-totals.yaml)
}

# CSV `source` spelling (stripped) -> claimant id. The outlet after "via" becomes the fact's source.
CLAIMANT_BY_SPELLING = {
    "Armed Forces of Ukraine": "ua-general-staff",
    "Russian Ministry of Defense": "russia-mod",
    "US DoD": "us-dod",
    "US Sec of Def": "us-dod",
    "Pentagon leak": "us-dod",
    "US officials (via NYT)": "us-officials",
    "US officials (via The Economist)": "us-officials",
    "UK MoD": "uk-mod",
    "UK Ministry of Defence": "uk-mod",
    "UK Foreign ministry": "uk-fcdo",
    "CIA": "cia",
    "US intelligence services": "us-intelligence-community",
    "CSIS": "csis",
    "The Centre for Strategic and International Studies": "csis",
    "IISS": "iiss",
    "Mediazona; Meduza": "mediazona-meduza",
    "Mediazona; Meduza (cumulative)": "mediazona-meduza",
    "Excess deaths estimate (D. Kobak)": "dmitry-kobak",
    "BBC Russia": "bbc-russian",
    "The Memory Book": "memory-book",
    "UAlosses": "ualosses",
    "Lostarmour": "lostarmour",
    "Yurii Butosov": "yurii-butosov",
    "French foreign minister": "france-foreign-minister",
    "Norwegian Defense Intelligence": "norway-intelligence-service",
    "Dutch Military Intelligence and Security Service (MIVD)": "nl-mivd",
    "Dutch Military Intelligence and Security Service (MIVD; note, timing clarified via email)": "nl-mivd",
    "NATO officials (via WP)": "nato",
    "NATO officials (via media24)": "nato",
    "NATO nations (via NYT)": "nato",
    "Western intelligence agencies (via WSJ)": "western-intelligence",
    "Ukrainian estimate (leak via WSJ)": "ua-government",
    "Office of the President of Ukraine": "ua-presidential-office",
}

NO_FLAG = "The CSV's warring-party flag is empty for all its rows."
NOT_A_PARTY = "Not a party to the conflict. " + NO_FLAG

# Claimants this file defines (aliases are filled in from CLAIMANT_BY_SPELLING).
CLAIMANTS = {
    "uk-mod": dict(
        name="UK Ministry of Defence",
        kind="government",
        affiliation="United Kingdom",
        party_to_conflict=False,
        note="Includes the Defence Intelligence figures posted by @DefenceHQ. The UK arms Ukraine but is not a "
        "belligerent: not a party to the conflict. " + NO_FLAG,
    ),
    "uk-fcdo": dict(
        name="UK Foreign, Commonwealth and Development Office",
        short_name="UK Foreign Office (FCDO)",
        kind="government",
        affiliation="United Kingdom",
        party_to_conflict=False,
        note="Appears in the CSV as 'UK Foreign ministry'. " + NOT_A_PARTY,
    ),
    "cia": dict(
        name="Central Intelligence Agency (CIA)",
        short_name="CIA",
        kind="intelligence",
        affiliation="United States",
        party_to_conflict=False,
        note=NOT_A_PARTY,
    ),
    "us-intelligence-community": dict(
        name="US Intelligence Community (ODNI)",
        short_name="US intelligence (ODNI)",
        kind="intelligence",
        affiliation="United States",
        party_to_conflict=False,
        note="The CSV's 'US intelligence services'; its figure is from the ODNI Annual Threat Assessment 2025. "
        + NOT_A_PARTY,
    ),
    "iiss": dict(
        name="International Institute for Strategic Studies (IISS)",
        short_name="IISS",
        kind="academic",
        affiliation="United Kingdom (think tank)",
        party_to_conflict=False,
        note="Think tank in London. " + NOT_A_PARTY,
    ),
    "mediazona-meduza": dict(
        name="Mediazona and Meduza",
        kind="media",
        affiliation="Independent Russian media (in exile)",
        party_to_conflict=False,
        note="Joint estimates of Russian military deaths by two independent Russian outlets; independent media, "
        "not a Russian state body, so not a party to the conflict. " + NO_FLAG,
    ),
    "dmitry-kobak": dict(
        name="Dmitry Kobak (excess-deaths estimate)",
        short_name="Dmitry Kobak",
        kind="academic",
        affiliation="Independent statistician",
        party_to_conflict=False,
        note="Excess-mortality estimate of Russian military deaths; analysis at "
        "https://github.com/dkobak/excess-mortality-war. " + NOT_A_PARTY,
    ),
    "bbc-russian": dict(
        name="BBC News Russian",
        kind="media",
        affiliation="BBC (United Kingdom)",
        party_to_conflict=False,
        note="The BBC's Russian-language service; counts Russian military deaths identified in public sources. "
        "The CSV calls it 'BBC Russia'. " + NOT_A_PARTY,
    ),
    "memory-book": dict(
        name="The Memory Book",
        kind="independent",
        affiliation="Ukraine (civic group)",
        party_to_conflict=False,
        note="A Ukrainian civic group listing fallen Ukrainian defenders; not a state body, so not treated as a "
        "party to the conflict. " + NO_FLAG,
    ),
    "ualosses": dict(
        name="UALosses",
        kind="independent",
        affiliation="Ukraine (volunteer project, ualosses.org)",
        party_to_conflict=False,
        note="Lists Ukrainian soldiers killed, by name, from public sources; not a state body, so not treated as a "
        "party to the conflict. " + NO_FLAG,
    ),
    "lostarmour": dict(
        name="LostArmour",
        kind="independent",
        affiliation="Russia (pro-war volunteer project)",
        party_to_conflict=False,
        note="A Russian open-source project that sides with Russia; not a state body, so not treated as a party "
        "to the conflict, but not neutral either. " + NO_FLAG,
    ),
    "yurii-butosov": dict(
        name="Yurii Butosov",
        kind="media",
        affiliation="Ukraine (journalist)",
        party_to_conflict=False,
        note="Ukrainian military journalist; not a state body, so not treated as a party to the conflict. " + NO_FLAG,
    ),
    "france-foreign-minister": dict(
        name="French Minister for Europe and Foreign Affairs",
        short_name="French Foreign Minister",
        kind="official",
        affiliation="France",
        party_to_conflict=False,
        note=NOT_A_PARTY,
    ),
    "norway-intelligence-service": dict(
        name="Norwegian Intelligence Service (Etterretningstjenesten)",
        short_name="Norwegian Intelligence Service",
        kind="intelligence",
        affiliation="Norway",
        party_to_conflict=False,
        note="The CSV calls it 'Norwegian Defense Intelligence'. " + NOT_A_PARTY,
    ),
    "nl-mivd": dict(
        name="Dutch Military Intelligence and Security Service (MIVD)",
        short_name="Dutch intelligence (MIVD)",
        kind="intelligence",
        affiliation="Netherlands",
        party_to_conflict=False,
        note=NOT_A_PARTY,
    ),
    "nato": dict(
        name="NATO (unnamed officials and member nations)",
        short_name="NATO (unnamed officials)",
        kind="international_org",
        affiliation="NATO",
        party_to_conflict=False,
        note="Estimates attributed to unnamed NATO officials or to 'NATO nations', reported by news outlets. "
        + NOT_A_PARTY,
    ),
    "western-intelligence": dict(
        name="Western intelligence agencies (unnamed)",
        short_name="Western intelligence (unnamed)",
        kind="intelligence",
        affiliation="Western governments (unspecified)",
        party_to_conflict=False,
        note="Unnamed agencies as reported by The Wall Street Journal. " + NOT_A_PARTY,
    ),
    "ua-government": dict(
        name="Government of Ukraine (confidential estimate)",
        short_name="Government of Ukraine",
        kind="government",
        affiliation="Ukraine",
        party_to_conflict=True,
        note="A confidential Ukrainian estimate that leaked to The Wall Street Journal. A party to the conflict, "
        "although the CSV's warring-party flag is empty for these rows.",
    ),
    "ua-presidential-office": dict(
        name="Office of the President of Ukraine",
        short_name="Ukraine's presidential office",
        kind="government",
        affiliation="Ukraine",
        party_to_conflict=True,
        note="The Office, not the President in person (that is `zelenskyy`). A party to the conflict; the CSV "
        "flags its row as from a warring party.",
    ),
}

# Fact notes for CSV spellings that carry information beyond the claimant.
SPELLING_NOTES = {
    "Pentagon leak": "From leaked US Department of Defense documents (the CSV's source: 'Pentagon leak').",
    "US Sec of Def": "Stated by the US Secretary of Defense.",
    "Mediazona; Meduza (cumulative)": (
        "The CSV labels this row '(cumulative)', unlike the other Mediazona/Meduza rows; the metric is "
        "cumulative for all of them."
    ),
    "Dutch Military Intelligence and Security Service (MIVD; note, timing clarified via email)": (
        "The CSV's source name says the timing (this fact's as_of date) was clarified by email."
    ),
    "Ukrainian estimate (leak via WSJ)": "A confidential Ukrainian estimate, leaked via The Wall Street Journal.",
}

WP_DATE = "The CSV dates this 23/04/2022, but the linked article is dated 2022-03-24 in its URL."
WSJ_DATE = "The linked WSJ article is the one the CSV uses for its 17/09/2024 rows, two months before this row's date."

# Notes on rows where the CSV disagrees with its own link or with itself; keyed by (date, source).
ROW_NOTES = {
    ("16/01/2024", "Armed Forces of Ukraine"): (
        "The figure 390,580 is the General Staff's daily count of 6 February 2024 (the linked page's date); its "
        "count for 16 January 2024 was 372,090 (PetroIvaniuk/2022-Ukraine-Russia-War-Dataset). The General "
        "Staff calls these personnel losses; The Economist files this row as casualties but its 19 July 2022 "
        "row from the same series as deaths."
    ),
    ("19/07/2022", "Armed Forces of Ukraine"): (
        "The General Staff's daily personnel-loss count; The Economist files this row as deaths but its "
        "16 January 2024 row from the same series as casualties."
    ),
    ("23/04/2022", "NATO officials (via WP)"): WP_DATE,
    ("19/11/2024", "Western intelligence agencies (via WSJ)"): WSJ_DATE,
    ("30/04/2026", "UK MoD"): "The CSV attributes this to the UK MoD; the linked page is a UK statement to the OSCE.",
    ("27/05/2026", "UK MoD"): "The CSV attributes this to the UK MoD; the linked page is GCHQ's annual lecture.",
}

UNITED24_URL = (
    "https://united24media.com/war-in-ukraine/russias-war-toll-hits-up-to-14-million-casualties-nato-says-19934"
)

# Sources whose URL-derived title misleads; url -> extra note.
SOURCE_NOTES = {
    UNITED24_URL: (
        "The address's slug reads '14 million', a decimal point lost: the figure is 1.4 million "
        "(the CSV gives 1,300,000 to 1,400,000), and the title here says so."
    ),
}
# Titles derived from a slug that would state a wrong figure: url -> the description to use instead.
SOURCE_TITLES = {UNITED24_URL: "Russia's war toll hits up to 1.4 million casualties, NATO says"}

# Rows whose source_url is text, not a URL: text -> source fields.
NON_URL_SOURCES = {
    "(new to this piece, via email from Alexandr at Meduza)": dict(
        id="meduza-email-to-the-economist",
        title="Email from Meduza to The Economist (unpublished)",
        publisher="Meduza",
        kind="other",
    ),
}

# The outlet named in "(via X)" / "(leak via X)" must be the publisher of the row's URL.
VIA_DOMAINS = {
    "NYT": "nytimes.com",
    "WSJ": "wsj.com",
    "WP": "washingtonpost.com",
    "The Economist": "economist.com",
    "media24": "united24media.com",
}

# domain (or domain/first-path-segment) -> (publisher, short id prefix, source kind, language)
PUBLISHERS = {
    "armed-services.senate.gov": ("US Senate Committee on Armed Services", "us-senate-sasc", "government", None),
    "bbc.com/russian": ("BBC News Russian", "bbc-russian", "news", "ru"),
    "bbc.com": ("BBC", "bbc", "news", None),
    "csis.org": ("Center for Strategic and International Studies (CSIS)", "csis", "report", None),
    "defense.gov": ("US Department of Defense", "us-dod", "government", None),
    "defensie.nl": ("Netherlands Ministry of Defence", "nl-defensie", "government", "nl"),
    "dni.gov": ("US Office of the Director of National Intelligence", "us-odni", "government", None),
    "economist.com": ("The Economist", "economist", "news", None),
    "etterretningstjenesten.no": ("Norwegian Intelligence Service", "no-intelligence", "government", None),
    "euromaidanpress.com": ("Euromaidan Press", "euromaidanpress", "news", None),
    "foreignaffairs.com": ("Foreign Affairs", "foreignaffairs", "news", None),
    "france24.com": ("France 24", "france24", "news", None),
    "gchq.gov.uk": ("GCHQ", "gchq", "government", None),
    "github.com": ("GitHub", "github", "other", None),
    "gov.uk": ("UK Government", "gov-uk", "government", None),
    "iiss.org": ("International Institute for Strategic Studies (IISS)", "iiss", "report", None),
    "meduza.io": ("Meduza", "meduza", "news", None),
    "mil.gov.ua": ("Ministry of Defence of Ukraine", "ua-mod", "government", "uk"),
    "msn.com": ("MSN", "msn", "news", None),
    "nytimes.com": ("The New York Times", "nyt", "news", None),
    "reuters.com": ("Reuters", "reuters", "news", None),
    "tass.com": ("TASS", "tass", "news", None),
    "twitter.com": ("X (formerly Twitter)", "x", "social", None),
    "ualosses.org": ("UALosses", "ualosses", "dataset", None),
    "ukdefencejournal.org.uk": ("UK Defence Journal", "ukdefencejournal", "news", None),
    "ukrinform.net": ("Ukrinform", "ukrinform", "news", None),
    "united24media.com": ("UNITED24 Media", "united24media", "news", None),
    "washingtonpost.com": ("The Washington Post", "wapo", "news", None),
    "wsj.com": ("The Wall Street Journal", "wsj", "news", None),
    "x.com": ("X (formerly Twitter)", "x", "social", None),
}

TRACKING_PARAMS = re.compile(r"^(utm_.*|fbclid|ocid|gclid)$")
SLUG_STOPWORDS = set(
    "a an and are as at been by for from has have in is of on over some says that the to up with".split()
)
# Slugs are lower case; restore the capitals (and apostrophes) that are unambiguous in these titles.
TITLE_WORDS = {
    word.lower().replace("'", ""): word
    for word in "CIA CSIS GCHQ NATO OSCE UK III J Austin Britain Cavoli Lloyd Putin's Russia Russia's Russian "
    "Russians Ukraine Ukraine's Ukrainian".split()
}
GENERIC_PATH_WORDS = {"articles", "analysis", "news", "www"}
METRIC_ABBREV = {"russia": "ru", "ukraine": "ua"}


class ImportProblem(Exception):
    """The CSV holds something this importer does not know how to convert faithfully."""


# --- parsing CSV cells ---------------------------------------------------------------------------


def parse_date(text: str) -> dt.date:
    """'20/07/2022' or '1/12/2025' (DD/MM/YYYY, day and month may lack a leading zero) -> date."""
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text.strip())
    if not match:
        raise ImportProblem(f"date {text!r} is not DD/MM/YYYY")
    day, month, year = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError as err:
        raise ImportProblem(f"date {text!r}: {err}") from None


def parse_number(text: str) -> int | None:
    """'140,000' or '140000' -> 140000; '' -> None. Anything else is an error, not a guess."""
    text = text.strip()
    if not text:
        return None
    if not re.fullmatch(r"\d+|\d{1,3}(,\d{3})+", text):
        raise ImportProblem(f"number {text!r} is neither plain digits nor digits with thousands separators")
    return int(text.replace(",", ""))


def split_source_url(text: str) -> tuple[str | None, str]:
    """Split a source_url cell into (http URL or None, any trailing text the CSV added)."""
    text = text.strip()
    if not re.match(r"https?://", text):
        return None, text
    url, _, rest = text.partition(" ")
    return url, rest.strip()


def split_via(spelling: str) -> str | None:
    """'US officials (via NYT)' -> 'NYT'; the outlet an estimate was reported through, if named."""
    match = re.search(r"\((?:leak )?via ([^)]+)\)$", spelling)
    return match.group(1) if match else None


# --- sources -------------------------------------------------------------------------------------


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def strip_tracking(url: str) -> str:
    """Drop tracking query parameters (fbclid, utm_*, ...): they are not part of the page's address."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def lookup_publisher(host: str, path: str) -> tuple[str, str, str, str | None]:
    host = host.removeprefix("www.")
    first_segment = path.strip("/").split("/")[0]
    for key in (f"{host}/{first_segment}", host):
        if key in PUBLISHERS:
            return PUBLISHERS[key]
    # Fall back to the registered domain, then to the bare host.
    for i in range(1, host.count(".")):
        parent = host.split(".", i)[i]
        if parent in PUBLISHERS:
            return PUBLISHERS[parent]
    return host, slugify(host), "other", None


def find_url_date(path: str) -> dt.date | None:
    """A publication date written into the URL path (/2022/08/11/, -2022-07-20, 20240503-), if any."""
    match = re.search(r"(?<!\d)(20\d\d)([/-]?)(\d\d)\2(\d\d)(?!\d)", path)
    if not match:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
    except ValueError:
        return None


def slug_tokens(path: str) -> list[str]:
    """Words of the URL's human-readable slug segment, without dates and article ids; [] if it has none."""
    segments = [unquote(s) for s in path.split("/") if s]
    candidates = segments[-1:]
    if segments and re.search(r"\d", segments[-1]):
        candidates = segments[-2:]  # the last segment is an id (e.g. MSN's 'ar-AA1vwpju'): try the one before
    for segment in reversed(candidates):
        stem = re.sub(r"\.(html?|pdf|ipynb)$", "", segment)
        stem = re.sub(r"(?<!\d)20\d\d-?\d\d-?\d\d(?!\d)", "", stem)
        tokens = [t for t in re.split(r"[-_]+", stem) if t]
        if tokens and re.fullmatch(r"\d{6,}", tokens[0]):
            tokens = tokens[1:]  # leading article number (Ukrinform)
        if tokens and (
            re.fullmatch(r"\d{5,}", tokens[-1])
            or (re.search(r"\d", tokens[-1]) and re.search(r"[a-z]", tokens[-1]) and len(tokens[-1]) >= 6)
        ):
            tokens = tokens[:-1]  # trailing article id (WSJ 'b09d04e5', UNITED24 '19934')
        if sum(t.isalpha() for t in tokens) >= 3:
            return tokens
    return []


def humanise(tokens: list[str]) -> str:
    words = [TITLE_WORDS.get(t, t) for t in tokens]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def build_url_source(url: str) -> dict:
    """A source record for an http(s) URL: publisher from the domain, title from the slug."""
    parts = urlsplit(url)
    publisher, prefix, kind, language = lookup_publisher(parts.hostname or "", parts.path)
    url_date = find_url_date(parts.path)
    notes = []
    tweet = re.fullmatch(r"/(\w+)/status/(\d+)(?:/photo/(\d+))?/?", parts.path)
    if tweet and prefix == "x":
        account, status, photo = tweet.groups()
        # X status ids are snowflakes: the top bits are milliseconds since 2010-11-04 01:42:54.657 UTC.
        posted = dt.datetime.fromtimestamp(((int(status) >> 22) + 1288834974657) / 1000, dt.UTC).date()
        title = f"Post by @{account} on X, {posted.isoformat()} (status {status}{f', photo {photo}' if photo else ''})"
        source_id = f"x-{slugify(account)}-{status}"
        author = f"@{account}"
        notes.append("Title derived from the URL; the posting date is decoded from the status id.")
    else:
        tokens = slug_tokens(parts.path)
        author = None
        if tokens:
            title = humanise(tokens)
            notes.append("Title derived from the URL.")
        else:
            title = f"{publisher}: {parts.hostname.removeprefix('www.')}{parts.path}"
            notes.append("The URL has no readable title; title is the publisher and the address.")
        words = [w for w in (slugify(t) for t in tokens) if w and w not in SLUG_STOPWORDS]
        if not words:  # no slug: use the path's own words/ids so the id stays unique
            words = [w for w in slugify(parts.path).split("-") if w and w not in GENERIC_PATH_WORDS]
        words = [w for w in words if w not in prefix.split("-")]  # 'gchq-gchq-...' -> 'gchq-...'
        id_parts = [prefix] + ([url_date.isoformat()] if url_date else []) + words[:4]
        source_id = "-".join(id_parts)
    clean = strip_tracking(url)
    if clean != url:
        notes.append("Tracking parameters removed from the URL.")
    notes += [SOURCE_NOTES[url]] if url in SOURCE_NOTES else []
    title = SOURCE_TITLES.get(url, title)
    # Every title here is made from the address, not read on the page: a description, marked so.
    source = {"title": title, "title_kind": "description", "publisher": publisher, "url": clean}
    published = posted if tweet and prefix == "x" else url_date
    if published is not None:
        source["published"] = published.isoformat()  # the day the address (or the post's id) gives
    source["kind"] = kind
    if author:
        source["author"] = author
    if language:
        source["language"] = language
    source["note"] = " ".join(notes)
    return {"id": source_id, **source}


def build_text_source(text: str) -> dict:
    """A source record without url for a source_url cell that is prose, quoting that prose."""
    if text not in NON_URL_SOURCES:
        raise ImportProblem(f"source_url {text!r} is not a URL and not in NON_URL_SOURCES; add it there")
    known = dict(NON_URL_SOURCES[text])
    source_id = known.pop("id")
    known["note"] = f"No published source; the CSV's source_url reads: {text}"
    return {"id": source_id, **known}


def dataset_source() -> dict:
    return {
        "title": "The Economist: Ukraine war dead and wounded estimates",
        "publisher": "The Economist",
        "url": UPSTREAM,
        "kind": "dataset",
        "license": "MIT",
        "note": f"Upstream commit {UPSTREAM_COMMIT}; {CSV_RELPATH} is a copy of its CSV, with its LICENCE "
        "alongside. Every fact in this file was taken from it.",
    }


# --- facts ---------------------------------------------------------------------------------------


def metric_id(kind: str, country: str) -> str:
    if kind not in ("deaths", "casualties") or country not in METRIC_ABBREV:
        raise ImportProblem(f"unknown type {kind!r} or country {country!r}")
    return f"soldier-{kind}-{country}"


def build_metrics() -> dict:
    metrics = {}
    for country, adjective in (("russia", "Russian"), ("ukraine", "Ukrainian")):
        for kind in ("deaths", "casualties"):
            what = "killed" if kind == "deaths" else "killed and wounded (casualties)"
            extra = (
                "Deaths only: the wounded are not counted."
                if kind == "deaths"
                else "Killed plus wounded; some claimants also count missing and captured."
            )
            metrics[metric_id(kind, country)] = {
                "label": f"{adjective} soldiers {what}",
                "unit": "people",
                "category": kind,
                "aggregation": "cumulative",
                "since": INVASION,
                "definition": f"Soldiers of {country.capitalize()} {what} in the full-scale invasion of Ukraine "
                f"since 24 February 2022, cumulative to the fact's as_of date. {extra} Claimants "
                "differ in whether they include irregular forces.",
                "subject": f"{adjective} forces",
            }
            if kind == "deaths":  # the killed are part of the killed and wounded
                metrics[metric_id(kind, country)]["part_of"] = metric_id("casualties", country)
    return metrics


def build_values(low: int | None, high: int | None, point: int | None) -> dict:
    """Map the CSV's estimate_low/estimate_high/estimate to value/low/high/qualifier."""
    given = [v for v in (low, point, high) if v is not None]
    if given != sorted(given):
        raise ImportProblem(f"values out of order: low={low} estimate={point} high={high}")
    if low is None and high is None:
        if point is None:
            raise ImportProblem("row has no estimate at all")
        return {"value": point}
    if low is not None and high is None and point is None:
        return {"low": low, "qualifier": "at_least"}
    if high is not None and low is None and point is None:
        return {"high": high, "qualifier": "at_most"}
    if low is not None and high is not None:
        return {**({"value": point} if point is not None else {}), "low": low, "high": high}
    raise ImportProblem(f"unhandled combination: low={low} estimate={point} high={high}")


def provenance_note(row: dict, line: int) -> str:
    cells = "; ".join(
        f"{column} '{row[column].strip()}'"
        for column in ("estimate_low", "estimate_high", "estimate")
        if row[column].strip()
    )
    return f"Economist CSV line {line}: {cells}; source '{row['source'].strip()}'."


def build_fact(row: dict, line: int, source_id: str, url_extra: str) -> dict:
    spelling = row["source"].strip()
    if spelling not in CLAIMANT_BY_SPELLING:
        raise ImportProblem(f"line {line}: source {spelling!r} is not in CLAIMANT_BY_SPELLING; add it there")
    kind, country = row["type"].strip(), row["country"].strip()
    values = build_values(*(parse_number(row[c]) for c in ("estimate_low", "estimate_high", "estimate")))
    notes = [provenance_note(row, line)]
    notes += [SPELLING_NOTES[spelling]] if spelling in SPELLING_NOTES else []
    key = (row["date"].strip(), spelling)
    notes += [ROW_NOTES[key]] if key in ROW_NOTES else []
    notes += [f"The CSV's source_url adds: {url_extra}"] if url_extra else []
    return {
        "metric": metric_id(kind, country),
        **values,
        "as_of": parse_date(row["date"]),
        "claimant": CLAIMANT_BY_SPELLING[spelling],
        "source": source_id,
        "via": DATASET_SOURCE,
        "note": " ".join(notes),
        "tags": ["economist-dataset"],
    }


def fact_id(fact: dict, taken: set[str]) -> str:
    metric = fact["metric"].removeprefix("soldier-")
    kind, country = metric.split("-")
    base = f"economist-{METRIC_ABBREV[country]}-{kind}-{fact['claimant']}-{fact['as_of'].isoformat()}"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


def check_warring_party_flags(rows_and_facts: list[tuple[dict, dict]], claimants: dict) -> None:
    """Every row The Economist flags as from a warring party must have a claimant that is a party."""
    party = {**SHARED_CLAIMANTS, **{cid: c["party_to_conflict"] for cid, c in claimants.items()}}
    for row, fact in rows_and_facts:
        if row[FLAG_COLUMN].strip().lower() == "yes" and not party[fact["claimant"]]:
            raise ImportProblem(
                f"row {row['source']!r} {row['date']} is flagged as from a warring party but "
                f"claimant {fact['claimant']!r} has party_to_conflict false"
            )


def check_via_outlet(row: dict, source: dict) -> None:
    outlet = split_via(row["source"].strip())
    if outlet is None:
        return
    host = urlsplit(source.get("url", "")).hostname or ""
    if VIA_DOMAINS.get(outlet) not in (host, host.removeprefix("www.")):
        raise ImportProblem(f"{row['source']!r} names outlet {outlet!r} but links to {host or 'no URL'}")


def convert(csv_text: str) -> dict:
    """Turn the CSV's text into the fact file's content (a dict in output order)."""
    reader = csv.DictReader(io.StringIO(csv_text, newline=""))
    rows = [(reader.line_num, row) for row in reader]
    if len(rows) != EXPECTED_ROWS:
        raise ImportProblem(f"expected {EXPECTED_ROWS} rows, found {len(rows)}")

    sources: dict[str, dict] = {}
    id_by_key: dict[str, str] = {}
    facts, rows_and_facts, fact_ids = [], [], set()
    for line, row in rows:
        url, extra = split_source_url(row["source_url"])
        record = build_url_source(url) if url else build_text_source(extra)
        key = record.get("url", extra)
        if key not in id_by_key:
            source_id = record.pop("id")
            if source_id in sources:
                raise ImportProblem(f"two sources would share the id {source_id!r}; refine the id rule")
            sources[source_id] = record
            id_by_key[key] = source_id
        source_id = id_by_key[key]
        check_via_outlet(row, sources[source_id])
        fact = build_fact(row, line, source_id, extra if url else "")
        facts.append({"id": fact_id(fact, fact_ids), **fact})
        rows_and_facts.append((row, fact))

    claimants = {}
    for claimant_id in sorted(CLAIMANTS):
        aliases = sorted(s for s, c in CLAIMANT_BY_SPELLING.items() if c == claimant_id)
        claimants[claimant_id] = {**CLAIMANTS[claimant_id], "aliases": aliases}
    check_warring_party_flags(rows_and_facts, claimants)
    unknown = {f["claimant"] for f in facts} - set(claimants) - set(SHARED_CLAIMANTS)
    if unknown:
        raise ImportProblem(f"claimants neither shared nor defined here: {sorted(unknown)}")

    return {
        "schema_version": 1,
        "title": "The Economist's estimates of soldiers killed and wounded in Russia's war on Ukraine",
        "description": f"All {EXPECTED_ROWS} published estimates of soldier deaths (killed) and casualties "
        "(killed and wounded) on both sides, compiled by The Economist, one fact per row. "
        "Deaths and casualties are separate metrics and must not share an axis.",
        "sources": {DATASET_SOURCE: dataset_source(), **dict(sorted(sources.items()))},
        "claimants": claimants,
        "metrics": build_metrics(),
        "facts": facts,
    }


# --- YAML output: the project's one writer of generated fact files, every text quoted -----------------


def render(csv_bytes: bytes) -> str:
    content = convert(csv_bytes.decode("utf-8-sig"))
    header = [
        "yaml-language-server: $schema=../facts.schema.json",
        f"Generated by scripts/import_economist.py from {CSV_RELPATH}",
        f"(sha256 {hashlib.sha256(csv_bytes).hexdigest()}). Do not edit by hand: change the script and rerun it.",
    ]
    return fact_file(header, content, quote_text=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=ROOT / CSV_RELPATH)
    parser.add_argument("--out", type=Path, default=ROOT / OUT_RELPATH)
    parser.add_argument("--check", action="store_true", help="exit 1 if --out is not up to date; write nothing")
    args = parser.parse_args(argv)
    try:
        text = render(args.csv.read_bytes())
    except ImportProblem as problem:
        print(f"{args.csv}: {problem}", file=sys.stderr)
        return 2
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else None
        if current != text:
            print(f"{args.out} is out of date; run scripts/import_economist.py", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
