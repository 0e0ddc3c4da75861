"""Learn that another user changed the database, so screens can refresh (RISKS 10).

SQLite: ``PRAGMA data_version`` on our connection changes only when *another* connection
commits; polling it about once a second is cheap. PostgreSQL: write units send
``pg_notify`` inside their transaction (delivered on commit) and a *dedicated* asyncpg
connection LISTENs (a pooled one would be UNLISTENed when returned). Notifications are
hints: after a lost connection the watcher reports a change so the screen reloads fully.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from tortoise import connections

from roadmap.storage.location import DatabaseLocation

CHANNEL = "roadmap_changes"
POLL_SECONDS = 1.0


async def notify_change() -> None:
    """Inside a write transaction on PostgreSQL: tell the listeners once it commits."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query(f"SELECT pg_notify('{CHANNEL}', '')")


async def _sqlite_changes(poll: float) -> AsyncIterator[None]:
    conn = connections.get("default")
    last: int | None = None
    while True:
        _, rows = await conn.execute_query("PRAGMA data_version")
        version = int(rows[0][0])
        if last is not None and version != last:
            yield None
        last = version
        await asyncio.sleep(poll)


async def _postgres_changes(location: DatabaseLocation, poll: float) -> AsyncIterator[None]:
    import asyncpg

    url = location.url.replace("postgres://", "postgresql://", 1)
    event = asyncio.Event()
    first = True
    while True:
        try:
            listener = await asyncpg.connect(url)
        except (OSError, asyncpg.PostgresError):
            await asyncio.sleep(poll * 5)
            continue
        try:
            await listener.add_listener(CHANNEL, lambda *_: event.set())
            if not first:
                yield None  # reconnected: something may have been missed
            first = False
            while not listener.is_closed():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), timeout=poll * 5)
                if event.is_set():
                    event.clear()
                    await asyncio.sleep(poll / 4)  # coalesce a burst of commits
                    event.clear()
                    yield None
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await asyncio.sleep(poll)
        finally:
            with contextlib.suppress(Exception):
                await listener.close()


def watch_changes(location: DatabaseLocation, *, poll: float = POLL_SECONDS) -> AsyncIterator[None]:
    """Yield once for every batch of commits made by other connections."""
    if location.is_sqlite:
        return _sqlite_changes(poll)
    return _postgres_changes(location, poll)
