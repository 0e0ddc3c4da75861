"""Helpers for the exchange tests: read an export folder, freeze the use-case clock."""

from __future__ import annotations

from pathlib import Path

from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import parse_location


def read_tree(folder: Path, *, manifest: bool = False) -> dict[str, bytes]:
    """Every file's bytes; without ``manifeste.toml`` unless asked (it carries the journal
    position, which differs between two databases holding the same data)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and (manifest or p.name != "manifeste.toml")
    }


async def reopen_sqlite(path: Path) -> None:
    """Close the current database and open a fresh SQLite file (a second, empty site)."""
    await close_database()
    await open_database(parse_location(str(path)))
