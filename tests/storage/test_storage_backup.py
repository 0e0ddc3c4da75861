"""RISKS 7: backups use the online backup API and the copy passes ``integrity_check``."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from roadmap.domain.enums import ServiceKind
from roadmap.domain.errors import StorageError
from roadmap.models import Service
from roadmap.storage.database import backup_sqlite
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases.base import write_unit

SEEDED = 300


class Writer(threading.Thread):
    """Another connection committing rows as fast as it can, as a colleague's process would."""

    def __init__(self, path: Path) -> None:
        super().__init__(name="redacteur-concurrent", daemon=True)
        self.path = path
        self.stop = threading.Event()
        self.under_way = threading.Event()  # set once 100 rows are committed
        self.written = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with sqlite3.connect(self.path, timeout=10, isolation_level=None) as conn:
                while not self.stop.is_set():
                    conn.execute("BEGIN IMMEDIATE")
                    for _ in range(20):
                        conn.execute(
                            "INSERT INTO service (version, updated_at, updated_by, code, name, "
                            "kind, archived) VALUES (1, ?, 'concurrent', ?, 'Service', 'etat', 0)",
                            (datetime.now(UTC).isoformat(), f"w{self.written}"),
                        )
                        self.written += 1
                    conn.execute("COMMIT")
                    if self.written >= 100:
                        self.under_way.set()
        except BaseException as exc:
            self.error = exc
            self.under_way.set()


def _check_copy(copy: Path) -> int:
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        return int(conn.execute("SELECT COUNT(*) FROM service").fetchone()[0])


async def test_backup_of_a_live_database_is_complete_and_sound(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    assert sqlite_db.path is not None

    async def seed() -> None:
        for i in range(SEEDED):
            await Service.create(code=f"s{i}", name=f"Service {i}", kind=ServiceKind.ETAT)

    await write_unit(seed)
    writer = Writer(sqlite_db.path)
    writer.start()
    try:
        assert await asyncio.to_thread(writer.under_way.wait, 10)
        copies = []
        for n in range(3):
            # Our own process also writes meanwhile, through Tortoise.
            await Service.create(code=f"pendant{n}", name="Pendant", kind=ServiceKind.ETAT)
            target = tmp_path / "sauvegardes" / f"copie-{n}.db"
            await backup_sqlite(sqlite_db.path, target)
            copies.append(target)
    finally:
        writer.stop.set()
        await asyncio.to_thread(writer.join, 10)
    assert writer.error is None, writer.error
    total = await Service.all().count()
    counts = [_check_copy(copy) for copy in copies]
    assert all(SEEDED + 100 <= count <= total for count in counts), (counts, total)
    assert counts == sorted(counts)
    assert not list((tmp_path / "sauvegardes").glob("*.partiel"))


async def test_backup_refuses_to_overwrite_an_existing_file(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    assert sqlite_db.path is not None
    target = tmp_path / "deja-la.db"
    target.write_bytes(b"sauvegarde d'hier")
    with pytest.raises(StorageError, match="existe déjà"):
        await backup_sqlite(sqlite_db.path, target)
    assert target.read_bytes() == b"sauvegarde d'hier"


async def test_backup_into_a_folder_that_cannot_be_created_is_a_clear_error(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    assert sqlite_db.path is not None
    blocker = tmp_path / "un-fichier"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="impossible de créer"):
        await backup_sqlite(sqlite_db.path, blocker / "copie.db")
