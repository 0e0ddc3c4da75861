"""Atomic file writes: a reader sees the old file or the new one, never a truncated one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # some systems cannot open a folder; the rename is still atomic
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, *, sync_dir: bool = True, mode: int = 0o644) -> None:
    """Temp file in the same folder → fsync → os.replace → fsync the folder (RISKS 12).

    ``sync_dir=False`` lets a caller writing many files fsync each folder once at the end.
    """
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, mode)  # mkstemp makes 0600; exports are meant to be read by others
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        # Any failure, interruption included, leaves the old file and no temp behind.
        Path(tmp_name).unlink(missing_ok=True)
        raise
    if sync_dir:
        fsync_dir(folder)


def write_if_changed(path: Path, data: bytes, *, sync_dir: bool = True) -> bool:
    """Write atomically unless the file already holds these bytes; True when written."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_atomic(path, data, sync_dir=sync_dir)
    return True
