"""Plain values read by SQL, without Tortoise's per-value conversion (RISKS 19)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path


def days() -> Callable[[object], date | None]:
    """A converter of date columns: SQLite hands dates back as text, PostgreSQL as dates.

    Each text is parsed once per converter: at 10,000 actions the same few hundred days
    repeat across tens of thousands of values.
    """
    seen: dict[str, date] = {}

    def day(value: object) -> date | None:
        if value is None or isinstance(value, date):
            return value
        text = str(value)
        found = seen.get(text)
        if found is None:
            found = seen[text] = date.fromisoformat(text[:10])
        return found

    return day


def read_only(path: Path) -> contextlib.closing[sqlite3.Connection]:
    """A short read-only connection to a SQLite file, for the reads made before Tortoise
    loads (``usecases.home``, ``usecases.action_rows``): it never creates the file."""
    return contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5))
