"""RISKS 8 and 9: cancelled writes never freeze the connection; processes exit cleanly.

8. Textual cancels workers (exclusive workers, popped screens, exit). A cancel inside
   Tortoise's BEGIN/COMMIT could hang the connection for good; ``write_unit`` shields
   the unit. Here a save is cancelled after 0, 1, 2… event-loop turns or a few ms, many
   times: the process must still answer a query within 2 s, and every save must have
   either fully landed (row + journal entry) or not at all.
9. aiosqlite's worker thread is not a daemon: a process that opened the database must
   end with no thread left, also after an error or a cancelled write.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from roadmap.domain.enums import ServiceKind
from roadmap.models import JournalEntry, Service
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases.base import journal, write_unit
from roadmap.usecases.identity import Actor

TRIALS = 48


async def _save(i: int, actor: Actor) -> None:
    async def unit() -> None:
        await Service.create(code=f"s{i}", name=f"Service {i}", kind=ServiceKind.ETAT)
        await journal(actor, entity="service", ref=f"s{i}", operation="création", new=i)

    await write_unit(unit)


async def _landed(i: int) -> tuple[bool, bool]:
    service = await asyncio.wait_for(Service.filter(code=f"s{i}").exists(), 2)
    entry = await asyncio.wait_for(JournalEntry.filter(entity_ref=f"s{i}").exists(), 2)
    return service, entry


async def _cancel_after(task: asyncio.Task[None], trial: int) -> None:
    """Cancel after 0-7 event-loop turns, or after 1-8 ms."""
    step = trial % 16
    if step < 8:
        for _ in range(step):
            await asyncio.sleep(0)
    else:
        await asyncio.sleep((step - 7) / 1000)
    task.cancel()


async def test_a_write_cancelled_at_any_point_never_freezes_later_queries(
    db: DatabaseLocation,
) -> None:
    actor = Actor(login="testeur")  # the base's administrator: may write with no fiche
    cancelled = 0
    for i in range(TRIALS):
        task = asyncio.create_task(_save(i, actor))
        await _cancel_after(task, i)
        try:
            await task
        except asyncio.CancelledError:
            cancelled += 1
        # The process can still query, within 2 s (asyncio.TimeoutError fails the test).
        service, entry = await _landed(i)
        if db.is_sqlite:
            # One connection: the re-read waits for the shielded unit, so it tells the truth.
            assert service == entry, f"sauvegarde {i} à moitié écrite"
    assert cancelled > TRIALS // 4, "le test n'a presque rien annulé"

    # Shielded units still in flight finish on their own.
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    if others:
        await asyncio.wait(others, timeout=10)
    outcomes = [await _landed(i) for i in range(TRIALS)]
    assert all(service == entry for service, entry in outcomes), "une sauvegarde à moitié écrite"
    assert any(service for service, _ in outcomes)

    # And a new write still goes through promptly.
    await asyncio.wait_for(_save(TRIALS, actor), 5)
    assert await _landed(TRIALS) == (True, True)


async def test_cancelling_a_write_after_it_started_still_lands_it(
    sqlite_db: DatabaseLocation,
) -> None:
    """A cancelled caller re-reads to learn the outcome: the shielded unit completed."""
    started = asyncio.Event()
    release = asyncio.Event()

    async def unit() -> None:
        await Service.create(code="lent", name="Lent", kind=ServiceKind.ETAT)
        started.set()
        await release.wait()

    task = asyncio.create_task(write_unit(unit))
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()
    assert await asyncio.wait_for(Service.filter(code="lent").exists(), 2)


# --- RISKS 9 -----------------------------------------------------------------------------

EXIT_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys, threading
    from roadmap.domain.enums import ServiceKind
    from roadmap.domain.errors import StorageError
    from roadmap.models import Service
    from roadmap.storage.database import close_database, database, open_database
    from roadmap.storage.location import parse_location
    from roadmap.usecases.base import write_unit

    async def main(url: str, scenario: str) -> None:
        location = parse_location(url)
        if scenario == "normal":
            async with database(location):
                await Service.create(code="x", name="X", kind=ServiceKind.ETAT)
                assert await Service.all().count() == 1
        elif scenario == "erreur-dans-le-bloc":
            try:
                async with database(location):
                    raise RuntimeError("boum")
            except RuntimeError:
                pass
        elif scenario == "ouverture-refusee":
            try:
                await open_database(location)
            except StorageError as exc:
                print("refus :", exc)
            else:
                await close_database()
        elif scenario == "fermeture-pendant-ecriture":
            await open_database(location)
            started = asyncio.Event()
            async def slow_unit() -> None:
                await Service.create(code="a", name="A", kind=ServiceKind.ETAT)
                started.set()
                await asyncio.sleep(0.3)
                await Service.create(code="b", name="B", kind=ServiceKind.ETAT)
            task = asyncio.create_task(write_unit(slow_unit))
            await started.wait()
            task.cancel()  # the app exits while a save is under way
            await close_database()
            async with database(location):
                print("services :", await Service.all().count())
        elif scenario == "ecriture-annulee":
            await open_database(location)
            try:
                async def unit() -> None:
                    await Service.create(code="y", name="Y", kind=ServiceKind.ETAT)
                task = asyncio.create_task(write_unit(unit))
                await asyncio.sleep(0)
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
            finally:
                await close_database()

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    print(sorted(t.name for t in threading.enumerate()))
    """
)


def _run_and_exit(url: str, scenario: str) -> str:
    try:
        done = subprocess.run(
            [sys.executable, "-c", EXIT_SCRIPT, url, scenario],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONFAULTHANDLER": "1"},
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"le processus ne s'est pas terminé ({scenario}) : {exc.stderr!r}")
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    if scenario == "fermeture-pendant-ecriture":  # the save under way landed whole
        assert "services : 2" in lines, done.stdout
    return lines[-1]


@pytest.mark.parametrize(
    "scenario",
    ["normal", "erreur-dans-le-bloc", "ecriture-annulee", "fermeture-pendant-ecriture"],
)
def test_a_process_that_opened_the_database_exits_with_no_thread_left(
    db_location: DatabaseLocation, scenario: str
) -> None:
    if db_location.is_sqlite:
        assert db_location.path is not None
        db_location.path.parent.mkdir(parents=True, exist_ok=True)
    assert _run_and_exit(db_location.url, scenario) == "['MainThread']"


@pytest.mark.parametrize("content", [b"", b"pas une base\n" * 100])
def test_a_refused_or_new_file_also_exits_cleanly(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "base.db"
    path.write_bytes(content)
    assert _run_and_exit(str(path), "ouverture-refusee") == "['MainThread']"
