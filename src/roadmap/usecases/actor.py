"""The acting identity and the file-permission rule, without the ORM (start-up, issue 15).

``identity`` re-exports these: they are here so that the TUI's first paint and the home
screen's quick read never load Tortoise.
"""

from __future__ import annotations

import getpass
import os
import stat
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Actor:
    """The identity behind every use case call; ``person_id`` is None for unknown users."""

    login: str
    person_id: int | None = None
    name: str = ""
    service_id: int | None = None

    @property
    def display(self) -> str:
        return self.name or self.login


def os_login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "inconnu"


def shared_file_problem(path: Path) -> str | None:
    """Why another account could write ``path`` (or its WAL), or None if only we can."""
    uid = os.geteuid()
    for candidate in (path, path.with_name(path.name + "-wal")):
        try:
            info = candidate.stat()
        except FileNotFoundError:
            continue
        except OSError as exc:
            return f"droits de {candidate} illisibles ({exc.strerror})"
        if info.st_uid != uid:
            return f"{candidate} appartient à un autre compte (uid {info.st_uid})"
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            mode = stat.filemode(info.st_mode)
            return f"{candidate} est modifiable par d'autres comptes ({mode})"
    return None
