"""Shared fixtures: every test gets its own real database, SQLite file or PostgreSQL.

PostgreSQL tests use ``ROADMAP_TEST_PG`` (an admin URL, default
postgres://roadmap:roadmap@127.0.0.1:5432/postgres). Locally they skip with the reason
when no server answers; under ``CI=true`` that skip is turned into a failure.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import DatabaseLocation, parse_location

PG_ADMIN_URL = os.environ.get(
    "ROADMAP_TEST_PG", "postgres://roadmap:roadmap@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
_pg_problem: str | None = None
_pg_checked = False


def _asyncpg_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def _pg_reachable() -> str | None:
    import asyncpg

    try:
        conn = await asyncio.wait_for(asyncpg.connect(_asyncpg_url(PG_ADMIN_URL)), 5)
    except Exception as exc:
        return f"PostgreSQL injoignable ({PG_ADMIN_URL}) : {exc}"
    await conn.close()
    return None


def require_postgres() -> None:
    """Skip (locally) or fail (CI) when no PostgreSQL server answers."""
    global _pg_checked, _pg_problem
    if not _pg_checked:
        _pg_problem = asyncio.run(_pg_reachable())
        _pg_checked = True
    if _pg_problem:
        if IN_CI:
            pytest.fail(f"CI=true exige PostgreSQL : {_pg_problem}")
        pytest.skip(_pg_problem)


async def create_pg_database() -> str:
    import asyncpg

    name = f"roadmap_t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(_asyncpg_url(PG_ADMIN_URL))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


async def drop_pg_database(url: str) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(_asyncpg_url(PG_ADMIN_URL))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        require_postgres()
    return str(request.param)


@pytest.fixture
async def db_location(backend: str, tmp_path: Path) -> AsyncIterator[DatabaseLocation]:
    """A fresh, empty database location (not opened)."""
    if backend == "sqlite":
        yield parse_location(str(tmp_path / "roadmap.db"))
        return
    url = await create_pg_database()
    try:
        yield parse_location(url)
    finally:
        await drop_pg_database(url)


@pytest.fixture
async def sqlite_location(tmp_path: Path) -> DatabaseLocation:
    return parse_location(str(tmp_path / "roadmap.db"))


@pytest.fixture
async def db(db_location: DatabaseLocation) -> AsyncIterator[DatabaseLocation]:
    """An opened, migrated database on both backends; closed after the test."""
    await open_database(db_location)
    try:
        yield db_location
    finally:
        await close_database()


@pytest.fixture
async def sqlite_db(sqlite_location: DatabaseLocation) -> AsyncIterator[DatabaseLocation]:
    await open_database(sqlite_location)
    try:
        yield sqlite_location
    finally:
        await close_database()


@pytest.fixture(autouse=True)
def _hermetic_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user's folders or identity."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("ROADMAP_DB", raising=False)
    monkeypatch.setenv("ROADMAP_USER", "testeur")
