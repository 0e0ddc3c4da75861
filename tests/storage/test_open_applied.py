"""Opening reads the applied migrations by one plain query (issue 15; RISKS 1 unchanged):
on SQLite on the connection that probes the file. Up to date: no migration plan; one
missing: the plan runs. Both backends."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

import roadmap.storage.database as database_module
from roadmap.storage.database import close_database, open_database, shipped_migrations
from roadmap.storage.location import DatabaseLocation


@pytest.fixture
def planned(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each call of the migration step (Tortoise's plan, under its lock), recorded."""
    calls: list[str] = []
    migrate = database_module._migrate

    async def recorded(location: DatabaseLocation, info: Any) -> None:
        calls.append(location.describe())
        await migrate(location, info)

    monkeypatch.setattr(database_module, "_migrate", recorded)
    return calls


async def test_an_up_to_date_base_opens_without_the_migration_plan(
    migrated_location: DatabaseLocation, planned: list[str]
) -> None:
    info = await open_database(migrated_location)
    await close_database()
    assert planned == [] and info.applied_migrations == []


async def test_a_migration_not_yet_applied_runs_the_plan(
    migrated_location: DatabaseLocation, planned: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        database_module, "shipped_migrations", lambda: shipped_migrations() | {"9999_a_venir"}
    )
    info = await open_database(migrated_location)
    await close_database()
    assert len(planned) == 1  # Tortoise's own plan then finds nothing to apply
    assert info.applied_migrations == []


def test_the_probe_reads_the_applied_migrations_on_its_connection(tmp_path: Any) -> None:
    path = tmp_path / "base.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    probe = database_module._probe_sqlite_file
    assert probe(path) is None and probe(path, read_applied=True) is None  # no table: unknown
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE tortoise_migrations (app TEXT, name TEXT)")
        conn.execute("INSERT INTO tortoise_migrations VALUES ('roadmap', '0001_initial')")
        conn.execute("INSERT INTO tortoise_migrations VALUES ('autre', '0001_autre')")
    assert probe(path, read_applied=True) == {"0001_initial"}
    assert probe(path) is None  # not asked (an open without upgrade)
