"""One chart and the data behind it as files (PNG, SVG, PDF, HTML, CSV, JSON), or every chart of a
view as a folder or a ZIP with the data, the citations and a README; each file carries its sources.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import html
import io
import json
import math
import os
import re
import shlex
import stat
import textwrap
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import plotly.graph_objects as go

from charts.layout import refit_legend
from charts.marks import without_hover
from charts.provenance import CAPTION_NAME, CAPTION_OFFSET, CAPTION_WRAP, SCREEN_BOX, SCREEN_WRAP, add_caption
from charts.registry import ChartSpec, slug
from dashboard.analysis.filters import Filters, apply_filters
from dashboard.exports import csvout, images
from dashboard.factbase.model import FactBase
from dashboard.factbase.wording import format_written_date

FORMATS = ("png", "svg", "pdf", "html", "csv", "json")
DATA_FORMATS = ("html", "csv", "json")  # no browser needed
MIME = {**images.MIME, "html": "text/html", "csv": "text/csv", "json": "application/json", "zip": "application/zip"}
WIDTH = 1000  # px of an exported image; its height is the chart's own (it fits the legend and the caption)
SCALE = 2  # pixels per px in a PNG: sharp in print and on high-density screens
# The sizes an image may be asked for (`factdash export --width/--height/--scale` hold the same):
# past them Chromium draws nothing or runs out of memory (`--scale 1e308` made a 3-byte "PNG").
PIXELS = (100, 6000)
SCALES = (0.1, 8.0)
BATCH = 8  # images drawn together: enough to keep every tab busy, few enough for a lively progress bar
# The columns of a chart's data: the figures, what they count, and who says them where.
DATA_COLUMNS = [
    "fact_id",
    "metric",
    "metric_label",
    "unit",
    "value",
    "low",
    "high",
    "central",
    "qualifier",
    "interval_low",
    "interval_high",
    "as_of",
    "as_of_start",
    "as_of_end",
    "stage",
    "claimant",
    "claimant_name",
    "party_to_conflict",
    "source",
    "source_title",
    "publisher",
    "url",
    "published",
    "stated",
    "via",
    "license",
    "quote",
]
# Dates as written ("2025-01" stays a month); the period a date names is as_of_start to as_of_end.
WRITTEN_DATES = {"as_of": "as_of_text", "published": "published_text", "stated": "stated_text"}
_NOTE_NAME = "provenance"


# ---- one chart as a file ----------------------------------------------------------------------


def provenance_line(chart: ChartSpec, *, exported: dt.date | None = None, stamp: bool = True) -> str:
    """The line under the sources in an exported image: as-of range, filter, fact base, export date
    (`stamp` False: no date, for the figure a page shows, which its reader may save days later)."""
    first, last = (format_written_date(d) for d in chart.as_of_written)
    span = first if first == last else f"{first or '…'} to {last or '…'}"
    parts = [f"As of {span or '…'}", f"Filter: {chart.filters.describe()}"]
    if chart.content_hash:
        parts.append(f"factdash, fact base {chart.content_hash[:12]}")
    if stamp:
        parts.append(f"exported {exported or dt.date.today()}")
    return " · ".join(parts)


def add_footer(fig: go.Figure, chart: ChartSpec, *, stamp: bool = True, screen: bool = False) -> go.Figure:
    """The "Sources: ..." caption and the provenance line drawn under the plot; returns `fig`.
    `screen`: as the page draws it, on a screen of any width (narrow lines ending at the plot's
    right edge, provenance.SCREEN_WRAP); else as an image of WIDTH px draws it."""
    width = SCREEN_WRAP if screen else CAPTION_WRAP
    add_caption(fig, chart.caption, width=width, right=screen)
    _add_note(fig, provenance_line(chart, stamp=stamp), width=width, right=screen)
    return fig


def served_figure(chart: ChartSpec) -> dict:
    """`chart.figure_dict` with the footer drawn in, as the page sends it: the toolbar's camera
    saves what is drawn, so its SVG names the sources as the server's images do.

    The footer is drawn on an empty figure of the chart's margin and height and its annotations
    and margin copied over: validating the chart's whole figure again costs more than drawing it."""
    return _with_footer(chart.figure_dict, chart, stamp=False, screen=True)


