"""A small content-addressed cache: in memory for the running process, on disk across processes.

An entry on disk is a JSON file (what it holds, and the BLAKE3 digest of each of its frames' files) and an
Arrow IPC file per frame. Nothing is unpickled: a cache folder someone else could write to cannot
make this process run code. Entries are keyed by content hashes, so a changed file is never served
stale; an entry that is missing, torn, from another version or not what its hashes say is treated
as missing. Writes are atomic (a temporary file, then a rename), the frames first and the JSON last,
into a folder only its owner can read.

What a value becomes on disk is said by its codec (`codec`): the loader registers one for its
per-file results and one for whole fact bases; lists and dicts of JSON values need none.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import blake3
import pandas as pd
import pyarrow as pa

_MEMORY: OrderedDict[str, Any] = OrderedDict()
_MEMORY_ENTRIES = 64
_WRITERS: list[threading.Thread] = []
_DEFERRING = threading.local()
FORMAT = 1


def digest(data: bytes) -> str:
    """The content digest that keys and checks the cache: BLAKE3 (cryptographic, as SHA-256 is, and
    5 times as fast here: 5 ms against 28 on the default base's 34 MB frame, read back on every warm
    start), on several threads for a large input."""
    return _hasher(len(data)).update(data).hexdigest()[:40]


def _hasher(size: int) -> blake3.blake3:
    return blake3.blake3(max_threads=blake3.blake3.AUTO if size > _THREADED_HASH else 1)


_THREADED_HASH = 1 << 20  # bytes; below this a second thread costs more than it saves


def cache_dir() -> Path | None:
    """Where entries persist; FACTDASH_CACHE_DIR=off disables the disk cache."""
    configured = os.environ.get("FACTDASH_CACHE_DIR")
    if configured == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "factdash"


# ---- what a value is on disk ------------------------------------------------------------------------


@dataclass
class Entry:
    """A value as the disk holds it: JSON data and named frames."""

    data: Any
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class Codec:
    kind: str
    type: type
    encode: Callable[[Any], Entry]
    decode: Callable[[Entry], Any]


_CODECS: dict[str, Codec] = {}


def codec(kind: str, value_type: type, encode: Callable[[Any], Entry], decode: Callable[[Entry], Any]) -> None:
    """Say how values of `value_type` are written to the disk cache and read back."""
    _CODECS[kind] = Codec(kind, value_type, encode, decode)


def _codec_of(value: Any) -> Codec | None:
    return next((c for c in _CODECS.values() if isinstance(value, c.type)), None)


# ---- reading and writing ------------------------------------------------------------------------------


def get(key: str) -> Any | None:
    if key in _MEMORY:
        _MEMORY.move_to_end(key)
        return _MEMORY[key]
    folder = cache_dir()
    if folder is None:
        return None
    value = _read(folder, key)
    if value is not None:
        remember(key, value)
    return value


def _read(folder: Path, key: str) -> Any | None:
    try:
        head = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        if head.get("format") != FORMAT:
            return None
        frames = {}
        for name, expected in head["frames"].items():
            # Mapped, not read: the frame's text columns are the file's own pages, hashed in place.
            with pa.memory_map(str(folder / f"{key}.{name}.arrow")) as source:
                data = source.read_buffer()
            if digest(data) != expected:  # torn, or not what was written
                return None
            frames[name] = frame_of(pa.ipc.open_file(data).read_all())
        entry = Entry(head["data"], frames)
        kind = head.get("kind")
        return _CODECS[kind].decode(entry) if kind else entry.data
    except Exception:  # noqa: BLE001 - missing, truncated, from another version: rebuild
        return None


def put(key: str, value: Any, *, wait: bool = False) -> None:
    """Remember `value` now; write it to disk in the background (the caller already has it).

    The writer thread is not a daemon, so a command that exits right after a load still
    finishes the write; `wait=True` writes before returning.
    """
    remember(key, value)
    if cache_dir() is None:
        return
    if wait:
        _write(key, value)
        return
    if getattr(_DEFERRING, "pending", None) is not None:
        _DEFERRING.pending.append((key, value))
        return
    _start_writer([(key, value)])


@contextlib.contextmanager
def deferred_writes():
    """Hold disk writes until the block ends, then write them all in one background thread: a
    cold load parses at full speed, with no writer beside it."""
    _DEFERRING.pending = []
    try:
        yield
    finally:
        pending, _DEFERRING.pending = _DEFERRING.pending, None
        if pending:
            _start_writer(pending)


def _start_writer(entries: list[tuple[str, Any]]) -> None:
    def write_all() -> None:
        for key, value in entries:
            _write(key, value)

    writer = threading.Thread(target=write_all, name="factdash-cache-writer")
    _WRITERS.append(writer)
    writer.start()


def flush() -> None:
    """Wait for background writes (tests and benchmarks that read the disk cache next)."""
    while _WRITERS:
        _WRITERS.pop().join()


def _write(key: str, value: Any) -> None:
    folder = cache_dir()
    if folder is None:
        return
    found = _codec_of(value)
    entry = found.encode(value) if found else Entry(value)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        hashes = {}
        for name, frame in entry.frames.items():
            hashes[name] = _write_table(folder, f"{key}.{name}.arrow", table_of(frame))
        head = {"format": FORMAT, "kind": found.kind if found else None, "frames": hashes, "data": entry.data}
        _replace(folder, f"{key}.json", json.dumps(head, ensure_ascii=False).encode("utf-8"))
    except (OSError, TypeError, ValueError, RuntimeError, pa.ArrowException):  # a full disk only costs speed
        pass


def _write_table(folder: Path, name: str, table: pa.Table) -> str:
    """Write `table` as an Arrow IPC file, atomically, streamed to disk: a million facts' file is
    hundreds of megabytes that need not sit in memory beside the frame it was made from. Returns
    the file's digest, read back from disk in pieces."""
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        os.close(handle)
        with pa.OSFile(temporary, "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
            out.write_table(table)
        hashed = _hasher(os.path.getsize(temporary))
        with open(temporary, "rb") as written:
            while piece := written.read(1 << 22):
                hashed.update(piece)
        os.replace(temporary, folder / name)
    except (OSError, pa.ArrowException):
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return hashed.hexdigest()[:40]  # as digest() writes it


def _replace(folder: Path, name: str, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, folder / name)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


# ---- frames as Arrow tables, and back -------------------------------------------------------------------


def table_of(frame: pd.DataFrame) -> pa.Table:
    """A frame as an Arrow table: its columns only (the index is the caller's to keep)."""
    # One thread: the writer runs beside a process that may be ending, when no pool may start.
    return pa.Table.from_pandas(frame, preserve_index=False, nthreads=1).replace_schema_metadata(None)


def frame_of(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as the frame the loader makes: text as Arrow-backed strings, lists as Arrow
    lists, flags as nullable booleans, numbers and dates as numpy arrays."""
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            columns[name] = pd.array(column, dtype="str")
        elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
            columns[name] = pd.array(column, dtype=pd.ArrowDtype(kind))
        elif pa.types.is_boolean(kind):
            columns[name] = pd.array(column, dtype="boolean")
        else:
            columns[name] = column.to_numpy()
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))


# ---- the memory layer -------------------------------------------------------------------------------------


def clear_memory() -> None:
    _MEMORY.clear()


def remembered(key: str) -> Any | None:
    """A value kept in memory only (never written to disk), or None."""
    return _MEMORY.get(key)


def remember(key: str, value: Any) -> None:
    """Keep `value` in memory only, among the most recently used entries."""
    _MEMORY[key] = value
    _MEMORY.move_to_end(key)
    while len(_MEMORY) > _MEMORY_ENTRIES:
        _MEMORY.popitem(last=False)
