"""Tortoise migrations of the ``roadmap`` app, applied in order by ``storage.database``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3

APP_LABEL = "roadmap"  # the Tortoise app these migrations belong to (storage.config)
APPLIED_SQL = f"SELECT name FROM tortoise_migrations WHERE app = '{APP_LABEL}'"


def applied(con: sqlite3.Connection) -> set[str]:
    """Names of the migrations applied to a SQLite file, read with the standard library
    (the quick reads before Tortoise loads, and the probe of ``storage.database``)."""
    return {name for (name,) in con.execute(APPLIED_SQL)}


def shipped() -> set[str]:
    """Names of the migrations this version ships (light: read by the TUI's quick start)."""
    import pkgutil

    return {m.name for m in pkgutil.iter_modules(__path__) if m.name[:1].isdigit()}
