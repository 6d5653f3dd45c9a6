"""Writing files so that a reader or a crash sees the old version or the new one, never half of one.

The new content goes to a temporary file beside the target, `.<name>.<pid>.<random>.tmp`, which is
flushed to disk and then renamed over the target (a rename within one folder is atomic on POSIX).
A writer killed outright (SIGKILL, power cut) before the rename leaves its temporary file behind
and the target untouched. Such leftovers start with a dot and end in `.tmp`, so nothing that reads
fact files (explicit `include:` paths, `*.yaml` globs) can take one for a fact file; the next write
to the same target removes those whose writing process is gone.

Only a regular file (or a new name) is ever replaced: a rename over a FIFO, a device node or a
folder would swap it for a regular file (`schema --write /dev/null`, run as root, would break the
system). A symbolic link is written through: the file it points to gets the new content and the
link stays a link.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path


class NotARegularFile(OSError):
    """The target exists and is not a regular file (a folder, a FIFO, a device, a socket)."""


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, flush it to disk, then rename over the target
    (through a symbolic link, the file it points to); refuse to replace anything but a regular file."""
    target = writable_target(target)
    remove_stale_temporaries(target)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if target.exists():
            os.chmod(temporary, target.stat().st_mode & 0o777)
        else:
            os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _sync_folder(target.parent)


def writable_target(target: Path) -> Path:
    """The file a write to `target` replaces: the target itself, or where its symbolic links lead;
    NotARegularFile when that exists and is not a regular file."""
    target = Path(target)
    real = Path(os.path.realpath(target)) if target.is_symlink() else target
    try:
        info = os.stat(real)
    except FileNotFoundError:
        return real
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a device, a pipe or a socket)"
        raise NotARegularFile(f"{target} is {kind}: only a regular file is ever replaced")
    return real


def write_text_atomic(target: Path, text: str) -> None:
    write_bytes_atomic(target, text.encode("utf-8"))


def temporaries_of(target: Path) -> list[Path]:
    """The temporary files that writes to `target` have made and not (yet) renamed or removed."""
    target = Path(target)
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.[A-Za-z0-9_]+\.tmp$")
    try:
        names = os.listdir(target.parent)
    except OSError:
        return []
    return [target.parent / name for name in names if pattern.match(name)]


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the temporary files of writers to `target` that died before renaming; return them.

    A temporary file names the process that writes it; one whose process still runs may be a
    write in progress (in this process or another) and is left alone.
    """
    removed = []
    for path in temporaries_of(target):
        pid = int(path.name[len(Path(target).name) + 2 :].split(".", 1)[0])
        if pid == os.getpid() or _running(pid):
            continue
        try:
            path.unlink()
            removed.append(path)
        except FileNotFoundError:  # another writer cleaned it up first
            pass
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    return True


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable: without this a power cut may bring back the old name."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
