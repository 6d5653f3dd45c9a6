"""Reading a fact base: a top file and everything it includes, each file checked on its own and
cached by content hash, then assembled into one FactBase (frame.py); every problem located to
file:line:column, the precise (slower) YAML parse run only for files that have problems.
"""

from __future__ import annotations

import gc
import os
import stat
import time
from pathlib import Path

from dashboard.factbase import cache, store  # noqa: F401 - store registers the cache's codecs
from dashboard.factbase.errors import FactBaseError, Problem
from dashboard.factbase.factfile import FileResult, check_file
from dashboard.factbase.frame import assemble
from dashboard.factbase.model import FactBase
from dashboard.factbase.paths import fact_base_folder, max_file_bytes, max_files
from dashboard.factbase.tables import check_table, table_located
from dashboard.factbase.yamltext import Located, YamlProblems, decode, parse_checked


def _code_version() -> str:
    """Cached results are only as good as the code that made them: key them on its source too."""
    here = Path(__file__).parent
    code = b"".join(path.read_bytes() for path in sorted(here.glob("*.py")))
    return cache.digest(code)[:12]


LOADER_VERSION = _code_version()


# ---- one file ----------------------------------------------------------------------------------


def read_file(path: Path, file: str, data: bytes | None, digest: str | None = None) -> FileResult:
    """Check one file on its own; cached by its content and the name it is shown under. `data` is
    None when the file is known unchanged and only its digest is at hand."""
    digest = digest or cache.digest(data)
    cached = cache.get(_file_key(digest, file))
    if isinstance(cached, FileResult):
        return cached
    if data is None:  # known unchanged by its signature (see _read), but its result is not cached
        data = path.read_bytes()
        digest = cache.digest(data)
    result = _check_file(file, data, digest)
    cache.put(_file_key(digest, file), result)
    return result


def _file_key(digest: str, file: str) -> str:
    return f"file-{LOADER_VERSION}-{cache.digest(f'{digest}:{file}'.encode())}"


def _check_file(file: str, data: bytes, digest: str) -> FileResult:
    """A CSV fact table (by its name) or a YAML fact file, checked on its own."""
    return check_table(file, data, digest) if is_table(file) else check_file(file, data, digest)


def is_table(file: str) -> bool:
    return file.lower().endswith(".csv")


# ---- the whole fact base -------------------------------------------------------------------------


def load_factbase(path: str | os.PathLike, overrides: dict[Path, bytes] | None = None) -> FactBase:
    """Load a fact file and everything it includes; raise FactBaseError listing every problem.

    `overrides` maps resolved paths to content read in place of the file's (`factdash add` checks
    a file as it would be after an edit, before writing it)."""
    # A load makes millions of small objects and no cycles: the collector's passes over them cost
    # about 0.4 s per 100k facts and free nothing, so it waits until the load is done.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with cache.deferred_writes():  # the load runs at full speed; the cache is written after it
            return _load(Path(path), overrides or {})
    finally:
        if collecting:
            gc.enable()


def _load(path: Path, overrides: dict[Path, bytes] | None = None) -> FactBase:
    root = Path(path)
    if not overrides:
        known = _unchanged_base(root)
        if known is not None:
            return known
    files: list[tuple[Path, FileResult, str]] = []  # (absolute path, result, text digest)
    problems: list[Problem] = []
    texts: dict[str, bytes] = {}
    _collect(root, _display(root), files, problems, texts, overrides=overrides or {})
    key = _base_key([(r.file, r.digest) for _, r, _ in files])
    if not problems:
        cached = cache.get(key)
        if isinstance(cached, FactBase):
            if not overrides:
                _remember_files(root, files)
            return cached
    results = [r for _, r, _ in files]
    base, more = assemble(results, _locate_in(results, texts), complete=not problems)
    problems.extend(more)
    if base is None or any(p.severity == "error" for p in problems):
        raise FactBaseError(problems)
    base.content_hash = key.rsplit("-", 1)[-1]
    base.warnings = [p for p in problems if p.severity != "error"]
    cache.put(key, base)
    if not overrides:
        _remember_files(root, files)
    return base


def _base_key(files: list[tuple[str, str]]) -> str:
    """The cache key of a whole fact base: its files (as shown) and their content digests."""
    listed = "|".join(f"{file}:{digest}" for file, digest in files)
    return "base-" + LOADER_VERSION + "-" + cache.digest(listed.encode())


