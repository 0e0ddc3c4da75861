"""Helpers for the exchange tests: read an export folder, freeze the use-case clock."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import pytest

from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import parse_location


def read_tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def freeze_use_case_clock(monkeypatch: pytest.MonkeyPatch, instant: datetime) -> None:
    """Every use case module stamps rows with ``now()``: pin it so the demo is byte-stable."""
    from roadmap.usecases import base

    original = base.now
    for name, module in list(sys.modules.items()):
        if name.startswith("roadmap.") and getattr(module, "now", None) is original:
            monkeypatch.setattr(module, "now", lambda: instant)


async def reopen_sqlite(path: Path) -> None:
    """Close the current database and open a fresh SQLite file (a second, empty site)."""
    await close_database()
    await open_database(parse_location(str(path)))
