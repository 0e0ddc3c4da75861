"""Tortoise configuration for a database location."""

from __future__ import annotations

import os
from typing import Any

from tortoise.backends.base.config_generator import expand_db_url

from roadmap.migrations import APP_LABEL
from roadmap.storage.location import DatabaseLocation

__all__ = ["APP_LABEL", "SQLITE_PRAGMAS", "tortoise_config"]

# Extra SQLite credentials run as ``PRAGMA k=v`` on connect (trusted values only).
SQLITE_PRAGMAS: dict[str, Any] = {
    "journal_mode": "WAL",
    "foreign_keys": "ON",
    "busy_timeout": 10000,
    "synchronous": "FULL",
}


def tortoise_config(location: DatabaseLocation, *, foreign_keys: bool = True) -> dict[str, Any]:
    if location.is_sqlite:
        credentials: dict[str, Any] = {"file_path": str(location.path), **SQLITE_PRAGMAS}
        credentials["foreign_keys"] = "ON" if foreign_keys else "OFF"
        connection: dict[str, Any] = {
            "engine": "roadmap.storage.sqlite_engine",
            "credentials": credentials,
        }
    else:
        connection = expand_db_url(location.url)
        connection["credentials"].setdefault("minsize", 1)
        connection["credentials"].setdefault("maxsize", 10)
        role = os.environ.get("ROADMAP_DB_ROLE")
        if role:
            # A ``roadmap serve`` session acts as the person's role; PostgreSQL itself
            # refuses it unless the connecting role was granted that role.
            connection["credentials"]["server_settings"] = {"role": role}
    return {
        "connections": {"default": connection},
        "apps": {
            APP_LABEL: {
                "models": ["roadmap.models"],
                "default_connection": "default",
                "migrations": "roadmap.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }
