"""Checking one large fact file on two cores: the facts list cut in two, the second half in a child.

Clean files in the usual shape are read by the facts scanner (factscan.py) before this is tried;
this serves long files it declines (a block scalar, an anchor, a problem to report) and installs
without the scanner. A cold load of such a file is mostly parsing and column work under one GIL. The text is
cut at a fact's list item near its middle; the first half (everything before the cut) is checked
here while a forked child checks the second (the rest of the file, after a "schema_version: 1" of
its own and blank lines that keep its line numbers). The caller merges the halves, and falls back to
checking the whole file whenever either half has any problem, so every message still comes from a
whole-file check.

Why a cut at an item cannot change what the file means: the first half ends just before a line that
starts with the list's own "- ". Anything still open there (a quoted or flow scalar) makes the first
half end inside it, which is a parse error, hence a fallback; anything indented (a block scalar, a
plain multi-line scalar) has ended at that line. The second half is the same text from that line on,
under its own "facts:" key. Aliases cannot reach across (an alias to an anchor in the first half is
an error in the second); a top-level key in both halves (besides those two) is checked by the caller.
"""

from __future__ import annotations

import os
import pickle
import re
import select
import signal
import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

SPLIT_BYTES = 4_000_000  # below this a fork costs more than it saves (measured: about 0.4 s per 10 MB)
_FACTS_KEY = re.compile(r"^facts[ \t]*:[ \t]*(?:#[^\n]*)?\n", re.MULTILINE)
_FIRST_ITEM = re.compile(r"^( *)-[ \n]", re.MULTILINE)


def can_fork() -> bool:
    """Fork only a process with a single Python thread: a lock held by another thread (a logger, a
    cache writer, a server's) would stay held for ever in the child. Servers check whole files."""
    return hasattr(os, "fork") and (os.cpu_count() or 1) > 1 and threading.active_count() == 1


def split_facts(text: str) -> tuple[str, str] | None:
    """The text cut at a fact near its middle: (everything before, the rest under its own "facts:"),
    or None when there is no top-level facts list to cut safely."""
    key = _FACTS_KEY.search(text)
    if key is None or _facts_key_after(text, key.end()):
        return None  # no facts list, or two (a duplicate key: the whole-file check reports it)
    position = key.end()
    while (first := _FIRST_ITEM.match(text, position)) is None:  # blank and comment lines before the first item
        line_end = text.find("\n", position)
        line = text[position:line_end]
        if line_end < 0 or (line.strip() and not line.lstrip().startswith("#")):
            return None  # a flow list, or something else
        position = line_end + 1
    indent = first.group(1)
    cut = text.find("\n" + indent + "- ", (first.end() + len(text)) // 2)  # half the facts each
    if cut < 0:
        return None
    cut += 1
    # The cut must still be in the facts list: no top-level line (a next key, a document marker)
    # between the list's first item and the cut.
    top_level = re.compile(r"\n(?![ \n#]" + ("|- " if not indent else "") + ")")
    if top_level.search(text, first.start(), cut - 1) or "\r" in text:
        return None
    lines_before = text.count("\n", 0, cut)
    # The rest starts with the one key a file needs, then blank lines up to the cut's own line.
    return text[:cut], "schema_version: 1" + "\n" * (lines_before - 1) + "facts:\n" + text[cut:]


def _facts_key_after(text: str, start: int) -> bool:
    found = text.find("\nfacts", start - 1)
    while found >= 0:
        if _FACTS_KEY.match(text, found + 1):
            return True
        found = text.find("\nfacts", found + 1)
    return False


def in_child(function: Callable[..., T], *args: object) -> Callable[[float], T | None]:
    """Start `function(*args)` in a forked child; return a function that waits for its result.

    The result comes back pickled through a pipe. Waiting gives None if the child failed, crashed,
    or gave nothing within `timeout` seconds (it is then killed): the caller then does the work itself.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: do the work, send it, leave without running any of the parent's exit code
        status = 1
        try:
            os.close(read_end)
            payload = pickle.dumps(function(*args), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
            status = 0
        except BaseException:  # noqa: BLE001 - any failure means "the parent does it itself"
            pass
        finally:
            os._exit(status)
    os.close(write_end)

    def result(timeout: float) -> T | None:
        deadline = time.monotonic() + timeout
        chunks = []
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([read_end], [], [], left)[0]:
                    os.kill(pid, signal.SIGKILL)
                    return None
                chunk = os.read(read_end, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(read_end)
            _reap(pid)
        try:
            # A complete payload is the child's success: it writes only once the work is done.
            return pickle.loads(b"".join(chunks))
        except Exception:  # noqa: BLE001 - nothing or a torn payload: do the work here
            return None

    return result


def _reap(pid: int) -> None:
    """Collect the child's exit without waiting for the kernel to tear down its memory (a tenth of
    a second for a large load); a thread waits for it if it has not gone yet."""
    if os.waitpid(pid, os.WNOHANG) == (0, 0):
        threading.Thread(target=os.waitpid, args=(pid, 0), name="factdash-reaper", daemon=True).start()
