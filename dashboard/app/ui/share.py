"""Share, embed, cite: the menu under every chart, and the chart alone for an embedding site.

The link to a chart is the page's address with the page's query parameters as they are (the
sidebar's filters and the page's own choices live there) and `chart=<chart id>` (as `factdash
charts` lists them: `question:<id>`, `compare:<group>`, `timeline:<metric>`, `aid:<currency>`).
With `embed=true` (Streamlit's embed mode, which hides its own toolbar and menu) the entry script
draws that chart alone: no sidebar, no navigation, no other element (main.py, `embedded_chart_id`).

The builders (`chart_link`, `embed_link`, `embed_snippet`, `citation`, `filters_from_params`) are
pure functions of their arguments; `share_menu` and `show_embedded` draw them.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import streamlit as st

from charts.registry import ChartSpec, find_chart, question_chart, timeline_chart
from dashboard.analysis.filters import PARTY_CHOICES, Filters
from dashboard.analysis.questions import questions_of
from dashboard.factbase.model import FactBase

CHART_PARAM = "chart"
EMBED_PARAM = "embed"
_RESERVED = {CHART_PARAM, EMBED_PARAM, "embed_options"}  # never copied from the page's own address
HASH_CHARS = 12
MAX_CHART_ID = 500  # characters: longer is no chart id (metrics and groups have short ids)
EMBED_HEIGHT = 600  # pixels: the iframe's height when the figure names none
_LOG_PARAMS = {"question": "question-log", "timeline": "log"}  # the pages' "Log scale" toggles


# ---- the builders -------------------------------------------------------------------------------


def _pairs(params: Mapping[str, str | Iterable[str]]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        if str(name).lower() in _RESERVED:
            continue
        values = [value] if isinstance(value, str) else list(value)
        pairs += [(str(name), str(v)) for v in values]
    return pairs


def chart_link(page_url: str | None, params: Mapping[str, str | Iterable[str]], chart_id: str) -> str:
    """The address of this chart under these filters: `page_url` (the page's address; its own query
    and fragment dropped), every parameter of `params` but chart/embed (a repeated parameter as a
    list of values; blank values kept, since a blank parameter clears a widget), then `chart`.

    An address that is not http(s) (or none) gives a link relative to the site's root."""
    parts = urlsplit(page_url or "")
    scheme, netloc, path = (
        (parts.scheme, parts.netloc, parts.path) if parts.scheme in ("http", "https") else ("", "", "")
    )
    query = urlencode([*_pairs(params), (CHART_PARAM, chart_id)])
    return urlunsplit((scheme, netloc, path or "/", query, ""))


def embed_link(link: str) -> str:
    """`link` with `embed=true` (once): the chart alone, as an embedding site shows it."""
    parts = urlsplit(link)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() != EMBED_PARAM]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode([*pairs, (EMBED_PARAM, "true")]), ""))


def embed_snippet(link: str, title: str, *, height: int = EMBED_HEIGHT) -> str:
    """An iframe a news site can paste: the chart alone (`embed_link`), every attribute escaped."""
    src = html.escape(embed_link(link), quote=True)
    name = html.escape(_one_line(title), quote=True)
    return (
        f'<iframe src="{src}" title="{name}" width="100%" height="{int(height)}" '
        'style="border:0" loading="lazy"></iframe>'
    )


def short_hash(content_hash: str) -> str:
    return str(content_hash or "")[:HASH_CHARS] or "unknown"


def citation(content_hash: str, title: str, link: str, accessed: dt.date) -> str:
    """ "factdash fact base <hash>, chart <title>, accessed <YYYY-MM-DD>, <link>": plain text."""
    return (
        f"factdash fact base {short_hash(content_hash)}, chart {_one_line(title)}, accessed {accessed:%Y-%m-%d}, {link}"
    )


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def embed_height(figure: Mapping) -> int:
    """The iframe's height: the figure's own height and room for its margins, or EMBED_HEIGHT."""
    height = (figure.get("layout") or {}).get("height")
    return int(height) + 40 if isinstance(height, (int, float)) and 100 <= height <= 4000 else EMBED_HEIGHT


