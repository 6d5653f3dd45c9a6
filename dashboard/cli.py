"""The `factdash` command: thin front end over the loader, the analysis and the exporters."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from dashboard.factbase.errors import FactBaseError, printable
from dashboard.factbase.loader import load_factbase
from dashboard.factbase.paths import default_facts_path


def cmd_validate(args: argparse.Namespace) -> int:
    path = Path(args.path) if args.path else default_facts_path()
    try:
        base = load_factbase(path)
    except FactBaseError as err:
        print(err)
        return 1
    for warning in base.warnings:
        print(f"warning: {warning}")
    print(f"{path}: OK: {base.summary()} ({len(base.files)} file{'s' if len(base.files) != 1 else ''})")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from dashboard.factbase.schema import json_schema_text

    text = json_schema_text()
    if args.write:
        target = Path(args.write)
        from dashboard.factbase.atomic import write_text_atomic

        try:
            write_text_atomic(target, text)
        except OSError as err:
            print(f"factdash schema: cannot write {target}: {err.strerror or err}", file=sys.stderr)
            return 1
        print(f"wrote {target}")
    else:
        sys.stdout.write(text)
    return 0


def _load_or_report(path_text: str | None):
    """The fact base at `path_text` (default: the bundled one), or None after printing its problems."""
    path = Path(path_text) if path_text else default_facts_path()
    try:
        return load_factbase(path)
    except FactBaseError as err:
        print(err)
        return None


def cmd_conflicts(args: argparse.Namespace) -> int:
    from dashboard.analysis.conflicts import conflicts_frame, conflicts_to_dicts, find_conflicts

    base = _load_or_report(args.facts)
    if base is None:
        return 1
    conflicts = find_conflicts(base.facts, window_days=args.window)
    if args.format == "json":
        _emit(json.dumps(conflicts_to_dicts(conflicts), indent=2, ensure_ascii=False) + "\n")
    elif args.format == "csv":
        columns = [
            "group_id",
            "ratio",
            "overlap",
            "summary",
            "fact_id",
            "metric",
            "claimant",
            "claimant_name",
            "party_to_conflict",
            "value",
            "low",
            "high",
            "central",
            "qualifier",
            "interval_low",
            "interval_high",
            "as_of",
            "stated",
            "stage",
            "source",
            "url",
            "quote",
            "file",
            "line",
        ]
        # An open bound is "no limit": an empty cell, as it is null in the JSON, rather than "inf".
        frame = conflicts_frame(conflicts)
        # Dates as written ("2025-01" stays a month), beside the period as_of names.
        frame = frame.assign(
            as_of_start=frame["as_of"].dt.strftime("%Y-%m-%d"),
            as_of_end=frame["as_of_end"].dt.strftime("%Y-%m-%d"),
            as_of=frame["as_of_text"],
            stated=frame["stated_text"],
        )
        columns.insert(columns.index("as_of") + 1, "as_of_start")
        columns.insert(columns.index("as_of_start") + 1, "as_of_end")
        from dashboard.exports.csvout import frame_csv

        # The one CSV writer: cells that would run as formulas start with an apostrophe, every field
        # with a line break is quoted, infinite bounds are empty.
        _emit(frame_csv(frame, columns))
    else:
        apart = sum(c.conflicting for c in conflicts)
        lines = [
            f"{len(conflicts)} group{'s' if len(conflicts) != 1 else ''} of comparable figures disagree: "
            f"{apart} with no value in common, {len(conflicts) - apart} compatible as stated "
            f"(as_of within {args.window} days)"
        ]
        for c in conflicts:
            ratio = "inf" if c.ratio == float("inf") else f"{c.ratio:.1f}x"
            ids = [f + (" (party to the conflict)" if f in c.party_members else "") for f in c.members["fact_id"]]
            kind = "conflict" if c.conflicting else "overlap "
            lines += [
                "",
                f"{ratio:>7}  {kind}  {c.group_id}  ({c.metric_label})",
                f"         {c.summary}",
                f"         {', '.join(ids)}",
            ]
        _emit("\n".join(lines) + "\n")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from dashboard.analysis.checks import run_checks

    base = _load_or_report(args.facts)
    if base is None:
        return 1
    findings = run_checks(base)
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    if args.format == "json":
        _emit(json.dumps([vars(f) for f in findings], indent=2, ensure_ascii=False) + "\n")
    else:
        lines = [str(f) for f in findings]
        lines.append(
            f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''} "
            f"in {base.summary()}"
        )
        _emit("\n".join(lines) + "\n")
    return 1 if errors or (args.strict and warnings) else 0


def cmd_questions(args: argparse.Namespace) -> int:
    from dashboard.analysis.questions import KINDS, answers_of, answers_to_dicts, ranked

    base = _load_or_report(args.facts)
    if base is None:
        return 1
    answers = ranked(answers_of(base))
    if args.format == "json":
        _emit(json.dumps(answers_to_dicts(answers), indent=2, ensure_ascii=False) + "\n")
        return 0
    if args.format == "csv":
        import pandas as pd

        from dashboard.exports.csvout import frame_csv

        rows = [
            {
                "question": a["id"],
                "title": a["title"],
                "kind": kind,
                "ratio": entry["ratio"],
                "sentence": entry["sentence"],
                "fact_ids": ";".join(entry["fact_ids"]),
                "metrics": ";".join(entry["metrics"]),
                "claimants": ";".join(entry["claimants"]),
                "as_of": entry["as_of"],
                "more": entry["more"],
            }
            for a in answers_to_dicts(answers)
            for kind in KINDS
            for entry in a[kind]
        ]
        columns = [
            "question",
            "title",
            "kind",
            "ratio",
            "sentence",
            "fact_ids",
            "metrics",
            "claimants",
            "as_of",
            "more",
        ]
        _emit(frame_csv(pd.DataFrame(rows, columns=columns)))
        return 0
    heading = {"disagreements": "Disagree", "inconsistencies": "Inconsistent", "explained": "Explained by the measure"}
    lines = []
    for a in answers:
        singular = {"disagreements": "disagreement", "inconsistencies": "inconsistency", "explained": "explained"}
        counts = ", ".join(
            f"{len(getattr(a, kind))} {kind if len(getattr(a, kind)) != 1 else singular[kind]}" for kind in KINDS
        )
        lines += [f"{a.question.title} [{a.question.id}]: {a.facts} figures; {counts}"]
        for kind in KINDS:
            for finding in getattr(a, kind):
                more = f" (and {finding.more} more date{'s' if finding.more > 1 else ''} alike)" if finding.more else ""
                lines.append(f"  {heading[kind]}: {finding.sentence}{more}")
                lines.append(f"      {', '.join(finding.fact_ids)}")
        lines.append("")
    _emit("\n".join(lines))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from dashboard.analysis.figurecheck import LONGEST, check_text, check_to_dict

    if len(args.text) > LONGEST:
        print(
            f"factdash verify: the text is {len(args.text):,} characters; give at most {LONGEST:,} "
            "(a sentence or two that state the figures)",
            file=sys.stderr,
        )
        return 2
    base = _load_or_report(args.facts)
    if base is None:
        return 1
    try:
        checks = check_text(args.text, base, as_of=args.as_of)
    except ValueError as err:  # an --as-of that is not a date
        print(f"factdash verify: --as-of: {err}", file=sys.stderr)
        return 2
    if args.format == "json":
        _emit(json.dumps([check_to_dict(c) for c in checks], indent=2, ensure_ascii=False) + "\n")
        return 0
    if not checks:
        _emit("No money amount or count found in that text.\n")
        return 0
    lines = []
    for check in checks:
        where = f"{check.question.title} [{check.question.id}]" if check.question else "no question"
        lines += [
            f"{check.candidate.text}: {check.outcome} ({where}; measure {check.metric or 'not told'})",
            f"  {check.verdict}",
        ]
        for measure in check.measures:
            lines.append(f"  - {measure.sentence} ({measure.outcome})")
    _emit("\n".join(lines) + "\n")
    return 0


def _emit(text: str) -> None:
    """Write a command's whole output; a reader that stops early (`| head`) is not an error."""
    if sys.stdout.isatty():  # a terminal runs what an escape sequence says; a file or a pipe gets the bytes
        text = printable(text.replace("\r\n", "\n"))
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would complain again when flushing stdout at exit; point it at nothing instead.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, got '{text}'") from None
    if days < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more days, got {days}")
    return days