def _with_footer(spec: dict, chart: ChartSpec, *, stamp: bool, screen: bool = False) -> dict:
    """`spec` (a figure's dict, not changed) with add_footer's footer: drawn on an empty figure of
    the chart's margin and height, its annotations (after the chart's own, an earlier caption
    left out as add_caption leaves it out), margin and height copied over; the same layout as
    add_footer on the chart's Figure, without validating the whole figure again."""
    layout = spec.get("layout", {})
    # No template: copying the default one into the probe (and out of it) was most of its cost.
    probe = go.Figure(layout={"template": {}, "margin": layout.get("margin", {}), "height": layout.get("height")})
    drawn = add_footer(probe, chart, stamp=stamp, screen=screen).layout.to_plotly_json()
    kept = [a for a in layout.get("annotations", ()) if a.get("name") != CAPTION_NAME]
    footed = {**layout, "annotations": [*kept, *drawn.get("annotations", ())]}
    footed["margin"] = drawn.get("margin", layout.get("margin", {}))
    if drawn.get("height"):
        footed["height"] = drawn["height"]
    return {**spec, "layout": footed}


def export_spec(chart: ChartSpec) -> dict:
    """The chart's figure ready to leave the dashboard, as Plotly JSON: light theme on white, the
    "Sources: ..." footer, the as-of range and the filter drawn under the plot.

    A dict because that is what Kaleido and to_html take: copying a Figure or giving it a template
    through Plotly's validators costs more than drawing it (an export draws hundreds)."""
    spec = chart.draw().to_dict()  # a fresh figure: the dashboard's cached one stays as it is
    refit_legend(spec, WIDTH)  # the room a phone's legend needs, cut to what it takes in an image
    # What fig.update_layout(paper_bgcolor="white", plot_bgcolor="white", title_pad_l=12) and
    # add_footer(fig, chart) made, set in the dict: validating the figure again cost as much.
    layout = spec.setdefault("layout", {})
    layout.update(paper_bgcolor="white", plot_bgcolor="white")
    title = layout.get("title", {})
    layout["title"] = {**title, "pad": {**title.get("pad", {}), "l": 12}}
    spec = _with_footer(spec, chart, stamp=True)
    # Streamlit's own template (the default once it is imported) leaves colours to the browser page.
    spec["layout"]["template"] = _white_template()
    return spec


_HOVER_KEYS = ("hovertext", "hovertemplate", "customdata")


def image_spec(chart: ChartSpec, *, spec: dict | None = None) -> dict:
    """export_spec without what only a pointer can show (hover texts, custom data): a static image
    looks the same, and a long series' quotes are most of the JSON Chromium would have to read.
    `spec`: the chart's export_spec when the caller has it already (it is not changed)."""
    if spec is None:
        with without_hover():  # dropped below anyway: not written at all
            spec = export_spec(chart)
    spec = dict(spec)
    spec["data"] = [{k: v for k, v in trace.items() if k not in _HOVER_KEYS} for trace in spec["data"]]
    return spec


@functools.lru_cache(maxsize=1)
def _white_template() -> dict:
    import plotly.io as pio

    return pio.templates["plotly_white"].to_plotly_json()


def export_figure(chart: ChartSpec) -> go.Figure:
    """export_spec as a Figure (to inspect it; the exporters use the dict)."""
    return go.Figure(export_spec(chart))


def _add_note(fig: go.Figure, text: str, *, width: int = CAPTION_WRAP, right: bool = False) -> None:
    """A smaller grey paragraph under the caption, growing the margin (and a fixed height) to fit;
    `width` and `right` as add_caption's."""
    caption = next((a for a in fig.layout.annotations if a.name == CAPTION_NAME), None)
    above = CAPTION_OFFSET + (16 * (caption.text.count("<br>") + 1) + 4 if caption is not None else 0)
    lines = textwrap.wrap(text, width) or [""]
    # quote=False: plotly.js decodes &lt; &gt; &amp; but would show &quot; as it is.
    fig.add_annotation(
        name=_NOTE_NAME,
        text="<br>".join(html.escape(line, quote=False) for line in lines),
        xref="paper",
        yref="paper",
        x=1 if right else 0,
        y=0,
        xanchor="right" if right else "left",
        width=SCREEN_BOX if right else None,
        yanchor="top",
        yshift=-above,
        showarrow=False,
        align="left",
        font={"size": 10, "color": "#555555"},
    )
    needed = above + 15 * len(lines) + 12
    bottom = fig.layout.margin.b if fig.layout.margin.b is not None else 0
    if needed > bottom:
        height = fig.layout.height
        fig.update_layout(margin={"b": needed}, height=height + needed - bottom if height else None)


def modebar_config(chart: ChartSpec) -> dict:
    """Plotly's own toolbar: its camera button saves an SVG named like the exports."""
    return {
        "displaylogo": False,
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
        "toImageButtonOptions": {"format": "svg", "filename": chart.stem, "scale": SCALE},
    }


def check_size(width: int | None, height: int | None, scale: float | None) -> None:
    """ValueError for an image size outside PIXELS or a scale outside SCALES (None: the default)."""
    for name, value, (low, high) in (("width", width, PIXELS), ("height", height, PIXELS), ("scale", scale, SCALES)):
        if value is not None and not low <= value <= high:  # NaN is refused too
            raise ValueError(f"image {name} must be from {low:g} to {high:g}, got {value!r}")


def to_image(
    chart: ChartSpec, fmt: str, *, width: int | None = WIDTH, height: int | None = None, scale: float | None = SCALE
) -> bytes:
    """PNG, SVG or PDF bytes of the exported figure (images.ImagesUnavailable without a browser)."""
    check_size(width, height, scale)
    return images.render(image_spec(chart), fmt, width=width, height=height, scale=scale)


def to_html(chart: ChartSpec, *, spec: dict | None = None, plotlyjs: bool | str = True) -> bytes:
    """A standalone page that works offline: plotly.js embedded, the figure's data JSON-escaped by
    Plotly (no `</script>` from the data survives), the sources drawn in the figure.

    `spec`: the chart's export_spec when the caller has it already (an export draws each chart once);
    `plotlyjs`: Plotly's include_plotlyjs, "directory" in a ZIP, whose HTML files share one
    plotly.min.js beside them instead of 4 MB of it each."""
    import plotly.io as pio

    spec = export_spec(chart) if spec is None else spec
    page = pio.to_html(
        spec,
        include_plotlyjs=plotlyjs,
        full_html=True,
        config=modebar_config(chart),
        validate=False,
        default_width="100%",
        default_height=f"{spec['layout'].get('height') or 600}px",
    )
    head = f'<title>{html.escape(chart.title)}</title>\n    <meta name="generator" content="factdash" />'
    return page.replace('<meta charset="utf-8" />', f'<meta charset="utf-8" />\n    {head}', 1).encode("utf-8")


