"""Helpers for the exchange tests: read an export folder, freeze the use-case clock."""

from __future__ import annotations

import re
from pathlib import Path

from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import parse_location

_JOURNAL_HEAD = re.compile(rb'^journal = "sha256:[0-9a-f]{64}"\n', re.MULTILINE)


def without_journal(data: bytes) -> bytes:
    """An export without its journal head: two databases with the same content but their
    own histories (an import, another backend) export the same bytes but this line."""
    return _JOURNAL_HEAD.sub(b"", data)


def read_tree(folder: Path, *, manifest: bool = False, journal: bool = False) -> dict[str, bytes]:
    """Every file's bytes; without ``manifeste.toml`` unless asked (it carries the journal
    position, which differs between two databases holding the same data), and without the
    journal head line unless ``journal`` (likewise)."""
    return {
        str(p.relative_to(folder)): p.read_bytes() if journal else without_journal(p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file() and (manifest or p.name != "manifeste.toml")
    }


async def reopen_sqlite(path: Path) -> None:
    """Close the current database and open a fresh SQLite file (a second, empty site)."""
    await close_database()
    await open_database(parse_location(str(path)))