def cmd_serve(args: argparse.Namespace) -> int:
    """Replace this process with the real Streamlit server on the dashboard (signals go straight to it).

    It runs dashboard/app/server.py, an `st.App` over app/main.py with a Host check and security
    headers in front (what follows `--` is that module's own options)."""
    import os

    facts = Path(args.facts).resolve() if args.facts else default_facts_path().resolve()
    app = Path(__file__).resolve().parent / "app" / "server.py"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.address",
        args.host,
        "--server.port",
        str(args.port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.enableXsrfProtection",
        "true",
        "--server.enableCORS",
        "true",
        "--server.fileWatcherType",
        "none",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "viewer",
        "--client.showErrorDetails",
        "none",
        # The tables' own toolbar download wrote formulas and server paths as they were: the pages
        # offer ours (dashboard/exports/csvout.py) instead, from the first page on.
        "--client.disableDataExport",
        "true",
        # No page takes a file, and Streamlit 1.67 cannot switch its upload route off: a limit of
        # 0 MB makes that route refuse every non-empty file.
        "--server.maxUploadSize",
        "0",
        # Streamlit collects every generation after every run. Under load that full pass over what the
        # sessions hold (figures, tables) was a third of the server's time with the GIL held; Python's
        # own collector still runs as objects accumulate (tests/test_load.py bounds memory per session).
        "--runner.postScriptGC",
        "false",
        "--",
        *[option for host in args.allow_host for option in ("--allow-host", host)],
        *(["--allow-embedding"] if args.allow_embedding else []),
    ]
    # Warm the content-hash cache here, before the server starts, so that its first page reads the
    # cache instead of checking tens of thousands of facts while a reader waits.
    try:
        load_factbase(facts)
    except FactBaseError:
        pass  # the dashboard shows the problems itself
    from dashboard.factbase import cache

    cache.flush()
    print(f"factdash: serving {facts} at http://{args.host}:{args.port}", flush=True)
    os.execve(sys.executable, command, {**os.environ, "FACTDASH_FACTS": str(facts)})
    return 0  # not reached