def data_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows behind a chart as exported: DATA_COLUMNS in order, dates as written (a month stays
    "2025-01") with the period as_of names as as_of_start and as_of_end (YYYY-MM-DD), open bounds
    (infinite) and missing values empty."""
    return _data_table(rows).reset_index(drop=True)


def _data_table(rows: pd.DataFrame) -> pd.DataFrame:
    """data_frame with the index of `rows` (an export makes it once for all its facts and takes
    each chart's rows out of it: making it again per chart was most of the time its CSVs took)."""
    index = rows.index
    rows = rows.reset_index(drop=True)
    frame = rows.reindex(columns=DATA_COLUMNS)
    for column, written in WRITTEN_DATES.items():
        frame[column] = rows[written].astype(object) if written in rows else None
    frame["as_of_start"] = pd.to_datetime(rows["as_of"]).dt.strftime("%Y-%m-%d").astype(object)
    frame["as_of_end"] = pd.to_datetime(rows.get("as_of_end", rows["as_of"])).dt.strftime("%Y-%m-%d").astype(object)
    numeric = frame.select_dtypes("number").columns
    frame[numeric] = frame[numeric].replace([math.inf, -math.inf], math.nan)
    frame = frame.astype(object).where(frame.notna(), None)
    frame.index = index
    return frame


def neutralise(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe (csvout.safe_text:
    =, +, -, @, tab, CR, their full-width forms, after spaces and invisible characters); numbers
    stay numbers."""
    return csvout.safe_text(value) if isinstance(value, str) else value


def to_csv(rows: pd.DataFrame, *, table: pd.DataFrame | None = None) -> bytes:
    """The rows as data_frame has them, written by the one CSV writer (dashboard.exports.csvout).
    `table`: data_frame's rows of facts that hold these, by their index (see _rows_of)."""
    return csvout.frame_csv_bytes(_rows_of(rows, table), DATA_COLUMNS)


def _rows_of(rows: pd.DataFrame, table: pd.DataFrame | None) -> pd.DataFrame:
    """data_frame(rows), taken out of `table` (_data_table of facts these rows are some of, same
    index) when every row is there under its index with its fact id, else made."""
    if table is not None and rows.index.is_unique and len(rows):
        try:
            taken = table.loc[rows.index]
        except KeyError:
            taken = None
        if taken is not None and (taken["fact_id"].to_numpy() == rows["fact_id"].astype(object).to_numpy()).all():
            return taken.reset_index(drop=True)
    return data_frame(rows)


def to_json(chart: ChartSpec, *, table: pd.DataFrame | None = None) -> bytes:
    """The rows behind the chart with what they are: chart id, title, sources, as-of range, filter."""
    first, last = chart.as_of
    document = {
        "chart": chart.chart_id,
        "title": chart.title,
        "sources": chart.caption,
        # The days the figures' periods run from and to, and the dates as written ("2025-01").
        "as_of": {
            "from": str(first) if first else None,
            "to": str(last) if last else None,
            "first_as_written": chart.as_of_written[0] or None,
            "last_as_written": chart.as_of_written[1] or None,
        },
        "filter": chart.filters.describe(),
        "filters": filters_dict(chart.filters),
        "fact_base": {"title": chart.base_title, "content_hash": chart.content_hash},
        "exported": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "columns": DATA_COLUMNS,
        "rows": _rows_of(chart.rows, table).to_dict("records"),
    }
    return (json.dumps(document, indent=2, ensure_ascii=False, default=_plain) + "\n").encode("utf-8")


def _plain(value: object) -> object:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.isoformat()
    return str(value)


def filters_dict(filters: Filters) -> dict:
    return {
        f.name: (
            list(v) if isinstance(v := getattr(filters, f.name), tuple) else str(v) if isinstance(v, dt.date) else v
        )
        for f in fields(Filters)
        if f.name != "extra"
    }


def export_file(
    chart: ChartSpec, fmt: str, *, width: int | None = WIDTH, height: int | None = None, scale: float | None = SCALE
) -> bytes:
    """The chart (png, svg, pdf, html) or its data (csv, json) as the bytes of a file."""
    if fmt in images.FORMATS:
        return to_image(chart, fmt, width=width, height=height, scale=scale)
    if fmt == "html":
        return to_html(chart)
    if fmt == "csv":
        return to_csv(chart.rows)
    if fmt == "json":
        return to_json(chart)
    raise ValueError(f"export format must be one of {', '.join(FORMATS)}, got {fmt!r}")


def parse_formats(text: str | Iterable[str]) -> list[str]:
    """ "png,svg" (or a list) as known formats in the order given; ValueError naming an unknown one."""
    items = text.split(",") if isinstance(text, str) else list(text)
    chosen = list(dict.fromkeys(f.strip().lower().lstrip(".") for f in items if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise ValueError(
            f"unknown export format {', '.join(unknown) or '(none given)'}; choose from {', '.join(FORMATS)}"
        )
    return chosen


# ---- everything: the charts, the data, the citations, how to reproduce -----------------------


@dataclass
class Export:
    """An export of several charts: their files in the chosen formats, the filtered data, the
    citations and a README, written into a folder or a ZIP."""

    base: FactBase
    filters: Filters
    charts: list[ChartSpec]
    formats: list[str]
    width: int | None = WIDTH
    height: int | None = None
    scale: float | None = SCALE
    facts_path: str = ""
    exported: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    # What data.csv and SOURCES.md hold (SCOPES): "view", every fact under the filter (the
    # dashboard's Export everything, `factdash export --all` or `--with-data`); "charts", only the
    # facts the exported charts draw (`factdash export --chart ID`).
    scope: str = "view"

    def __post_init__(self) -> None:
        check_size(self.width, self.height, self.scale)
        if self.scope not in SCOPES:
            raise ValueError(f"export scope must be one of {', '.join(SCOPES)}, got {self.scope!r}")

    @functools.cached_property
    def view_facts(self) -> pd.DataFrame:
        """Every fact of the base under the filter."""
        return apply_filters(self.base.facts, self.filters)

    @functools.cached_property
    def data_facts(self) -> pd.DataFrame:
        """The facts data.csv holds and SOURCES.md cites, in the base's order: every fact under the
        filter, or (scope "charts") those the exported charts draw."""
        if self.scope == "view":
            return self.view_facts
        drawn: set = set()
        for chart in self.charts:
            drawn.update(chart.rows["fact_id"].dropna())
        facts = self.base.facts
        return facts[facts["fact_id"].isin(drawn)]

    @functools.cached_property
    def _cells(self) -> list[tuple]:
        """_table's rows as the CSV writer's cells (csvout.cell_rows), made once for every CSV."""
        return csvout.cell_rows(self._table, DATA_COLUMNS) if self._table is not None else []

    def _csv(self, rows: pd.DataFrame) -> bytes:
        """to_csv(rows), written from the cells made once for the export when they hold the rows."""
        table = self._table
        if table is not None and rows.index.is_unique:
            at = table.index.get_indexer(rows.index)
            if (at >= 0).all() and (table["fact_id"].to_numpy()[at] == rows["fact_id"].astype(object).to_numpy()).all():
                cells = self._cells
                return csvout.write_cells(DATA_COLUMNS, [cells[i] for i in at])
        return to_csv(rows)

    @functools.cached_property
    def _table(self) -> pd.DataFrame | None:
        """data_frame of data.csv's facts (which hold every chart's) under their index, made once:
        each CSV and JSON file takes its rows out of it; None without a unique index."""
        facts = self.data_facts  # data.csv's facts, which hold every chart's
        return _data_table(facts) if facts.index.is_unique else None

    def names(self) -> list[tuple[ChartSpec, str]]:
        """Each chart with its own file stem: the chart id is added to titles that repeat, and a
        number (_2, _3...) to a stem still taken (ids that differ only in '.', '-' or '_' slug alike,
        `data` is data.csv's); compared case-blind, as some file systems do."""
        seen: dict[str, int] = {}
        for chart in self.charts:
            seen[chart.stem] = seen.get(chart.stem, 0) + 1
        taken = {Path(name).stem.casefold() for name in EXPORT_FILES if Path(name).suffix[1:] in FORMATS}
        named = []
        for chart in self.charts:
            stem = chart.stem if seen[chart.stem] == 1 else f"{chart.stem}_{slug(chart.chart_id, 60)}"
            candidate, number = stem, 1
            while candidate.casefold() in taken:
                number += 1
                candidate = f"{stem}_{number}"
            taken.add(candidate.casefold())
            named.append((chart, candidate))
        return named

    def file_names(self) -> list[str]:
        """The names of the files `files` makes, in order (a ZIP holds these)."""
        return [f"{stem}.{fmt}" for _, stem in self.names() for fmt in self.formats] + list(EXPORT_FILES)

    def __len__(self) -> int:
        return len(self.charts) * len(self.formats) + 3

    def files(
        self, progress: Callable[[int, int, str], None] | None = None, *, plotlyjs: bool | str = True
    ) -> Iterator[tuple[str, bytes]]:
        """(file name, bytes) of every file: each chart in each format, then data.csv, SOURCES.md and
        README.txt. Images are drawn in batches, side by side in the shared Chromium. Each chart is
        drawn once (one export_spec for all its formats): drawing was most of an export's time.
        `plotlyjs` as to_html takes it ("directory": the HTML files load plotly.min.js beside them)."""
        total, done = len(self), 0

        def report(name: str) -> None:
            nonlocal done
            done += 1
            if progress:
                progress(done, total, name)

        size = {"width": self.width, "height": self.height, "scale": self.scale}
        batch: list[tuple[str, dict, str]] = []
        # One thread draws a batch in Chromium while this one builds the next batch's figures.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="factdash-export") as pool:
            drawing = None
            hover = "html" in self.formats  # an image has no use for hover texts: not written then
            for chart, stem in self.names():
                with contextlib.nullcontext() if hover else without_hover():
                    drawn = export_spec(chart) if {"html", *images.FORMATS} & set(self.formats) else {}
                spec = image_spec(chart, spec=drawn) if set(self.formats) & set(images.FORMATS) else {}
                for fmt in self.formats:
                    if fmt in images.FORMATS:
                        batch.append((f"{stem}.{fmt}", spec, fmt))
                        continue
                    if fmt == "html":
                        data = to_html(chart, spec=drawn, plotlyjs=plotlyjs)
                    elif fmt == "csv":
                        data = self._csv(chart.rows)
                    elif fmt == "json":
                        data = to_json(chart, table=self._table)
                    else:
                        data = export_file(chart, fmt)
                    report(f"{stem}.{fmt}")
                    yield f"{stem}.{fmt}", data
                if len(batch) >= BATCH:
                    queued = batch, pool.submit(images.render_many, [(sp, f, size) for _, sp, f in batch])
                    if drawing is not None:
                        yield from self._drawn(*drawing, report)
                    drawing, batch = queued, []
            last = batch and (batch, pool.submit(images.render_many, [(sp, f, size) for _, sp, f in batch]))
            # data.csv, SOURCES.md and README.txt are made while Chromium draws the last images.
            tail = [
                (EXPORT_FILES[0], self._csv(self.data_facts)),
                (EXPORT_FILES[1], sources_markdown(self).encode("utf-8")),
                (EXPORT_FILES[2], readme(self).encode("utf-8")),
            ]
            if drawing is not None:
                yield from self._drawn(*drawing, report)
            if last:
                yield from self._drawn(*last, report)
        for name, data in tail:
            report(name)
            yield name, data

    @staticmethod
    def _drawn(batch: list, drawing: Future, report: Callable[[str], None]) -> Iterator[tuple[str, bytes]]:
        for (name, _, _), data in zip(batch, drawing.result(), strict=True):
            report(name)
            yield name, data

    def zip_name(self) -> str:
        return f"factdash-export_{self.exported:%Y-%m-%d}.zip"

    def zip_names(self) -> list[str]:
        """The entries of to_zip, in order: each chart file in the folder of its kind (png/, csv/...),
        html/plotly.min.js once when there are HTML files, and EXPORT_FILES at the top."""
        names = [zip_entry(name) for name in self.file_names()]
        if "html" in self.formats and self.charts:
            names.insert(len(names) - len(EXPORT_FILES), PLOTLY_JS_ENTRY)
        return names

    def to_zip(self, progress: Callable[[int, int, str], None] | None = None) -> bytes:
        """The ZIP of every file, laid out as zip_names says; `progress(done, total, name)` after
        each file (plotly.min.js counts as part of the last file that needs it)."""
        buffer = io.BytesIO()
        entries: set[str] = set()
        html_files = False

        def add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
            if name.casefold() in entries:  # names() makes them unique: never two entries of a name
                raise RuntimeError(f"two files named {name} in one export")
            entries.add(name.casefold())
            info = zipfile.ZipInfo(name, self.exported.timetuple()[:6])
            info.external_attr = 0o644 << 16  # an ordinary readable file once unpacked
            info.compress_type = zipfile.ZIP_STORED if name.endswith((".png", ".pdf")) else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)

        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            # "directory": each page loads ./plotly.min.js, which is html/plotly.min.js beside it.
            for name, data in self.files(progress, plotlyjs="directory"):
                if name in EXPORT_FILES and html_files and PLOTLY_JS_ENTRY.casefold() not in entries:
                    add(archive, PLOTLY_JS_ENTRY, _plotly_js())
                html_files = html_files or name.endswith(".html")
                add(archive, zip_entry(name), data)
        return buffer.getvalue()

    def write(
        self,
        folder: Path,
        *,
        as_zip: bool = False,
        progress: Callable[[int, int, str], None] | None = None,
        force: bool = False,
    ) -> list[Path]:
        """Write the files (or one ZIP of them) into `folder`, and nowhere else; the files written,
        each once. ExportRefused, before anything is drawn, for a folder that is not empty and holds
        no earlier export (unless `force`) or where a name to write is not a regular file."""
        folder = Path(folder)
        check_out_folder(folder, force=force)
        names = [self.zip_name()] if as_zip else self.file_names()
        if folder.is_dir():
            for name in names:
                _check_replaceable(folder / name)
        folder.mkdir(parents=True, exist_ok=True)
        if as_zip:
            return [write_into(folder, self.zip_name(), self.to_zip(progress))]
        written = {write_into(folder, name, data): None for name, data in self.files(progress)}
        return list(written)


PLOTLY_JS_ENTRY = "html/plotly.min.js"  # the one copy of plotly.js the ZIP's HTML files share


def zip_entry(name: str) -> str:
    """A file's name in a ZIP: a chart's file in the folder of its format (`png/x.png`), the
    EXPORT_FILES at the top."""
    kind = Path(name).suffix[1:]
    return name if name in EXPORT_FILES or kind not in FORMATS else f"{kind}/{name}"


@functools.lru_cache(maxsize=1)
def _plotly_js() -> bytes:
    """The plotly.js bundled with the installed plotly (the one include_plotlyjs=True embeds)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().encode("utf-8")


# What every export writes beside the charts' files; README.txt begins with README_MARKER, which is
# how `factdash export` knows a folder for one of its earlier exports.
EXPORT_FILES = ("data.csv", "SOURCES.md", "README.txt")
SCOPES = ("view", "charts")  # Export.scope: every fact under the filter, or the exported charts' facts
README_MARKER = "factdash export\n===============\n"
_ZIP_NAME = re.compile(r"^factdash-export_\d{4}-\d{2}-\d{2}\.zip$")
_TEMPORARY = re.compile(r"^\..+\.tmp$")  # left by a writer killed before its rename (factbase.atomic)
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")


class ExportRefused(ValueError):
    """The export would replace what it should not: a folder that is not an earlier export, or a
    name that is not a regular file."""


def earlier_export(folder: Path) -> bool:
    """True for a folder an export may write into without --force: missing, empty, one holding an
    earlier export (its README.txt begins with README_MARKER), or one holding only export ZIPs."""
    folder = Path(folder)
    if not folder.exists():
        return True
    entries = [e for e in folder.iterdir() if not _TEMPORARY.match(e.name)]
    if not entries:
        return True
    readme = folder / "README.txt"
    if readme.is_file() and not readme.is_symlink():
        with readme.open("rb") as handle:
            if handle.read(len(README_MARKER)) == README_MARKER.encode():
                return True
    return all(_ZIP_NAME.match(e.name) and e.is_file() and not e.is_symlink() for e in entries)


def check_out_folder(folder: Path, *, force: bool = False) -> None:
    """ExportRefused for a `folder` that is not a folder, or (unless `force`) that an export may not
    write into (see earlier_export)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ExportRefused(f"{folder} is not a folder")
    if not force and not earlier_export(folder):
        raise ExportRefused(
            f"{folder} is not empty and holds no earlier factdash export (no README.txt beginning "
            f"'factdash export'): give a new or empty folder, or --force to write into it anyway "
            f"(files of the same names are replaced)"
        )


def _check_replaceable(target: Path) -> None:
    """ExportRefused when `target` exists and is not a regular file: a folder, a symbolic link
    (writing through it could land outside the folder), a FIFO, a device or a socket."""
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        kind = "a symbolic link" if stat.S_ISLNK(mode) else "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise ExportRefused(f"refusing to write {target}: it is {kind}; an export replaces regular files only")


def write_into(folder: Path, name: str, data: bytes) -> Path:
    """Write `data` to folder/name atomically; refuses a name that is not a plain file name, that
    would land outside `folder`, or that names something other than a regular file."""
    from dashboard.factbase.atomic import write_bytes_atomic

    target = folder / name
    if not _SAFE_NAME.match(name) or ".." in name or target.resolve().parent != folder.resolve():
        raise ValueError(f"refusing to write {name!r}: not a plain file name inside {folder}")
    _check_replaceable(target)
    write_bytes_atomic(target, data)
    return target


def reader_path(path: str, top: str | None) -> str:
    """A fact file's path as a reader may see it: relative to the folder of the top fact file `top`
    (`facts/claimants.yaml`), or its bare name when it lies elsewhere; never the server's own path."""
    file = Path(path)
    if top:
        try:
            return Path(os.path.abspath(file)).relative_to(Path(os.path.abspath(top)).parent).as_posix()
        except ValueError:
            pass
    return file.name


def _md(text: object) -> str:
    """Data text made inert in Markdown."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA:
        return ""
    return re.sub(r"([\\`*_\[\]<>|])", r"\\\1", " ".join(str(text).split()))


# What may not stand in a Markdown autolink `<...>` (CommonMark: ASCII controls, space, < and >),
# and the double quote some renderers end one at: percent-encoded, as a browser does anyway (each is
# in the WHATWG URL path, query and fragment percent-encode sets), so the address stays the same.
_LINK_UNSAFE = re.compile(r'[\x00-\x20\x7f<>"]')


def _url(value: object) -> str:
    """A web address as a Markdown autolink `<...>`: any http(s) address the loader accepts
    (factfile._is_web_address: a scheme, a host, no white space), characters that would end or
    break the link percent-encoded; "" for anything else."""
    if not isinstance(value, str):
        return ""
    url = value.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        return ""
    return "<" + _LINK_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", url) + ">"


def sources_markdown(export: Export) -> str:
    """Full citations of every source behind the exported data (the facts' sources and the datasets
    they came through, `via`), then which chart uses which sources."""
    facts = export.data_facts
    counts = facts.groupby("source").size()
    through = facts.groupby("via").size() if "via" in facts else pd.Series(dtype=int)
    sources = export.base.sources
    lines = [
        "# Sources",
        "",
        f"Every source of the {len(facts):,} facts in `data.csv`"
        + ("" if export.scope == "view" else ", those of the charts exported")
        + f" (filter: {_md(export.filters.describe())}), with the number of facts taken from it, "
        "and the datasets they came through (`via`).",
        "",
    ]
    ids = sorted(
        set(counts.index) | set(through.index),
        key=lambda s: (
            str(sources["publisher"].get(s, "")) if "publisher" in sources else "",
            str(sources["title"].get(s, s)),
        ),
    )
    for source_id in ids:
        record = sources.loc[source_id].to_dict() if source_id in sources.index else {}
        parts = []
        if isinstance(record.get("author"), str):
            parts.append(_md(record["author"]))
        if isinstance(record.get("publisher"), str):
            parts.append(f"**{_md(record['publisher'])}**")
        parts.append(f"*{_md(record.get('title', source_id))}*")
        for key, label in (("published", "published"), ("accessed", "accessed")):
            if isinstance(record.get(key), str) and record[key]:
                parts.append(f"{label} {_md(record[key])}")
        if isinstance(record.get("license"), str):
            parts.append(f"licence: {_md(record['license'])}")
        link = _url(record.get("url"))
        archive = _url(record.get("archive_url"))
        line = (
            "- "
            + ". ".join(parts)
            + "."
            + (f" {link}" if link else "")
            + (f" (archived: {archive})" if archive else "")
        )
        uses = [f"{n} fact{'s' if n != 1 else ''}" for n in [int(counts.get(source_id, 0))] if n]
        uses += [f"via for {n} fact{'s' if n != 1 else ''}" for n in [int(through.get(source_id, 0))] if n]
        lines.append(line + f" — `{source_id}`, {', '.join(uses)}")
    lines += ["", "## Charts", ""]
    for chart, stem in export.names():
        used = sorted(chart.rows["source"].dropna().unique().tolist())
        lines.append(
            f"- `{stem}` ({chart.chart_id}): {_md(chart.title)}. {len(chart.rows)} facts from "
            f"{', '.join(f'`{s}`' for s in used) or 'no source'}."
        )
    return "\n".join(lines) + "\n"


def cli_command(export: Export) -> str:
    """The `factdash export` command line that writes this export again."""
    f = export.filters
    words = ["factdash", "export"]
    if export.facts_path:
        words += ["--facts", export.facts_path]
    every = bool(export.charts) and all_charts(export)
    words += ["--all"] if every else [w for c in export.charts for w in ("--chart", c.chart_id)]
    words += ["--format", ",".join(export.formats)]
    if export.scope == "view" and not every:  # --all writes every fact under the filter anyway
        words.append("--with-data")
    for flag, values in (
        ("--publisher", f.publishers),
        ("--source", f.sources),
        ("--claimant", f.claimants),
        ("--kind", f.claimant_kinds),
        ("--category", f.categories),
    ):
        if values:
            words += [flag, *values]
    if f.party != "all":
        words += ["--party", f.party]
    if f.date_from:
        words += ["--from", str(f.date_from)]
    if f.date_to:
        words += ["--to", str(f.date_to)]
    if export.width != WIDTH and export.width:
        words += ["--width", str(export.width)]
    if export.height:
        words += ["--height", str(export.height)]
    if export.scale != SCALE and export.scale:
        words += ["--scale", str(export.scale)]
    return " ".join(shlex.quote(w) for w in words)


def all_charts(export: Export) -> bool:
    """Whether the export holds every chart of its view, in view_charts' order (compared by id:
    building the view's charts again took seconds of an export of the default base)."""
    return [c.chart_id for c in export.charts] == view_chart_ids(export.base, export.filters)


def view_chart_ids(base: FactBase, filters: Filters) -> list[str]:
    """The ids of view_charts(base, filters), in its order, without building the charts."""
    from charts.registry import view_parts

    conflicts, metrics, currencies, questions = view_parts(apply_filters(base.facts, filters), False, base)
    return (
        [f"question:{q.id}" for q in questions]
        + [f"compare:{c.group_id}" for c in conflicts]
        + [f"timeline:{m}" for m in metrics]
        + [f"aid:{u}" for u in currencies]
    )


def readme(export: Export) -> str:
    """What the export holds and how to make it again: the filter, the fact base's hash and date."""
    base, facts = export.base, export.data_facts

    def latest(start: str, written: str) -> str:
        column = base.facts[start] if start in base.facts else pd.Series(dtype="datetime64[ns]")
        if column.isna().all() or written not in base.facts:
            return ""
        return str(base.facts.loc[column.idxmax(), written])

    stated, as_of = latest("stated", "stated_text"), latest("as_of", "as_of_text")
    lines = [
        *README_MARKER.splitlines(),  # how a later export knows the folder for an earlier one
        "",
        f"Exported:   {export.exported:%Y-%m-%d %H:%M} UTC",
        f"Fact base:  {base.title or '(untitled)'}",
        f"  files:    {', '.join(reader_path(f, base.files[0]) for f in base.files) or export.facts_path or '?'}",
        f"  content hash: {base.content_hash}",
        f"  latest figure as of {as_of}" + (f", latest stated {stated}" if stated else "")
        if as_of
        else "  (no figures)",
        f"Filter:     {export.filters.describe()}",
        f"Facts:      {len(facts):,} of {len(base.facts):,} (all of them in data.csv)"
        if export.scope == "view"
        else f"Facts:      {len(facts):,} of {len(base.facts):,}: those of the charts below, in data.csv "
        f"({len(export.view_facts):,} under the filter; --with-data writes them all)",
        "",
        f"Charts ({len(export.charts)}), each as {', '.join(export.formats) or 'nothing'}:",
    ]
    for chart, stem in export.names():
        first, last = chart.as_of_written
        lines.append(f"  {stem}")
        lines.append(f"      {chart.chart_id}: {chart.title}; {len(chart.rows)} facts, as of {first} to {last}")
    lines += [
        "",
        "Files:",
        "  <chart>.png/.svg/.pdf  the chart, its sources, as-of range and filter drawn under it",
        "  <chart>.html           the interactive chart; works offline (plotly.js is inside)",
        "  <chart>.csv/.json      the facts the chart draws, with claimant, source, publisher, url,",
        "                         published date and quote (CSV text cells that would start a",
        "                         spreadsheet formula begin with an apostrophe)",
        "  data.csv               every fact under the filter, same columns"
        if export.scope == "view"
        else "  data.csv               every fact of these charts, same columns",
        "  SOURCES.md             full citations of the sources behind them",
        "",
        "To make this export again (the same content hash means the same facts):",
        "",
        f"  {cli_command(export)}",
        "",
    ]
    return "\n".join(lines)
