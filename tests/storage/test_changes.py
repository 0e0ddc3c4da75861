"""Live refresh hints: another connection's commit is seen; a rolled-back write is not."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3

import pytest

from roadmap.domain.errors import ValidationError
from roadmap.models import Service
from roadmap.storage.changes import watch_changes
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases.base import write_unit


async def _next_change(location: DatabaseLocation, trigger, wait: float = 5.0) -> bool:
    changes = watch_changes(location, poll=0.05)
    waiter = asyncio.ensure_future(anext(changes))
    await asyncio.sleep(0.3)  # the watcher is listening / has read its first version
    await trigger()
    try:
        await asyncio.wait_for(asyncio.shield(waiter), wait)
        return True
    except TimeoutError:
        return False
    finally:
        waiter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiter
        await changes.aclose()


async def test_sqlite_sees_a_commit_by_another_connection(sqlite_db: DatabaseLocation) -> None:
    assert sqlite_db.path is not None

    async def other_process_writes() -> None:
        with sqlite3.connect(sqlite_db.path) as other:
            other.execute(
                "INSERT INTO qpv (version, updated_at, updated_by, code, name, commune) "
                "VALUES (1, '2026-01-01', 'x', 'QN1', 'Q', '')"
            )

    assert await _next_change(sqlite_db, other_process_writes)


async def test_sqlite_ignores_our_own_commits(sqlite_db: DatabaseLocation) -> None:
    async def we_write() -> None:
        await write_unit(lambda: Service.create(code="a", name="A", kind="etat"))

    assert not await _next_change(sqlite_db, we_write, wait=0.5)


@pytest.mark.postgres
async def test_postgres_listener_hears_committed_writes_only(pg_db: DatabaseLocation) -> None:
    db = pg_db

    async def rolled_back() -> None:
        async def unit() -> None:
            await Service.create(code="b", name="B", kind="etat")
            raise ValidationError("non")

        with pytest.raises(ValidationError):
            await write_unit(unit)

    assert not await _next_change(db, rolled_back, wait=1.0)

    async def committed() -> None:
        await write_unit(lambda: Service.create(code="c", name="C", kind="etat"))

    assert await _next_change(db, committed)