def _filter_arguments(command: argparse.ArgumentParser) -> None:
    """The dashboard sidebar's filters as options; each takes one or more ids and may repeat."""
    from dashboard.analysis.filters import PARTY_CHOICES

    group = command.add_argument_group("filters (those of the dashboard's sidebar; ids as in the fact files)")
    for flag, what in (
        ("--source", "source"),
        ("--claimant", "claimant"),
        ("--publisher", "publisher name"),
        ("--kind", "claimant kind"),
        ("--category", "metric category"),
    ):
        group.add_argument(
            flag, nargs="+", action="extend", default=[], metavar="ID", help=f"only facts of this {what} (or these)"
        )
    group.add_argument(
        "--party",
        choices=PARTY_CHOICES,
        default="all",
        help="claimants who are parties to the conflict, third parties, or all (default)",
    )
    group.add_argument("--from", dest="date_from", type=_date, metavar="DATE", help="figures as of this day or later")
    group.add_argument("--to", dest="date_to", type=_date, metavar="DATE", help="figures as of this day or earlier")


def _filters(args: argparse.Namespace):  # -> Filters
    from dashboard.analysis.filters import Filters

    return Filters(
        sources=tuple(args.source),
        claimants=tuple(args.claimant),
        publishers=tuple(args.publisher),
        claimant_kinds=tuple(args.kind),
        categories=tuple(args.category),
        party=args.party,
        date_from=args.date_from,
        date_to=args.date_to,
    )


def _date(text: str):  # -> datetime.date
    import datetime

    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got '{text}'") from None


