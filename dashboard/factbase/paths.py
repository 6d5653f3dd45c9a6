"""Where the bundled fact base lives, in a checkout and in an installed package."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def default_facts_path() -> Path:
    """$FACTDASH_FACTS, else the checkout's facts.yaml, else the copy installed under share/factdash."""
    configured = os.environ.get("FACTDASH_FACTS")
    if configured:
        return Path(configured)
    for candidate in (REPO_ROOT / "facts.yaml", Path(sys.prefix) / "share" / "factdash" / "facts.yaml"):
        if candidate.is_file():
            return candidate
    return REPO_ROOT / "facts.yaml"


def fact_base_folder(top: Path, root: str | os.PathLike | None = None) -> Path:
    """The folder a fact base reads from, resolved: `root`, else $FACTDASH_ROOT, else the folder of its
    top file. Includes (and import inputs and outputs) must lie inside it: a fact file from elsewhere
    must not make the loader read /etc/passwd or a secret beside the project and show it to readers."""
    chosen = root if root is not None else os.environ.get("FACTDASH_ROOT") or Path(top).absolute().parent
    return Path(os.path.realpath(chosen))


def inside(path: Path, folder: Path) -> bool:
    """Whether `path`, its symbolic links followed, lies in `folder` (resolved)."""
    return Path(os.path.realpath(path)).is_relative_to(folder)


MAX_FILE_MB = 16


def max_file_bytes() -> int:
    """The largest fact file read ($FACTDASH_MAX_FILE_MB, default 16): checked before reading, so that
    a huge file (or a sparse one of a gigabyte) is refused at once instead of filling memory. The
    default bounds the worst case, a file with a problem, whose messages are placed by the located
    parse: at 16 MB about 9 s and 1 GB here (docs/security.md)."""
    try:
        megabytes = float(os.environ.get("FACTDASH_MAX_FILE_MB", "") or MAX_FILE_MB)
    except ValueError:
        megabytes = MAX_FILE_MB
    return int(megabytes * 1024 * 1024)


MAX_FILES = 500


def max_files() -> int:
    """The most files one fact base reads ($FACTDASH_MAX_FILES, default 500): each file costs a cold
    load about 12 ms of checks of its own, so a thousand tiny includes took 12 s (30 s before)."""
    try:
        return int(os.environ.get("FACTDASH_MAX_FILES", "") or MAX_FILES)
    except ValueError:
        return MAX_FILES