def filters_from_params(params: Mapping[str, str | Iterable[str]], choices: Mapping) -> Filters:
    """The sidebar's Filters from the address, as its bound widgets read it (sidebar.py), for the
    embedded chart, which draws no sidebar: each parameter holds the option's shown label
    (a claimant's name, a source's title, "Parties to the conflict", a kind with spaces), repeated
    for several; the as-of range two ISO dates. Values that are no option are ignored, as the
    widgets ignore them; `choices` is sidebar.options_for(base)."""
    from dashboard.app.ui.sidebar import PARTY_LABELS, date_range

    def values(name: str) -> list[str]:
        value = params.get(name, [])
        return [value] if isinstance(value, str) else [str(v) for v in value]

    def chosen(name: str, options: Iterable[str], label=str) -> tuple[str, ...]:  # noqa: ANN001
        by_label = {label(option): option for option in options}
        return tuple(dict.fromkeys(by_label[v] for v in values(name) if v in by_label))

    names = choices.get("claimant_names", {})
    titles = choices.get("source_titles", {})
    party = chosen("party", PARTY_CHOICES, lambda p: PARTY_LABELS.get(p, p))
    first, last = choices["first"], choices["last"]
    dates: list[dt.date] = []
    for text in values("asof")[:2]:
        try:
            day = dt.date.fromisoformat(text.replace("/", "-"))
        except ValueError:
            dates = []
            break
        if not dt.date(1990, 1, 1) <= day <= dt.date(2100, 12, 31):  # the date field's bounds
            dates = []
            break
        dates.append(day)
    date_from, date_to = date_range(tuple(dates) if dates else (first, last), first, last)
    return Filters(
        publishers=chosen("publisher", choices["publishers"]),
        sources=chosen("source", choices["sources"], lambda s: titles.get(s, s)),
        claimants=chosen("claimant", choices["claimants"], lambda c: names.get(c, c)),
        claimant_kinds=chosen("kind", choices["kinds"], lambda k: k.replace("_", " ")),
        party=party[0] if party else "all",
        categories=chosen("category", choices["categories"]),
        date_from=date_from,
        date_to=date_to,
    )


def embedded_chart(
    base: FactBase, filters: Filters, chart_id: str, params: Mapping[str, str | Iterable[str]]
) -> ChartSpec:
    """The chart `chart_id` under `filters`, on a log scale where its page's toggle says so
    (`log`, `question-log`); ValueError when there is no such chart."""
    kind, _, rest = chart_id.partition(":")
    toggle = params.get(_LOG_PARAMS.get(kind, ""), "")
    log = (toggle if isinstance(toggle, str) else next(iter(toggle), "")).lower() == "true"
    if log and kind in _LOG_PARAMS:
        from dashboard.analysis.filters import apply_filters

        facts = apply_filters(base.facts, filters)
        if kind == "timeline":
            metrics = rest.split("+")
            if rest and set(metrics) <= set(facts["metric"].dropna()):
                return timeline_chart(base, filters, facts, metrics, log=True)
        else:
            question = next((q for q in questions_of(base) if q.id == rest), None)
            if question is not None:
                return question_chart(base, filters, facts, question, log=True)
    return find_chart(base, filters, chart_id)


# ---- in the page ------------------------------------------------------------------------------


def current_params() -> dict[str, list[str]]:
    """The page's query parameters as the browser's address holds them (repeated ones as lists)."""
    return {name: st.query_params.get_all(name) for name in st.query_params}


def share_menu(chart: ChartSpec, *, key: str) -> None:
    """The "Share" popover under a chart: its link, an embed snippet and a citation, each in a code
    box with a copy button (a code box shows its text as text: titles from the data stay inert)."""
    from dashboard.app.ui.components import footed_figure  # the figure as the page sends it (made once)

    link = chart_link(st.context.url, current_params(), chart.chart_id)
    with st.popover("Share", icon=":material/share:", help="Link to this chart, embed it, cite it"):
        st.markdown("**Link** to this chart with the current filters")
        st.code(link, language=None, wrap_lines=True)
        st.link_button(
            "Open in a new tab", link, icon=":material/open_in_new:", type="tertiary", key=f"share-{key}-open"
        )
        st.markdown("**Embed**: paste into a web page to show this chart alone")
        st.code(
            embed_snippet(link, chart.title, height=embed_height(footed_figure(chart))),
            language="html",
            wrap_lines=True,
        )
        st.caption("Another site can show it where the server runs `factdash serve --allow-embedding`.")
        st.markdown("**Cite**")
        st.code(
            citation(chart.content_hash, chart.title, link, dt.datetime.now(dt.UTC).date()),
            language=None,
            wrap_lines=True,
        )


def embedded_chart_id() -> str | None:
    """The chart asked for with `?embed=true&chart=<id>`, or None (the whole dashboard)."""
    if not st.context.is_embedded:
        return None
    chart_id = st.query_params.get(CHART_PARAM) or None
    return chart_id[:MAX_CHART_ID] if chart_id else None


def show_embedded(base: FactBase, chart_id: str) -> None:
    """The chart `chart_id` alone, under the address's filters, its sources drawn into the figure;
    an unknown chart gets one short sentence."""
    from dashboard.app.ui.components import md, plot_chart
    from dashboard.app.ui.sidebar import options_for
    from dashboard.app.ui.state import remember

    params = current_params()
    filters = filters_from_params(params, options_for(base))
    log_param = _LOG_PARAMS.get(chart_id.partition(":")[0], "")
    wanted = ("embedded", base.content_hash, filters, chart_id, tuple(params.get(log_param, ())))
    try:
        chart = remember(wanted, lambda: embedded_chart(base, filters, chart_id, params))
    except ValueError:
        shown = chart_id if len(chart_id) <= 120 else chart_id[:119] + "…"
        st.info(f"There is no chart “{md(shown)}” in this fact base under these filters.")
        return
    plot_chart(chart, key="embedded-chart")
