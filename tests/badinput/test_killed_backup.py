"""kill -9 of a backup (its whole process group), then a clean next run with no litter.

The child copies the database with the real code, then blocks before renaming its
partial file: the test waits for it to say so (no timing), kills the process group,
and runs ``roadmap db backup`` again into the same folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from roadmap.storage.partials import stale_partials

from .conftest import roadmap

CHILD = """
import asyncio, sys
from pathlib import Path
import aiosqlite
from roadmap.storage import database

original = aiosqlite.Connection.backup

async def copy_then_hang(self, target, **kw):
    await original(self, target, **kw)
    print("copie-ecrite", flush=True)
    await asyncio.sleep(3600)

aiosqlite.Connection.backup = copy_then_hang
asyncio.run(database.backup_sqlite(Path(sys.argv[1]), Path(sys.argv[2])))
"""


def test_killed_backup_leaves_a_partial_that_the_next_run_removes(
    demo_db: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "sauvegardes"
    folder.mkdir()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(demo_db), str(folder / "lundi.db")],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, killed as a whole
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "copie-ecrite"
    os.killpg(child.pid, signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    litter = sorted(p.name for p in folder.iterdir())
    assert litter == [f".lundi.db.{child.pid}.partiel"]  # hidden, never named like a backup
    assert not (folder / "lundi.db").exists()
    size = (folder / litter[0]).stat().st_size
    assert size == demo_db.stat().st_size  # as large as the database: worth cleaning

    # a backup still running elsewhere (a live pid) and a stranger's file are left alone
    running = folder / f".mardi.db.{os.getpid()}.partiel"
    running.write_bytes(b"SQLite format 3\0")
    stranger = folder / "notes.partiel.txt"
    stranger.write_text("pas à nous")

    done = roadmap(tmp_path, "--db", str(demo_db), "db", "backup", str(folder / "lundi.db"))
    assert done.returncode == 0, done.stderr
    assert f"supprimé  {folder / litter[0]} (copie partielle" in done.stdout
    assert sorted(p.name for p in folder.iterdir()) == [
        running.name,
        "lundi.db",
        stranger.name,
    ]
    try:  # the killed child is gone: no orphan holding the file
        os.kill(child.pid, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive


def test_legacy_and_day_old_partials(tmp_path: Path) -> None:
    old = time.time() - 2 * 24 * 3600
    legacy = tmp_path / "copie.db.partiel"
    legacy.write_bytes(b"SQLite format 3\0" + b"\0" * 100)
    reused_pid = tmp_path / f".copie.db.{os.getpid()}.partiel"
    reused_pid.write_bytes(b"")
    not_sqlite = tmp_path / "rapport.partiel"
    not_sqlite.write_text("un document")
    fresh_legacy = tmp_path / "neuf.db.partiel"
    fresh_legacy.write_bytes(b"SQLite format 3\0")
    for path in (legacy, reused_pid, not_sqlite):
        os.utime(path, (old, old))
    # our own pid is never "stale" for ourselves; seen from another process it is a day old
    assert stale_partials(tmp_path) == [legacy]
