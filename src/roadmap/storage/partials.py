"""Partial backup files: named so nobody mistakes them for a backup, cleaned when stale.

A backup is written to ``.<name>.<pid>.partiel`` beside its target, then renamed. A killed
backup (kill -9, power cut) leaves that file, as large as the database. The next backup
into the same folder removes such files when the process that wrote them is gone (or
the file is a day old: the pid was reused), and only files of this exact pattern.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path

_OURS = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.partiel(-journal|-wal|-shm)?$")
# before pids were in the name: "<name>.partiel", kept only if a backup may still run
_LEGACY = re.compile(r"^(?P<name>.+)\.partiel(-journal|-wal|-shm)?$")
STALE_AFTER = 24 * 3600
LEGACY_STALE_AFTER = 3600
_SQLITE_HEADER = b"SQLite format 3\0"


def partial_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.partiel")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def _looks_like_ours(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_SQLITE_HEADER))
    except OSError:
        return False
    return head in (b"", _SQLITE_HEADER) or not path.name.endswith(".partiel")


def stale_partials(folder: Path, *, now: float | None = None) -> list[Path]:
    """Partial files of killed backups in ``folder``."""
    now = time.time() if now is None else now
    found = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for path in entries:
        try:
            age = now - path.lstat().st_mtime
        except OSError:
            continue
        if not path.is_file() or path.is_symlink():
            continue
        ours = _OURS.match(path.name)
        if ours:
            pid = int(ours.group("pid"))
            if pid != os.getpid() and (not _alive(pid) or age > STALE_AFTER):
                found.append(path)
        elif _LEGACY.match(path.name) and age > LEGACY_STALE_AFTER and _looks_like_ours(path):
            found.append(path)
    return sorted(found)


def clean_stale_partials(folder: Path) -> list[Path]:
    """Remove them; return what was removed (the command says so)."""
    removed = []
    for path in stale_partials(folder):
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed
