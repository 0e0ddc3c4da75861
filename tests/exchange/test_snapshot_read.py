"""The export's read on SQLite goes through a plain sqlite3 connection (issue 15): the
same rows, position and journal heads as through Tortoise, and no write lock held."""

from __future__ import annotations

import threading
from pathlib import Path

from roadmap.exchange import snapshot
from roadmap.exchange.snapshot import read_snapshot
from roadmap.storage.location import DatabaseLocation
from tests.exchange.seed import seed_roadmap


async def test_plain_sqlite_read_gives_what_tortoise_gives(
    sqlite_db: DatabaseLocation, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    await seed_roadmap("pat-test")
    used: list[str] = []
    plain = snapshot.PlainSqlite.execute_query

    async def spy(self, sql, values=None):  # type: ignore[no-untyped-def]
        used.append(threading.current_thread().name)
        return await plain(self, sql, values)

    monkeypatch.setattr(snapshot.PlainSqlite, "execute_query", spy)
    quick = await read_snapshot()
    assert used, "the plain connection was not used"
    # off the event loop's thread, as aiosqlite's reads were: a TUI worker keeps input live
    assert threading.main_thread().name not in used
    used.clear()
    through_tortoise = await read_snapshot(within_write=True)  # the import's path
    assert not used
    assert quick.tables == through_tortoise.tables
    assert quick.tables["action"], "nothing was read"
    assert quick.position == through_tortoise.position
    assert quick.journal == through_tortoise.journal


async def test_the_read_lets_a_writer_in(sqlite_db: DatabaseLocation, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A deferred read transaction (WAL): another connection may write meanwhile."""
    import sqlite3

    await seed_roadmap("pat-test")
    assert sqlite_db.path is not None
    path: Path = sqlite_db.path
    wrote: list[bool] = []
    heads = snapshot.HEADS_SQL

    class Writer(snapshot.PlainSqlite):
        async def execute_query(self, sql, values=None):  # type: ignore[no-untyped-def]
            if sql == heads and not wrote:  # the read's last statement
                other = sqlite3.connect(path, timeout=0.5)
                with other:
                    other.execute("BEGIN IMMEDIATE")
                    other.execute("CREATE TEMP TABLE t (x)")
                other.close()
                wrote.append(True)
            return await super().execute_query(sql, values)

    monkeypatch.setattr(snapshot, "PlainSqlite", Writer)
    await read_snapshot()
    assert wrote == [True]
