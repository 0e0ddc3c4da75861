"""Shared fixtures: every test gets its own real database, SQLite file or PostgreSQL.

PostgreSQL tests use ``ROADMAP_TEST_PG`` (an admin URL, default
postgres://roadmap:roadmap@127.0.0.1:5432/postgres). Locally they skip with the reason
when no server answers; under ``CI=true`` that skip is turned into a failure.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import DatabaseLocation, parse_location

PG_ADMIN_URL = os.environ.get(
    "ROADMAP_TEST_PG", "postgres://roadmap:roadmap@127.0.0.1:5432/postgres"
)
T = TypeVar("T")
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
        _pg_problem = run_in_fresh_loop(_pg_reachable())
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


async def journal_actor(login: str) -> str:
    """Who the journal names for a use case run as ``login``: on PostgreSQL the database
    stamps the connection role itself (issue 10), the test superuser here."""
    from tortoise import connections

    conn = connections.get("default")
    if conn.capabilities.dialect != "postgres":
        return login
    _, rows = await conn.execute_query("SELECT current_user")
    return str(rows[0][0])


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


# Applying the migrations to a new database takes seconds (Tortoise replays the model
# state per operation), so each session migrates one template per backend and every
# test gets a copy of it.


async def _migrate_and_close(location: DatabaseLocation) -> None:
    await open_database(location)
    await close_database()


def run_in_fresh_loop(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on its own loop, even from inside a running one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    # The SQLite migration makes the one running it an administrator (0008). A session
    # fixture may be built before or after _hermetic_environment sets ROADMAP_USER, as the
    # tests happen to be ordered on a worker: the creator is always the test user.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ROADMAP_USER", TEST_USER)
        run_in_fresh_loop(_migrate_and_close(parse_location(str(path))))
    return path


@pytest.fixture(scope="session")
def postgres_session_db() -> Iterator[str]:
    """One migrated PostgreSQL database per test session (and per xdist worker)."""
    require_postgres()
    url = run_in_fresh_loop(create_pg_database())
    run_in_fresh_loop(_relax_durability(url))
    run_in_fresh_loop(_migrate_and_close(parse_location(url)))
    yield url
    run_in_fresh_loop(drop_pg_database(url))


async def _relax_durability(url: str) -> None:
    """Test data need not survive a power cut: skip the per-commit flush of the WAL."""
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_url(url))
    try:
        name = url.rsplit("/", 1)[1]
        await conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    finally:
        await conn.close()


async def empty_pg_tables(url: str) -> None:
    """Delete every row but the migration records and the instance id (drawn once by its
    migration, as on a real base); FK triggers off for speed and order."""
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_url(url))
    try:
        tables = [
            r[0]
            for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename NOT IN ('tortoise_migrations', 'instance')"
            )
        ]
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")
            for table in tables:
                await conn.execute(f'DELETE FROM "{table}"')
    finally:
        await conn.close()


@pytest.fixture
async def migrated_location(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[DatabaseLocation]:
    """An empty database already at the latest schema.

    SQLite: a copy of the session template. PostgreSQL: the session database, emptied
    after the test (creating a database per test costs over a second here).
    """
    if backend == "sqlite":
        target = tmp_path / "roadmap.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        target.chmod(0o600)  # ROADMAP_USER is honoured on a file only its owner can write
        yield parse_location(str(target))
        return
    url = request.getfixturevalue("postgres_session_db")
    try:
        yield parse_location(url)
    finally:
        await empty_pg_tables(url)


TEST_USER = "testeur"  # ROADMAP_USER in every test (see _hermetic_environment)


async def the_test_user_created_it() -> None:
    """As on a real base, its creator (here the test user) administers it, on both backends.

    Templates are migrated once per session, under whatever login runs the tests.
    """
    from datetime import UTC, datetime

    from roadmap.models import Administrator

    if not await Administrator.exists(login=TEST_USER):
        await Administrator.create(login=TEST_USER, added_by=TEST_USER, added_at=datetime.now(UTC))


@pytest.fixture
async def db(migrated_location: DatabaseLocation) -> AsyncIterator[DatabaseLocation]:
    """An opened database at the latest schema, on both backends; closed after the test."""
    await open_database(migrated_location)
    await the_test_user_created_it()
    try:
        yield migrated_location
    finally:
        await close_database()


@pytest.fixture
async def sqlite_db(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[DatabaseLocation]:
    """An opened SQLite database at the latest schema."""
    target = tmp_path / "roadmap.db"
    shutil.copyfile(sqlite_template, target)
    target.chmod(0o600)
    location = parse_location(str(target))
    await open_database(location)
    await the_test_user_created_it()
    try:
        yield location
    finally:
        await close_database()


@pytest.fixture(autouse=True)
def _hermetic_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user's folders or identity."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("ROADMAP_DB", raising=False)
    monkeypatch.setenv("ROADMAP_USER", "testeur")


@pytest.fixture
async def pg_db(postgres_session_db: str) -> AsyncIterator[DatabaseLocation]:
    """An opened PostgreSQL database at the latest schema (PostgreSQL-only tests)."""
    location = parse_location(postgres_session_db)
    await open_database(location)
    await the_test_user_created_it()
    try:
        yield location
    finally:
        await close_database()
        await empty_pg_tables(postgres_session_db)