def _files_key(root: Path) -> str:
    # Files are shown relative to the working directory, so the list is only good for the same one.
    folder = fact_base_folder(root)
    return "files-" + LOADER_VERSION + "-" + cache.digest(f"{root}|{root.resolve()}|{os.getcwd()}|{folder}".encode())


def _remember_files(root: Path, files: list[tuple[Path, FileResult, str]]) -> None:
    """Record the files a base was read from, their digests and (where settled) stat signatures."""
    record = []
    for path, result, _ in files:
        known = _READ.get(path)
        signature = known[0] if known and known[2] == result.digest and known[3] else None
        record.append((str(path), result.file, result.digest, signature))
    cache.put(_files_key(root), record)


def _unchanged_base(root: Path) -> FactBase | None:
    """The cached base when no file it was read from has changed, without opening the per-file
    results (a warm start in a new process then reads one cache entry, not every file's cached
    frames). An include list can only change with its file's content, so the same digests mean the
    same files. A file whose recorded signature still holds is not even read: it is noted as known
    (content not read) for `_read`, so that a load after an edit elsewhere skips it too."""
    known = cache.get(_files_key(root))
    if not isinstance(known, list) or len(known) > max_files():  # over the limit now: _collect says so
        return None
    unchanged = True
    for resolved, _, digest, recorded in known:
        path = Path(resolved)
        signature = tuple(recorded) if recorded is not None else None  # JSON made the tuple a list
        try:
            # Only regular files: a path that became a pipe or a device would not answer (see _collect).
            if not path.is_file():
                return None
            current, _ = _signature(path)
            if current[2] > max_file_bytes():  # too big to read: _collect says so
                return None
            if signature is not None and current == signature and path not in _READ:
                _READ[path] = (signature, None, digest, True)
            unchanged = unchanged and _read(path)[1] == digest
        except OSError:
            return None
    cached = cache.get(_base_key([(file, digest) for _, file, digest, _ in known])) if unchanged else None
    return cached if isinstance(cached, FactBase) else None


def _display(path: Path) -> str:
    absolute = path.absolute()
    try:
        relative = os.path.relpath(absolute)
    except ValueError:
        return str(absolute)
    return relative if not relative.startswith("..") else str(absolute)


def _collect(
    top: Path,
    file: str,
    files: list,
    problems: list[Problem],
    texts: dict[str, bytes],
    overrides: dict[Path, bytes] | None = None,
    folder: Path | None = None,
) -> None:
    """Read `top` and its includes depth first, in order (a list of work, not recursion: a chain of
    a thousand includes is a fact base too); report cycles, missing files and files outside the fact
    base's `folder` where they are included."""
    folder = folder or fact_base_folder(top)
    most = max_files()
    seen: set[Path] = set()
    # (path, shown as, the files including it (for cycles), where it was included)
    work: list[tuple[Path, str, tuple[Path, ...], Problem | None]] = [(top, file, (), None)]
    while work:
        path, file, stack, origin = work.pop()
        resolved = path.resolve()
        if resolved in seen:
            continue  # included twice (a diamond): read once
        reason = _unreadable(path, resolved, folder, origin, overrides)
        if reason is None and len(seen) >= most:
            assert origin is not None  # the top file is the first
            problems.append(
                Problem(
                    origin.file,
                    origin.line,
                    origin.column,
                    f"cannot include '{origin.message}' (nor any file after it): the fact base has {most} "
                    "files already, the most one reads (FACTDASH_MAX_FILES)",
                )
            )
            break
        if reason is None:
            try:
                data, digest = (overrides[resolved], None) if overrides and resolved in overrides else _read(resolved)
            except (FileNotFoundError, IsADirectoryError, PermissionError, OSError) as err:
                reason = {
                    FileNotFoundError: "no such file",
                    IsADirectoryError: "it is a folder",
                    PermissionError: "permission denied",
                }.get(type(err), err.strerror or str(err))
        if reason is not None:
            if origin:
                problems.append(
                    Problem(origin.file, origin.line, origin.column, f"cannot include '{origin.message}': {reason}")
                )
            else:
                problems.append(Problem(file, 1, 1, f"cannot read the fact file: {reason}"))
            continue
        seen.add(resolved)
        texts[file] = data if data is not None else resolved  # a path: read if a message needs a location
        result = read_file(resolved, file, data, digest)
        files.append((resolved, result, result.digest))
        problems.extend(result.fatal)
        located = _locator(result, texts)
        for node_path, message, where in result.problems:
            problems.append(_at(result.file, located, node_path, message, where))
        children = []
        for written, node_path in result.includes:
            target = resolved.parent / written
            line, column = located().of_value(node_path)
            if target.resolve() in (*stack, resolved):
                chain = " -> ".join(_display(p) for p in (*stack, resolved, target.resolve()))
                problems.append(Problem(file, line, column, f"include cycle: {chain}"))
                continue
            children.append((target, _display(target), (*stack, resolved), Problem(file, line, column, written)))
        work.extend(reversed(children))  # the first include is read next, as a recursion would


