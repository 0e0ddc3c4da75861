"""RISKS 2, 3 and 5: concurrent writers lose nothing, stale versions are refused, retries.

- 2+3: six processes × 50 read-modify-write use cases on one row (``write_unit`` +
  ``update_versioned`` + a journal row, re-read and retry on a conflict, as a user would)
  end with the exact count, every journal row, and an intact hash chain (issue 10), on a
  SQLite file and on PostgreSQL.
- 3: an update based on a stale version is refused and overwrites nothing.
- 5: PostgreSQL deadlocks and serialization failures arrive as raw asyncpg exceptions;
  ``write_unit`` recognises and retries them.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

import asyncpg
import pytest
from tortoise.exceptions import IntegrityError, OperationalError, TransactionManagementError

from roadmap.domain.enums import ServiceKind
from roadmap.domain.errors import StaleVersion
from roadmap.models import JournalEntry, Service
from roadmap.storage.location import DatabaseLocation
from roadmap.storage.verify import verify_chain
from roadmap.usecases.base import _is_retryable, update_versioned, write_unit
from roadmap.usecases.identity import Actor

WORKER = Path(__file__).with_name("_rmw_worker.py")
PROCESSES = 6
PER_PROCESS = 50


async def _start_worker(url: str, code: str, go_file: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(WORKER),
        url,
        code,
        str(PER_PROCESS),
        str(go_file),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


async def _run_workers(url: str, code: str, go_file: Path) -> list[dict[str, object]]:
    workers = [await _start_worker(url, code, go_file) for _ in range(PROCESSES)]
    try:
        for worker in workers:
            assert worker.stdout is not None
            line = await asyncio.wait_for(worker.stdout.readline(), 60)
            if line.strip() != b"pret":
                _, err = await worker.communicate()
                pytest.fail(f"un processus n'a pas démarré : {line!r} {err.decode()[-2000:]}")
        go_file.touch()  # every process is connected: start writing together
        outputs = await asyncio.wait_for(
            asyncio.gather(*(worker.communicate() for worker in workers)), 120
        )
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
    results = []
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err.decode()[-3000:]
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    return results


@pytest.mark.slow
async def test_six_processes_read_modify_write_lose_no_update(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    service = await Service.create(code="compteur", name="0", kind=ServiceKind.DROIT_COMMUN)
    assert service.version == 1

    started = time.monotonic()
    results = await _run_workers(db.url, "compteur", tmp_path / "depart")
    elapsed = time.monotonic() - started

    errors = [r["error"] for r in results if r["error"]]
    assert errors == [], errors
    assert [r["done"] for r in results] == [PER_PROCESS] * PROCESSES
    await service.refresh_from_db()
    total = PROCESSES * PER_PROCESS
    assert service.name == str(total), "des incréments ont été perdus"
    assert service.version == 1 + total
    # Issue 10: every increment has its journal row and the hash chain holds.
    assert await JournalEntry.filter(entity_ref="compteur").count() == total
    report = await verify_chain()
    assert report.ok and report.rows == total, report.problems
    stale = sum(int(r["stale"]) for r in results)  # type: ignore[call-overload]
    if db.is_sqlite:
        # BEGIN IMMEDIATE: the read inside a write unit already holds the write lock.
        assert stale == 0
    print(f"{db.backend}: {total} incréments en {elapsed:.1f} s, {stale} conflits relus")


async def test_stale_version_update_is_refused_and_overwrites_nothing(
    db: DatabaseLocation,
) -> None:
    alice, bob = Actor(login="alice"), Actor(login="bob")
    service = await Service.create(code="sante", name="Santé", kind=ServiceKind.DROIT_COMMUN)
    seen_by_bob = service.version

    new_version = await update_versioned(
        Service, service.id, service.version, alice, {"name": "Santé publique"}
    )
    assert new_version == seen_by_bob + 1

    with pytest.raises(StaleVersion) as refused:
        await update_versioned(Service, service.id, seen_by_bob, bob, {"name": "Écrasé"})
    assert "modifié entre-temps par alice" in str(refused.value)
    assert "rien n'a été écrasé" in str(refused.value)

    await service.refresh_from_db()
    assert (service.name, service.version, service.updated_by) == ("Santé publique", 2, "alice")


async def test_stale_version_inside_a_write_unit_rolls_back_the_whole_unit(
    db: DatabaseLocation,
) -> None:
    actor = Actor(login="alice")
    a = await Service.create(code="a", name="A", kind=ServiceKind.ETAT)
    b = await Service.create(code="b", name="B", kind=ServiceKind.ETAT)
    await update_versioned(Service, b.id, b.version, actor, {"name": "B2"})

    async def unit() -> None:
        await update_versioned(Service, a.id, a.version, actor, {"name": "A2"})
        await update_versioned(Service, b.id, b.version, actor, {"name": "B3"})  # stale

    with pytest.raises(StaleVersion):
        await write_unit(unit)
    await a.refresh_from_db()
    await b.refresh_from_db()
    assert (a.name, a.version, b.name, b.version) == ("A", 1, "B2", 2)


# --- RISKS 5 ------------------------------------------------------------------------------


def test_retry_classifier_knows_postgres_and_sqlite_transient_errors() -> None:
    serialization = asyncpg.exceptions.SerializationError("could not serialize access")
    deadlock = asyncpg.exceptions.DeadlockDetectedError("deadlock detected")
    assert _is_retryable(serialization)
    assert _is_retryable(deadlock)
    for raw in (serialization, deadlock):  # the same, wrapped by Tortoise
        wrapped = OperationalError(str(raw))
        wrapped.__cause__ = raw
        assert _is_retryable(wrapped)
    assert _is_retryable(OperationalError("database is locked"))
    assert _is_retryable(TransactionManagementError("database is locked"))
    assert not _is_retryable(IntegrityError("UNIQUE constraint failed: service.code"))
    assert not _is_retryable(asyncpg.exceptions.UniqueViolationError("duplicate key"))
    assert not _is_retryable(StaleVersion("modifié entre-temps"))
    assert not _is_retryable(ValueError("database is locked"))


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)  # SQLite serialises writers
async def test_real_postgres_deadlock_is_retried_by_write_unit(db: DatabaseLocation) -> None:
    first = await Service.create(code="un", name="0", kind=ServiceKind.ETAT)
    second = await Service.create(code="deux", name="0", kind=ServiceKind.ETAT)
    holds: dict[str, asyncio.Event] = {"a": asyncio.Event(), "b": asyncio.Event()}
    attempts = {"a": 0, "b": 0}
    raised: list[str] = []

    def unit_for(me: str, other: str, mine: int, theirs: int):  # type: ignore[no-untyped-def]
        async def unit() -> None:
            attempts[me] += 1
            await Service.filter(id=mine).update(name=f"{me}-1")
            holds[me].set()
            await asyncio.wait_for(holds[other].wait(), 10)
            try:
                await Service.filter(id=theirs).update(name=f"{me}-2")
            except Exception as exc:
                raised.append(type(exc).__name__)
                raise

        return unit

    await asyncio.wait_for(
        asyncio.gather(
            write_unit(unit_for("a", "b", first.id, second.id)),
            write_unit(unit_for("b", "a", second.id, first.id)),
        ),
        30,
    )
    assert "DeadlockDetectedError" in raised
    assert attempts["a"] + attempts["b"] == 3  # one of the two was retried once
    await first.refresh_from_db()
    await second.refresh_from_db()
    loser = "a" if attempts["a"] == 2 else "b"
    assert first.name == f"{loser}-2" or second.name == f"{loser}-2"