def _within(kind: type, low: float, high: float):
    """An argparse type: a number of `kind` from `low` to `high` (NaN and infinity are neither)."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a number from {low:g} to {high:g}, got '{text}'")
        return value

    return parse


def cmd_charts(args: argparse.Namespace) -> int:
    from charts.registry import view_charts

    base = _load_or_report(args.facts)
    if base is None:
        return 1
    charts = view_charts(base, _filters(args), agreeing=args.agreeing)
    _emit("".join(f"{c.chart_id}\t{c.title} ({len(c.rows)} fact{'s' if len(c.rows) != 1 else ''})\n" for c in charts))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write charts and their data (or one ZIP of them) into a folder; exit 2 when asked for images
    without a browser to draw them, or for a chart or format that does not exist; exit 1, writing
    nothing, for a non-empty --out that holds no earlier export (unless --force)."""
    import time

    from charts.registry import find_chart, view_charts
    from dashboard.exports.files import SCALE, WIDTH, Export, parse_formats
    from dashboard.exports.images import FORMATS as IMAGE_FORMATS
    from dashboard.exports.images import NO_BROWSER, ImagesUnavailable, images_available

    try:
        formats = parse_formats(args.format)
    except ValueError as err:
        print(f"factdash export: {err}", file=sys.stderr)
        return 2
    if any(f in IMAGE_FORMATS for f in formats) and not images_available():
        print(f"factdash export: {NO_BROWSER} (html, csv and json work without it)", file=sys.stderr)
        return 2
    base = _load_or_report(args.facts)
    if base is None:
        return 1
    filters = _filters(args)
    try:
        charts = view_charts(base, filters) if args.all else [find_chart(base, filters, c) for c in args.chart]
    except ValueError as err:
        print(f"factdash export: {err}", file=sys.stderr)
        return 2
    export = Export(
        base,
        filters,
        charts,
        formats,
        width=args.width or WIDTH,
        height=args.height,
        scale=args.scale or SCALE,
        facts_path=args.facts or "",
        # data.csv and SOURCES.md: the exported charts' facts, or every fact under the filter.
        scope="view" if args.all or args.with_data else "charts",
    )
    started = time.perf_counter()
    try:
        written = export.write(Path(args.out), as_zip=args.zip, progress=_progress_bar(sys.stderr), force=args.force)
    except ImagesUnavailable as err:
        print(f"factdash export: {err}", file=sys.stderr)
        return 2
    except (RuntimeError, OSError, ValueError) as err:
        print(f"factdash export: {err}", file=sys.stderr)
        return 1
    print(
        f"wrote {len(written)} file{'s' if len(written) != 1 else ''} for {len(charts)} "
        f"chart{'s' if len(charts) != 1 else ''} to {args.out} in {time.perf_counter() - started:.1f} s"
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Turn CSV or JSON files into generated fact files as their import specs say (see dashboard.importer)."""
    from dashboard.imports.importer import run_cli

    return run_cli(args.specs, dry_run=args.dry_run, check=args.check, progress=False if args.no_progress else None)


def cmd_add(args: argparse.Namespace) -> int:
    """Append entries to a fact file once the whole fact base loads with them (see dashboard.additions)."""
    from dashboard.curation.additions import (
        KINDS,
        AddError,
        add,
        addition_from_flags,
        describe,
        read_addition,
        resolve_paths,
    )

    fields = {k[len("field_") :]: v for k, v in vars(args).items() if k.startswith("field_") and v is not None}
    try:
        if args.what in KINDS:
            addition = addition_from_flags(args.what, args.id, fields)
        elif fields or args.id:
            raise AddError(
                [
                    f"'{args.what}' is not a kind ({', '.join(KINDS)}); flags and an id go with a kind, "
                    "a YAML file of additions takes neither"
                ]
            )
        else:
            addition = read_addition(args.what)
        target, facts = resolve_paths(args.to, args.facts)
        outcome = add(addition, target=target, facts=facts, write=not args.dry_run)
    except AddError as err:
        print(f"factdash add: {err}", file=sys.stderr)
        return 1
    if args.dry_run:
        _emit(outcome.diff())
    print(describe(outcome))
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    """Print candidate facts found in a news text as YAML for a curator to review; write nothing."""
    from dashboard.curation.extract import ArticleError, Catalog, propose, read_article

    try:  # at most $FACTDASH_MAX_ARTICLE_BYTES (1 MB), from a regular file or standard input only
        text = read_article(args.article)
    except ArticleError as err:
        print(f"factdash extract: {err}", file=sys.stderr)
        return 2
    base = _load_or_report(args.facts)
    if base is None:
        return 1
    _emit(
        propose(
            text,
            Catalog.from_factbase(base),
            source_url=args.source_url,
            published=args.published.isoformat() if args.published else None,
        )
    )
    return 0


def _progress_bar(stream):  # noqa: ANN001, ANN202 - a text stream; returns progress(done, total, name)
    """One bar redrawn in place on a terminal, one line per file otherwise (logs, CI)."""
    live = stream.isatty()

    def progress(done: int, total: int, name: str) -> None:
        filled = 30 * done // max(total, 1)
        line = f"[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {name}"
        stream.write(f"\r\033[K{line[:150]}" + ("\n" if done == total else "") if live else line + "\n")
        stream.flush()

    return progress


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="factdash", description=__doc__)
    parser.add_argument(
        "--root",
        metavar="FOLDER",
        help="the folder a fact base reads from and an import writes into (default: the top fact file's "
        "folder; also FACTDASH_ROOT): includes and import files outside it are refused",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check a fact base and its includes; exit 1 on problems")
    validate.add_argument("path", nargs="?", help="fact file (default: the bundled facts.yaml)")
    validate.set_defaults(run=cmd_validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of fact files (or --write it)")
    schema.add_argument("--write", metavar="PATH", help="write it to PATH atomically")
    schema.set_defaults(run=cmd_schema)

    conflicts = commands.add_parser("conflicts", help="list groups of comparable figures whose claimants disagree")
    conflicts.add_argument("--facts", metavar="PATH", help="fact file (default: the bundled facts.yaml)")
    conflicts.add_argument(
        "--window",
        metavar="DAYS",
        type=_days,
        default=31,
        help="as_of dates this many days apart or less are compared (default: 31)",
    )
    conflicts.add_argument(
        "--format",
        choices=["table", "json", "csv"],
        default="table",
        help="table (default), json (one object per group) or csv (one row per member)",
    )
    conflicts.set_defaults(run=cmd_conflicts)

    questions = commands.add_parser(
        "questions", help="every question's answers: disagreements, inconsistencies, differences the measures explain"
    )
    questions.add_argument("--facts", metavar="PATH", help="fact file (default: the bundled facts.yaml)")
    questions.add_argument(
        "--format",
        choices=["table", "json", "csv"],
        default="table",
        help="table (default), json (one object per question) or csv (one row per finding)",
    )
    questions.set_defaults(run=cmd_questions)

    verify = commands.add_parser(
        "verify", help="check the figures of a sentence against every measure of the question each answers"
    )
    verify.add_argument("text", help="the sentence (or paragraph) that states the figures")
    verify.add_argument("--as-of", metavar="DATE", help="YYYY, YYYY-MM or YYYY-MM-DD when the text gives no date")
    verify.add_argument("--facts", metavar="PATH", help="fact file (default: the bundled facts.yaml)")
    verify.add_argument("--format", choices=["table", "json"], default="table", help="table (default) or json")
    verify.set_defaults(run=cmd_verify)

    check = commands.add_parser("check", help="consistency checks over a fact base; exit 1 on errors")
    check.add_argument("--facts", metavar="PATH", help="fact file (default: the bundled facts.yaml)")
    check.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    check.add_argument("--format", choices=["table", "json"], default="table", help="table (default) or json")
    check.set_defaults(run=cmd_check)

    serve = commands.add_parser("serve", help="start the dashboard (a Streamlit server) on the fact base")
    serve.add_argument("--facts", metavar="PATH", help="fact file (default: the bundled facts.yaml)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also accept requests whose Host header is NAME (repeatable; *.example.org for its subdomains); "
        "by default only the --host address (and localhost, 127.0.0.1, [::1] when it is loopback)",
    )
    serve.add_argument(
        "--allow-embedding",
        action="store_true",
        help="let pages of any site show the dashboard in a frame (default: no site may)",
    )
    serve.set_defaults(run=cmd_serve)

    charts = commands.add_parser("charts", help="list the ids of the dashboard's charts (under the filters given)")
    charts.add_argument("--facts", metavar="PATH", help="fact file (default: the bundled facts.yaml)")
    charts.add_argument(
        "--agreeing",
        action="store_true",
        help="also list comparisons whose figures agree within their stated precision",
    )
    _filter_arguments(charts)
    charts.set_defaults(run=cmd_charts)

    export = commands.add_parser(
        "export",
        help="write charts (png, svg, pdf, html) and their data (csv, json), "
        "with their sources, into a folder or a ZIP",
    )
    export.add_argument("--facts", metavar="PATH", help="fact file (default: the bundled facts.yaml)")
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--chart", nargs="+", action="extend", metavar="ID", help="chart ids (see `factdash charts`)")
    which.add_argument("--all", action="store_true", help="every chart under the filters")
    export.add_argument(
        "--format",
        default="png,svg,csv",
        metavar="LIST",
        help="comma-separated: png, svg, pdf, html, csv, json (default: png,svg,csv)",
    )
    export.add_argument(
        "--out",
        default="factdash-export",
        metavar="DIR",
        help="folder to write into (default: ./factdash-export); nothing is written elsewhere",
    )
    export.add_argument("--zip", action="store_true", help="write one ZIP file into the folder instead")
    export.add_argument(
        "--with-data",
        action="store_true",
        help="data.csv and SOURCES.md of every fact under the filters (default: only the facts of "
        "the charts exported; --all exports every fact under the filters anyway)",
    )
    export.add_argument(
        "--force",
        action="store_true",
        help="write into a non-empty --out folder that holds no earlier export (same names are replaced)",
    )
    # The bounds of dashboard.exports.files.PIXELS and SCALES (not imported here: Plotly is slow to import).
    export.add_argument(
        "--width", type=_within(int, 100, 6000), metavar="PX", help="image width in px, 100 to 6000 (default 1000)"
    )
    export.add_argument(
        "--height",
        type=_within(int, 100, 6000),
        metavar="PX",
        help="image height in px, 100 to 6000 (default: the chart's own, which fits its legend)",
    )
    export.add_argument(
        "--scale", type=_within(float, 0.1, 8), metavar="N", help="PNG pixels per px, 0.1 to 8 (default 2)"
    )
    _filter_arguments(export)
    export.set_defaults(run=cmd_export)

    imports = commands.add_parser(
        "import", help="make a generated fact file from a CSV or JSON file, as an import spec says (see imports/)"
    )
    imports.add_argument("specs", nargs="+", metavar="SPEC", help="import spec(s), e.g. imports/oryx.yaml")
    what = imports.add_mutually_exclusive_group()
    what.add_argument(
        "--dry-run",
        action="store_true",
        help="write nothing; print counts, the first facts and every problem with its input row",
    )
    what.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a generated file differs from what its spec makes now",
    )
    imports.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    imports.set_defaults(run=cmd_import)

    extract = commands.add_parser(
        "extract",
        help="print the figures, claimants and dated events of a news text "
        "as candidate facts (YAML) to review; writes nothing",
    )
    extract.add_argument("article", metavar="ARTICLE.txt", help="the text (- reads standard input)")
    extract.add_argument("--source-url", metavar="URL", help="where the text was published")
    extract.add_argument(
        "--published",
        type=_date,
        metavar="DATE",
        help="publication day, YYYY-MM-DD: as_of of the figures and base of relative dates",
    )
    extract.add_argument(
        "--facts",
        metavar="PATH",
        help="fact base whose claimants and metrics are matched (default: the bundled facts.yaml)",
    )
    extract.set_defaults(run=cmd_extract)

    from dashboard.curation.additions import FLAG_FIELDS, LIST_FIELDS

    adds = commands.add_parser(
        "add",
        help="add a source, claimant, metric, fact or event to a fact file, from flags "
        "or from the YAML `extract` printed; the fact base is checked first",
    )
    adds.add_argument(
        "what",
        metavar="KIND|FILE",
        help="fact, source, claimant, metric or event (with flags), or a "
        "YAML file of additions ('-' reads standard input)",
    )
    adds.add_argument("id", nargs="?", help="the new entry's id (a fact's is suggested when not given)")
    adds.add_argument("--to", metavar="FILE", help="fact file to write into (default: the --facts file)")
    adds.add_argument(
        "--facts",
        metavar="PATH",
        help="top-level fact file whose whole base is checked (default: the "
        "nearest facts.yaml in the --to file's folder or above it)",
    )
    adds.add_argument("--dry-run", action="store_true", help="write nothing; print the lines that would be added")
    entry = adds.add_argument_group(
        "fields of the entry (flags form; each kind takes the fields of its section in the schema)"
    )
    for name in FLAG_FIELDS:
        entry.add_argument(
            "--" + name.replace("_", "-"),
            dest="field_" + name,
            metavar="TEXT",
            action="append" if name in LIST_FIELDS else "store",
            help="repeat for more" if name in LIST_FIELDS else None,
        )
    adds.set_defaults(run=cmd_add)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    before = os.environ.get("FACTDASH_ROOT")
    if args.root:
        os.environ["FACTDASH_ROOT"] = os.path.realpath(args.root)  # the server's process inherits it
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130
    finally:  # main() called in-process (tests, scripts) leaves the environment as it found it
        if before is None:
            os.environ.pop("FACTDASH_ROOT", None)
        else:
            os.environ["FACTDASH_ROOT"] = before


if __name__ == "__main__":
    sys.exit(main())