def _unreadable(
    path: Path, resolved: Path, folder: Path, origin: Problem | None, overrides: dict[Path, bytes] | None
) -> str | None:
    """Why a file cannot be read, before anything of it is read; None when it can be."""
    if origin is not None and not resolved.is_relative_to(folder):
        # Nothing of the file is read or shown: only its name.
        return (
            f"it is outside the fact base's folder {folder} (an include stays inside it; "
            "--root or FACTDASH_ROOT names a wider folder)"
        )
    if overrides and resolved in overrides:
        return None
    try:
        info = os.stat(resolved)
    except OSError:
        return None  # said when it is read
    if stat.S_ISDIR(info.st_mode):
        return "it is a folder"
    if not stat.S_ISREG(info.st_mode):
        # A device or a pipe (/dev/zero, a FIFO) would never end or never answer: not a fact file.
        return "it is not a regular file (a device or a pipe?)"
    limit = max_file_bytes()
    if info.st_size > limit:
        return (
            f"it is {info.st_size / 1048576:,.1f} MB, over the limit of {limit / 1048576:,.0f} MB for one fact "
            "file (FACTDASH_MAX_FILE_MB); split it into files included from one"
        )
    return None


_READ: dict[Path, tuple[tuple, bytes | None, str, bool]] = {}  # path -> (signature, content, digest, settled)
_SETTLED_NS = 2_000_000_000


def _signature(path: Path) -> tuple[tuple, bool]:
    """A file's stat signature, and whether it was last changed over two seconds ago."""
    info = os.stat(path)
    signature = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    return signature, time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) > _SETTLED_NS


def _read(path: Path) -> tuple[bytes | None, str]:
    """A file's content and digest; unchanged files are not read again (content None: known
    unchanged from the disk cache's record, not read in this process).

    The dashboard loads the fact base on every interaction: hashing megabytes of unchanged files each
    time was a tenth of the server's work under load. A file counts as unchanged when its inode, size,
    modification and change times are the ones recorded, and it had already gone unchanged for two
    seconds when they were recorded: a write within the same clock tick as that look could otherwise
    leave the times as they were (git knows this as the racy-clean problem).
    """
    signature, settled = _signature(path)
    known = _READ.get(path)
    if known and known[0] == signature and known[3]:
        return known[1], known[2]
    data = path.read_bytes()
    digest = cache.digest(data)
    if len(_READ) > 256:
        _READ.clear()
    _READ[path] = (signature, data, digest, settled)
    return data, digest


def _locator(result: FileResult, texts: dict[str, bytes]):
    """A function giving where the file's nodes are, computed on first use (only files with problems
    pay): the located YAML parse, or a fact table's cells."""
    memo: list[Located] = []

    def located() -> Located:
        if not memo:
            key = f"located-{result.digest}"
            found = cache.remembered(key)
            if found is None:
                try:
                    text = texts[result.file]
                    data = text.read_bytes() if isinstance(text, Path) else text
                    if is_table(result.file):
                        found = table_located(data)
                    else:
                        _, found, _ = parse_checked(decode(data, result.file), result.file)
                except (YamlProblems, KeyError, OSError):
                    found = Located()
                cache.remember(key, found)
            memo.append(found)
        return memo[0]

    return located


def _at(file: str, located, node_path: tuple, message: str, where: str, severity: str = "error") -> Problem:
    line, column = located().of_key(node_path) if where == "key" else located().of_value(node_path)
    return Problem(file, line, column, message, severity)


def _locate_in(results: list[FileResult], texts: dict[str, bytes]):
    """A `frame.Locate` over the files of one load."""
    locators = {r.file: _locator(r, texts) for r in results}

    def locate(file: str, node_path: tuple, message: str, where: str) -> Problem:
        return _at(file, locators[file], node_path, message, where)

    return locate
