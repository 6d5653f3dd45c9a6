"""Widgets every page uses: charts with their sources, fact tables with links, problem lists."""

from __future__ import annotations

import datetime as dt
import functools
import re
import weakref
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from charts.registry import ChartSpec, chart_count, view_charts
from dashboard.app.ui.state import current_view, per_view, remember
from dashboard.exports import csvout
from dashboard.exports.files import (
    FORMATS,
    MIME,
    Export,
    export_file,
    modebar_config,
    reader_path,
    served_figure,
    to_csv,
)
from dashboard.exports.images import FORMATS as IMAGE_FORMATS
from dashboard.exports.images import NO_BROWSER, images_available
from dashboard.factbase.errors import Problem
from dashboard.factbase.wording import format_value

# The CSV download (and copy to the clipboard) of Streamlit's table toolbar writes cells as they
# are: `=cmd|...` runs in a spreadsheet and a CR starts a new row there. It is switched off, and every
# table is downloaded through the one CSV writer instead (download_table below). `factdash serve`
# sets it on the server's command line; set here too, for a server started another way (it then
# holds from the second page run on: Streamlit sends the option as each run starts).
if not st.get_option("client.disableDataExport"):
    st.set_option("client.disableDataExport", True)

# ":" and "/" too: Streamlit reads :smile:, :red[...] and :material/icon: in markdown.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&:/=])")


