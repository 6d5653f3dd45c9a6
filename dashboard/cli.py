"""The `factdash` command: thin front end over the loader, the analysis and the exporters."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .errors import FactBaseError
from .loader import load_factbase
from .paths import default_facts_path


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
    from .schema import json_schema_text

    text = json_schema_text()
    if args.write:
        target = Path(args.write)
        from .atomic import write_text_atomic

        write_text_atomic(target, text)
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
    from .conflicts import conflict_to_dict, conflicts_frame, find_conflicts

    base = _load_or_report(args.facts)
    if base is None:
        return 1
    conflicts = find_conflicts(base.facts, window_days=args.window)
    if args.format == "json":
        _emit(json.dumps([conflict_to_dict(c) for c in conflicts], indent=2, ensure_ascii=False) + "\n")
    elif args.format == "csv":
        columns = ["group_id", "ratio", "overlap", "summary", "fact_id", "metric", "claimant", "claimant_name",
                   "party_to_conflict", "value", "low", "high", "central", "qualifier", "interval_low",
                   "interval_high", "as_of", "stated", "stage", "source", "url", "quote", "file", "line"]
        # An open bound is "no limit": an empty cell, as it is null in the JSON, rather than "inf".
        frame = conflicts_frame(conflicts)[columns].replace([float("inf"), float("-inf")], float("nan"))
        _emit(frame.to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\n"))
    else:
        apart = sum(c.conflicting for c in conflicts)
        lines = [f"{len(conflicts)} group{'s' if len(conflicts) != 1 else ''} of comparable figures disagree: "
                 f"{apart} with no value in common, {len(conflicts) - apart} compatible as stated "
                 f"(as_of within {args.window} days)"]
        for c in conflicts:
            ratio = "inf" if c.ratio == float("inf") else f"{c.ratio:.1f}x"
            ids = [f + (" (party to the conflict)" if f in c.party_members else "") for f in c.members["fact_id"]]
            lines += ["", f"{ratio:>7}  {'conflict' if c.conflicting else 'overlap '}  {c.group_id}  ({c.metric_label})",
                      f"         {c.summary}", f"         {', '.join(ids)}"]
        _emit("\n".join(lines) + "\n")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .checks import run_checks

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
        lines.append(f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''} "
                     f"in {base.summary()}")
        _emit("\n".join(lines) + "\n")
    return 1 if errors or (args.strict and warnings) else 0


def _emit(text: str) -> None:
    """Write a command's whole output; a reader that stops early (`| head`) is not an error."""
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
    """Replace this process with the real Streamlit server on the dashboard (signals go straight to it)."""
    import os

    facts = Path(args.facts).resolve() if args.facts else default_facts_path().resolve()
    app = Path(__file__).resolve().parent / "app.py"
    command = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.address", args.host, "--server.port", str(args.port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.enableXsrfProtection", "true", "--server.enableCORS", "true",
        "--server.fileWatcherType", "none", "--global.developmentMode", "false",
        "--client.toolbarMode", "viewer", "--client.showErrorDetails", "none",
    ]
    print(f"factdash: serving {facts} at http://{args.host}:{args.port}", flush=True)
    os.execve(sys.executable, command, {**os.environ, "FACTDASH_FACTS": str(facts)})
    return 0  # not reached


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="factdash", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check a fact base and its includes; exit 1 on problems")
    validate.add_argument("path", nargs="?", help="fact file (default: the bundled facts.yaml)")
    validate.set_defaults(run=cmd_validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of fact files (or --write it)")
    schema.add_argument("--write", metavar="PATH", help="write it to PATH atomically")
    schema.set_defaults(run=cmd_schema)

    conflicts = commands.add_parser("conflicts", help="list groups of comparable figures whose claimants disagree")
    conflicts.add_argument("--facts", metavar="PATH", help="fact file (default: the bundled facts.yaml)")
    conflicts.add_argument("--window", metavar="DAYS", type=_days, default=31,
                           help="as_of dates this many days apart or less are compared (default: 31)")
    conflicts.add_argument("--format", choices=["table", "json", "csv"], default="table",
                           help="table (default), json (one object per group) or csv (one row per member)")
    conflicts.set_defaults(run=cmd_conflicts)

    check = commands.add_parser("check", help="consistency checks over a fact base; exit 1 on errors")
    check.add_argument("--facts", metavar="PATH", help="fact file (default: the bundled facts.yaml)")
    check.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    check.add_argument("--format", choices=["table", "json"], default="table", help="table (default) or json")
    check.set_defaults(run=cmd_check)

    serve = commands.add_parser("serve", help="start the dashboard (a Streamlit server) on the fact base")
    serve.add_argument("--facts", metavar="PATH", help="fact file (default: the bundled facts.yaml)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    serve.add_argument("--port", type=int, default=8501)
    serve.set_defaults(run=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
