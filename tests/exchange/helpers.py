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


_INSTANCE = re.compile(rb"@[0-9a-z]+\.feuille-de-route")


def same_instance(ics: bytes) -> bytes:
    """A calendar with its UIDs' instance id (drawn once per base, migration 0010) replaced:
    two bases holding the same data write the same calendars but for it."""
    return _INSTANCE.sub(b"@INSTANCE.feuille-de-route", ics.replace(b"\r\n ", b""))


def read_tree(folder: Path, *, manifest: bool = False, journal: bool = False) -> dict[str, bytes]:
    """Every file's bytes; without ``manifeste.toml`` unless asked (it carries the journal
    position, which differs between two databases holding the same data), without the
    journal head line unless ``journal`` (likewise), and calendars with their instance id
    normalised unless ``journal`` (likewise)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file() or (not manifest and p.name == "manifeste.toml"):
            continue
        raw = p.read_bytes()
        if not journal:
            raw = same_instance(raw) if p.suffix == ".ics" else without_journal(raw)
        out[str(p.relative_to(folder))] = raw
    return out


async def reopen_sqlite(path: Path) -> None:
    """Close the current database and open a fresh SQLite file (a second, empty site)."""
    await close_database()
    await open_database(parse_location(str(path)))