def md(text: object) -> str:
    """Data text made inert for st.markdown: no links, no HTML, no formatting smuggled in."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)) if text is not None and text == text else ""


def conflict_label(conflict) -> str:  # noqa: ANN001 - a dashboard.conflicts.Conflict
    """How a conflict group is named in the picker and in the URL (bound widgets put labels there)."""
    ratio = f"{conflict.ratio:.1f}×" if conflict.ratio < 1e6 else "open-ended"
    return f"{conflict.metric_label} ({conflict.as_of_from:%b %Y}): {ratio}"


class ServedFigure(go.Figure):
    """A figure as st.plotly_chart sends it, its dict made once per chart. Given a Figure,
    st.plotly_chart copies and encodes it on every rerun: a fifth of the server's CPU per rerun
    with many readers (py-spy). Nothing but `to_dict` is asked of it, so the Figure itself is
    never built again."""

    def __init__(self, figure: dict) -> None:  # noqa: D107 - no Figure.__init__: see the class
        object.__setattr__(self, "_served", figure)

    def to_dict(self) -> dict:
        return self._served


_FOOTED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def footed_figure(chart: ChartSpec) -> dict:
    """served_figure(chart), made once per chart (charts live as long as their cached view)."""
    if chart not in _FOOTED:
        _FOOTED[chart] = served_figure(chart)
    return _FOOTED[chart]


def plot_chart(chart: ChartSpec, *, key: str) -> None:
    """The chart alone as the page draws it: its dict made once, the sources footer drawn in."""
    st.plotly_chart(ServedFigure(footed_figure(chart)), key=key, config=modebar_config(chart), theme="streamlit")


def show_figure(chart: ChartSpec, *, key: str) -> None:
    """Draw a chart with its "Sources: ..." caption, and buttons that download it (PNG, SVG, PDF,
    offline HTML) and the facts it draws (CSV, JSON), every file carrying its sources. A file is
    made when its button is clicked, not on every rerun; the modebar's camera saves an SVG. The
    caption is drawn into the figure (the camera's SVG carries it), not written under it again."""
    plot_chart(chart, key=key)
    can_draw = images_available()
    with st.container(horizontal=True, gap="small", key=f"downloads-{key}"):
        for fmt in FORMATS:
            needs_browser = fmt in IMAGE_FORMATS
            st.download_button(
                fmt.upper(),
                data=functools.partial(export_file, chart, fmt),
                file_name=chart.file_name(fmt),
                mime=MIME[fmt],
                key=f"{key}-{fmt}",
                on_click="ignore",
                icon=":material/download:",
                disabled=needs_browser and not can_draw,
                help=_DOWNLOAD_HELP[fmt],
            )
        from dashboard.app.ui.share import share_menu  # noqa: PLC0415 - share.py imports this module

        share_menu(chart, key=key)  # link, embed snippet and citation of this chart
    if not can_draw:
        st.caption(NO_BROWSER)


SECONDS_PER_IMAGE = 0.4  # one image in the shared Chromium, figure included (benchmarks/export.py)
BROWSER_WAITS = 170  # seconds: Streamlit's page waits 180 s for a file made on click

_DOWNLOAD_HELP = {
    "png": "The chart as a PNG image, its sources, as-of range and filter drawn under it",
    "svg": "The chart as an SVG (vector) image, its sources, as-of range and filter drawn under it",
    "pdf": "The chart as a PDF, its sources, as-of range and filter drawn under it",
    "html": "The interactive chart as one HTML file that works offline",
    "csv": "The facts this chart draws, with claimant, source, publisher, link, date and quote",
    "json": "The facts this chart draws with their provenance, the filter and the fact base's hash",
}


def export_everything(view) -> None:  # noqa: ANN001 - a dashboard.ui.state.View
    """The sidebar's "Export everything": one ZIP of every chart under the current filters in the
    chosen formats, the filtered facts as CSV, SOURCES.md and a README to reproduce it."""
    if view.base is None:
        return
    can_draw = images_available()
    offered = [f for f in FORMATS if can_draw or f not in IMAGE_FORMATS]
    with st.sidebar.expander("Export everything", icon=":material/folder_zip:"):
        chosen = st.multiselect(
            "Formats",
            offered,
            default=[f for f in ("png", "csv") if f in offered],
            key="export-formats",
            format_func=str.upper,
        )
        charts = per_view(view, "chart_count", lambda: chart_count(view.facts, base=view.base))
        drawn = charts * sum(f in IMAGE_FORMATS for f in chosen)
        files = view.base.files
        # Made on "Make ZIP", in this script run, so st.progress can show each file as it is made
        # (a download_button's on-click file shows nothing until it is done); then downloaded.
        facts_path = Path(files[0]).name if files else ""  # the README names the file, not the server's path
        wanted = (view.base.content_hash or id(view.base), repr(view.filters), tuple(chosen), facts_path)
        if st.button("Make ZIP", key="export-make", icon=":material/folder_zip:", disabled=not chosen):
            bar = st.progress(0.0, text=MAKING_ZIP)
            made = _everything(
                view.base,
                view.filters,
                tuple(chosen),
                facts_path,
                progress=lambda done, total, name: bar.progress(done / total, text=f"{done:,} of {total:,}: {name}"),
            )
            st.session_state[_ZIP_KEY] = (wanted, made)
        kept = st.session_state.get(_ZIP_KEY)
        if kept is not None and kept[0] == wanted:  # a ZIP of another filter or formats is not offered
            st.download_button(
                "Download ZIP",
                data=kept[1],
                file_name=f"factdash-export_{dt.date.today():%Y-%m-%d}.zip",
                mime=MIME["zip"],
                key="export-zip",
                on_click="ignore",
                icon=":material/download:",
            )
        st.caption(
            f"Every chart under the current filters ({charts:,}), the filtered facts as CSV, SOURCES.md "
            "with full citations, and README.txt with the filter and the fact base's content hash; "
            "in folders by kind (png/, csv/...)."
        )
        if drawn * SECONDS_PER_IMAGE > BROWSER_WAITS:
            st.caption(
                f":material/warning: {drawn:,} images take a while: "
                "narrow the filters, choose fewer image formats, or run `factdash export --all` "
                "(its options are the sidebar's filters)."
            )
        if not can_draw:
            st.caption(NO_BROWSER)


MAKING_ZIP = "Making the ZIP…"
_ZIP_KEY = "export-zip-made"  # session state: (what it was made of, the ZIP's bytes)


def _everything(base, filters, formats: tuple[str, ...], facts_path: str, progress=None) -> bytes:  # noqa: ANN001
    return Export(base, filters, view_charts(base, filters), list(formats), facts_path=facts_path).to_zip(progress)


TABLE_COLUMNS = {
    "claimant_name": "Claimant",
    "figure_number": "Figure",
    "figure": "In words",
    "as_of_text": "As of",
    "metric_label": "Metric",
    "quote": "Quote",
    "source_title": "Source",
    "publisher": "Publisher",
    "url": "Link",
    "stated": "Stated",
    "fact_id": "Fact id",
    "where": "Written at",
    "claimant_kind": "Kind of claimant",
    "party_to_conflict": "Party to the conflict",
    "facts": "Facts",
}


def table_csv(table: pd.DataFrame, labels: dict[str, str] | None = None) -> bytes:
    """A table as the CSV file its download gives: its columns headed by their labels, written by the
    one CSV writer (dashboard.exports.csvout): no cell a spreadsheet would run, numbers as numbers."""
    labels = labels or {}
    header = [labels[name] if isinstance(labels.get(name), str) else str(name) for name in table.columns]
    return csvout.frame_csv_bytes(table, list(table.columns), header=header)


def facts_csv(facts: pd.DataFrame) -> bytes:
    """Facts as a table's download gives them: the columns of a chart's CSV (figures as numbers,
    claimant, source, publisher, link, dates, quote), through the one CSV writer."""
    return to_csv(facts)


def download_table(make: Callable[[], bytes], *, key: str, file_name: str, what: str = "this table") -> None:
    """A button under a table that downloads it as CSV; the file is made when it is clicked."""
    st.download_button(
        TABLE_DOWNLOAD,
        data=make,
        file_name=file_name,
        mime=MIME["csv"],
        key=f"{key}-csv",
        on_click="ignore",
        icon=":material/download:",
        type="tertiary",
        help=f"{what[:1].upper()}{what[1:]} as a CSV file (text a spreadsheet would run begins with an apostrophe)",
    )


TABLE_DOWNLOAD = "Download as CSV"


def facts_table(
    facts: pd.DataFrame,
    *,
    key: str,
    columns: list[str] | None = None,
    height: int | str = "auto",
    download: pd.DataFrame | None = None,
):
    """Facts as a sortable table: the figure in words, the quote, and a working link to the source;
    with `download` (the facts, all pages of them), a button that downloads them as CSV."""
    # The same rows of the same fact base make the same table: built once, whoever asks.
    rows = ("facts-table", current_view().base.content_hash, tuple(facts["fact_id"].tolist()))
    table = remember(rows, lambda: _table_of(facts))
    shown = columns or [
        "claimant_name",
        "figure",
        "as_of_text",
        "metric_label",
        "quote",
        "source_title",
        "publisher",
        "url",
        "fact_id",
    ]
    if "figure" in shown and "figure_number" not in shown:
        # The figure as a number beside its words: a click on its header sorts by number, not text.
        shown = [*shown[: shown.index("figure")], "figure_number", *shown[shown.index("figure") :]]
    config = {name: TABLE_COLUMNS[name] for name in shown}
    config["figure_number"] = st.column_config.NumberColumn(
        "Figure", format="localized", help="The figure as a number: a range by its midpoint, a bound by the bound"
    )
    config["url"] = st.column_config.LinkColumn("Link", display_text="open source")
    config["quote"] = st.column_config.TextColumn("Quote", width="large")
    shown_table = st.dataframe(
        table[shown], key=key, hide_index=True, column_config=config, height=height, placeholder=""
    )
    if download is not None:
        download_table(
            functools.partial(facts_csv, download), key=key, file_name=f"{key}.csv", what=f"the {len(download):,} facts"
        )
    return shown_table


def _table_of(facts: pd.DataFrame) -> pd.DataFrame:
    top = next(iter(current_view().base.files), None)
    # Where a fact is written, relative to the top fact file's folder: never the server's own path.
    files = {f: reader_path(f, top) for f in facts["file"].dropna().unique().tolist()}
    return pd.DataFrame(
        {
            "fact_id": facts["fact_id"],
            "claimant_name": facts["claimant_name"],
            "figure_number": facts["central"],
            "figure": [
                format_value(r.value, r.unit, r.qualifier, r.low, r.high, words=True, units=False)
                for r in facts.itertuples()
            ],
            "metric_label": facts["metric_label"],
            "as_of_text": facts["as_of_text"],
            "stated": facts["stated_text"] if "stated_text" in facts else facts["stated"].dt.date,
            "quote": facts["quote"],
            "source_title": facts["source_title"],
            "publisher": facts["publisher"],
            "url": facts["url"].where(facts["url"].fillna("").str.match(r"(?i)^https?://"), None),
            "where": facts["file"].map(files).astype(str) + ":" + facts["line"].astype(str),
        }
    )


PAGE_SIZE = 500

# The orders a paged table offers, over all its facts before paging: the sort keys of each (a
# figure by its number, `central`: a range by its midpoint; a date by its start, then a day before
# the month and the year that start with it; text case-insensitively). None: the order given.
SORTS: dict[str, tuple[str, ...] | None] = {
    "Order given": None,
    "Figure": ("central",),
    "As of": ("as_of", "as_of_precision"),
    "Claimant": ("claimant_name",),
    "Metric": ("metric_label",),
    "Source": ("source_title",),
    "Publisher": ("publisher",),
    "Stated": ("stated",),
    "Fact id": ("fact_id",),
}
_PRECISION_RANK = {"day": 0, "month": 1, "year": 2}


def sort_facts(facts: pd.DataFrame, by: str | None, *, descending: bool = False) -> pd.DataFrame:
    """The facts in the order of SORTS[by] (missing values last either way, ties in the order
    given); `by` None or "Order given": as they are."""
    columns = SORTS.get(by or "Order given")
    if not columns or facts.empty:
        return facts
    keys = {}
    for name in columns:
        column = facts[name]
        if name == "as_of_precision":
            keys[name] = column.map(_PRECISION_RANK)
        elif pd.api.types.is_string_dtype(column) or column.dtype == object:
            keys[name] = column.str.casefold()
        else:
            keys[name] = column
    order = pd.DataFrame(keys, index=range(len(facts)))
    positions = order.sort_values(list(keys), ascending=not descending, kind="stable", na_position="last").index
    return facts.iloc[positions.to_numpy()]


def page_of(facts: pd.DataFrame, page: int) -> pd.DataFrame:
    """Page `page` (from 1) of PAGE_SIZE rows: of all the facts sorted, so a sort is over the whole set."""
    return facts.iloc[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]


def paged_facts_table(
    facts: pd.DataFrame, *, key: str, columns: list[str] | None = None, download: bool = False
) -> None:
    """`facts_table` 500 rows at a time (long series would otherwise be formatted and sent whole),
    sorted first over all the facts by the "Sort by" above it; with `download`, a button that
    downloads all of them in that order."""
    pages = max(1, -(-len(facts) // PAGE_SIZE))
    page_key = f"{key}-page"
    if isinstance(st.session_state.get(page_key), int) and st.session_state[page_key] > pages:
        st.session_state[page_key] = pages  # fewer facts than before: the last page there is

    def first_page() -> None:
        if page_key in st.session_state:
            st.session_state[page_key] = 1

    by_column, order_column, page_column = st.columns([2, 2, 1], vertical_alignment="bottom")
    by = by_column.selectbox("Sort by", list(SORTS), key=f"{key}-sort-by", on_change=first_page)
    order = order_column.radio(
        "Order",
        ["Descending", "Ascending"],
        key=f"{key}-sort-order",
        horizontal=True,
        on_change=first_page,
        help="Descending: largest figure, latest date, Z to A first",
        disabled=SORTS[by] is None,
    )
    page = page_column.number_input(f"Page (of {pages})", 1, pages, 1, key=page_key) if pages > 1 else 1
    ordered = sort_facts(facts, by, descending=order == "Descending")
    facts_table(
        page_of(ordered, page),
        key=key,
        columns=columns,
        download=ordered if download else None,
    )


def show_problems(problems: list[Problem], *, stale: bool) -> None:
    """Load problems as a readable list; says whether the page shows the last good data."""
    if stale:
        st.warning(
            f"The fact base has {len(problems)} problem(s); the pages show the last good version until they are fixed."
            if problems
            else "Showing the last good version of the fact base."
        )
    with st.expander(f"Problems in the fact base ({len(problems)})", expanded=True):
        st.code(
            "\n".join(str(p) for p in problems[:200])
            + (f"\n… and {len(problems) - 200} more" if len(problems) > 200 else ""),
            language=None,
        )
