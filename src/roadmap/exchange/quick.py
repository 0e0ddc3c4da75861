"""``roadmap export`` with nothing new since the folder's manifest, before loading the ORM.

Tortoise, the models and the export's builders cost most of a command's start-up (RISKS
15). On SQLite, the journal position is one statement with the standard library: when it
matches the manifest (same perimeter and options, files untouched), the command answers
without them (issue 15). Any doubt returns None and the normal export runs.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

from roadmap.domain.errors import RoadmapError
from roadmap.exchange import manifest as mf
from roadmap.exchange.atomic import clean_temps
from roadmap.exchange.metadata import ExportOptions
from roadmap.storage.location import resolve_location


def unchanged_set(
    db: str | None, out_dir: Path, perimeter: str, options: ExportOptions
) -> tuple[list[Path], list[Path]] | None:
    """(files of the set, temporary files removed) when nothing is to be done, else None."""
    try:
        location = resolve_location(db)
    except RoadmapError:
        return None  # the normal path reports it
    if not location.is_sqlite or location.path is None or not location.path.is_file():
        return None
    previous = mf.read(out_dir)
    if previous is None or previous.perimeter != perimeter:
        return None
    if previous.options != mf.options_key(options) or options.stamp:
        return None
    with mf.export_lock(out_dir):
        cleaned = clean_temps([out_dir, out_dir / "services"])
        previous = mf.read(out_dir)  # again, under the lock
        if previous is None or not mf.files_untouched(out_dir, previous):
            return None
        if _position(location.path) != previous.position:
            return None
        return [out_dir / name for name in sorted(previous.files)], cleaned


def _position(path: Path) -> dict[str, Any] | None:
    try:
        con = sqlite3.connect(path, timeout=5)
        try:
            row = con.execute(mf.POSITION_SQL).fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return mf.position_of(row)


def margins_day(value: str | None) -> date | None:
    if value is None:
        return None
    return date.today() if value == "aujourdhui" else date.fromisoformat(value)
