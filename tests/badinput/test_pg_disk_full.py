"""A real full tablespace on PostgreSQL: a write use case says so in French, exits 4 and
leaves nothing half-written (issue 14).

The test (root, server on this machine) mounts a small tmpfs, makes it a tablespace, moves
the demo database's tables and indexes into it, fills it to the last page, then runs
``roadmap admin ajouter`` (on PostgreSQL the administrateur table of the demo is empty:
its first row needs a new page; a row that fits in a page with room left would not meet
the full disk).
Without root, or with a remote server, it is skipped: tests/badinput/test_disks.py then
stands for it with a simulated ``DiskFullError``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import parse_location
from roadmap.usecases.demo import build_demo
from roadmap.usecases.identity import current_actor
from tests.conftest import (
    PG_ADMIN_URL,
    _asyncpg_url,
    create_pg_database,
    drop_pg_database,
    require_postgres,
)

from .conftest import cli_env, roadmap

TABLESPACE = "roadmap_test_plein"


def _local_server() -> bool:
    return urlparse(PG_ADMIN_URL).hostname in ("127.0.0.1", "localhost", "::1")


@pytest.fixture
def small_mount() -> AsyncIterator[Path]:
    """A 4 MiB tmpfs the PostgreSQL server's account owns (a tablespace location)."""
    require_postgres()
    if os.geteuid() != 0 or shutil.which("mount") is None or not _local_server():
        pytest.skip("tablespace plein réel : il faut root et un serveur PostgreSQL local")
    try:
        server = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("pas de compte postgres sur cette machine")
    folder = Path(tempfile.mkdtemp(prefix="roadmap-pg-plein-"))
    folder.chmod(0o755)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o",
         f"size=4M,mode=0700,uid={server.pw_uid},gid={server.pw_gid}", "tmpfs", str(folder)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        folder.rmdir()
        pytest.skip(f"tmpfs impossible à monter ici : {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
        folder.rmdir()


async def _admin(url: str, *statements: str) -> list[object]:
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_url(url))
    try:
        results: list[object] = []
        for statement in statements:
            results.append(await conn.fetchval(statement))
        return results
    finally:
        await conn.close()


async def _fill(url: str) -> None:
    """Rows into a table of the tablespace until PostgreSQL cannot extend it any more."""
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_url(url))
    try:
        await conn.execute(f"CREATE TABLE remplissage (x text) TABLESPACE {TABLESPACE}")
        for rows in (200, 20, 1):
            while True:
                try:
                    await conn.execute(
                        "INSERT INTO remplissage SELECT repeat('x', 1000) "
                        f"FROM generate_series(1, {rows})"
                    )
                except asyncpg.exceptions.DiskFullError:
                    break
    finally:
        await conn.close()


@pytest.fixture
async def full_demo(small_mount: Path) -> AsyncIterator[str]:
    """A demo database on PostgreSQL whose every table and index lives on a full disk."""
    url = await create_pg_database()
    created = False
    try:
        await open_database(parse_location(url))
        try:
            await build_demo(await current_actor())
        finally:
            await close_database()
        await _admin(PG_ADMIN_URL, f"CREATE TABLESPACE {TABLESPACE} LOCATION '{small_mount}'")
        created = True
        await _admin(
            url,
            f"ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE {TABLESPACE}",
            f"ALTER INDEX ALL IN TABLESPACE pg_default SET TABLESPACE {TABLESPACE}",
        )
        await _fill(url)
        yield url
    finally:
        await drop_pg_database(url)
        if created:
            await _admin(PG_ADMIN_URL, f"DROP TABLESPACE IF EXISTS {TABLESPACE}")


async def _counts(url: str) -> list[object]:
    return await _admin(
        url,
        "SELECT count(*) FROM administrateur",
        "SELECT count(*) FROM journal",
        "SELECT max(id) FROM journal",
    )


async def test_a_write_on_a_full_tablespace_is_said_in_french_and_writes_nothing(
    full_demo: str, tmp_path: Path
) -> None:
    before = await _counts(full_demo)
    assert before[0] == 0  # the new row needs a new page of the full tablespace
    env = cli_env(tmp_path)
    done = roadmap(tmp_path, "--db", full_demo, "admin", "ajouter", "mdupont", env=env)
    assert done.returncode == 4, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    message = done.stderr.split("(")[0]
    assert "disque plein" in message and "rien n'a été enregistré" in message, done.stderr
    assert await _counts(full_demo) == before  # nothing half-written
    await _admin(full_demo, "DROP TABLE remplissage")  # room again: the base is whole
    verified = roadmap(tmp_path, "--db", full_demo, "db", "verify", env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    again = roadmap(tmp_path, "--db", full_demo, "admin", "ajouter", "mdupont", env=env)
    assert again.returncode == 0, again.stderr
