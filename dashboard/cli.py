"""The `factdash` command: thin front end over the loader, the analysis and the exporters."""

from __future__ import annotations

import argparse
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="factdash", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check a fact base and its includes; exit 1 on problems")
    validate.add_argument("path", nargs="?", help="fact file (default: the bundled facts.yaml)")
    validate.set_defaults(run=cmd_validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of fact files (or --write it)")
    schema.add_argument("--write", metavar="PATH", help="write it to PATH atomically")
    schema.set_defaults(run=cmd_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
