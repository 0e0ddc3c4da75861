"""Full disks and other OS errors: a French message, exit 4, nothing half-written (RISKS 28).

The real thing runs on a 1 MiB tmpfs (root only: ``mount -t tmpfs``); elsewhere it is
skipped with its reason, and the simulated ENOSPC tests below still run.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from roadmap.cli import main
from roadmap.domain.errors import StorageError
from roadmap.domain.io_errors import describe_os_error, describe_sqlite_error
from roadmap.storage.database import open_database
from roadmap.storage.location import DatabaseLocation, parse_location
from roadmap.usecases.base import write_unit

from .conftest import roadmap

TOML_FILE = Path(__file__).parents[1] / "exchange" / "data" / "pat-test.toml"


def test_os_errors_are_said_in_french_with_the_system_text_after() -> None:
    full = OSError(errno.ENOSPC, "No space left on device")
    assert describe_os_error(full) == "disque plein (No space left on device)"
    assert describe_os_error(OSError(errno.EACCES, "Permission denied")).startswith(
        "permission refusée"
    )
    assert describe_os_error(OSError(errno.EROFS, "x")).startswith("disque en lecture seule")
    assert describe_os_error(OSError(errno.EDQUOT, "x")).startswith("quota de disque dépassé")
    assert describe_os_error(OSError(errno.ENOENT, "x")).startswith("fichier ou dossier")
    assert describe_sqlite_error(sqlite3.OperationalError("database or disk is full")) == (
        "disque plein (database or disk is full)"
    )


class DiskFullError(Exception):
    """Stands for asyncpg's DiskFullError (PostgreSQL: could not extend file)."""


@pytest.mark.parametrize(
    "raised",
    [sqlite3.OperationalError("database or disk is full"), DiskFullError("could not extend file")],
    ids=["sqlite", "postgres"],
)
async def test_a_full_disk_at_commit_is_a_storage_error(
    db: DatabaseLocation, raised: Exception
) -> None:
    """Raised out of COMMIT, not as a Tortoise error: still French, still exit 4."""

    async def unit() -> None:
        raise raised

    with pytest.raises(StorageError, match="disque plein"):
        await write_unit(unit)


async def test_a_failed_new_database_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without root (no tmpfs): the schema creation fails as on a full disk."""
    from roadmap.storage import database

    async def full(*_: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(database, "_migrate", full)
    target = tmp_path / "neuve.db"
    with pytest.raises(StorageError, match="disque plein"):
        await open_database(parse_location(str(target)))
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_simulated_enospc_on_export_graph_and_report(
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    real_fsync = os.fsync

    def full(fd: int) -> None:
        if os.fstat(fd).st_size > 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full)
    monkeypatch.setenv("ROADMAP_USER", "testeur")
    db = ["--db", str(demo_db)]
    for argv in (
        ["export", "--out", str(tmp_path / "ex")],
        ["graph", "--out", str(tmp_path / "g.svg")],
        ["report", "--out", str(tmp_path / "r.md")],
    ):
        assert main([*db, *argv]) == 4, argv
        err = capsys.readouterr().err
        assert "disque plein (No space left on device)" in err and "Traceback" not in err
    litter = [p.name for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert litter == [] and not (tmp_path / "g.svg").exists() and not (tmp_path / "r.md").exists()


def test_unwritable_or_missing_folder_is_io_for_export_graph_and_report(
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ROADMAP_USER", "testeur")
    blocker = tmp_path / "fichier"
    blocker.write_text("pas un dossier")
    db = ["--db", str(demo_db)]
    for argv in (
        ["export", "--out", str(blocker / "ex")],
        ["graph", "--out", str(tmp_path / "absent" / "g.svg")],
        ["report", "--out", str(tmp_path / "absent" / "r.md")],
    ):
        assert main([*db, *argv]) == 4, argv
        assert "Traceback" not in capsys.readouterr().err


# --- the real thing: a 1 MiB tmpfs -------------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("disque plein réel : il faut root pour monter un tmpfs (test simulé ci-dessus)")
    mount_point = tmp_path / "petit-disque"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"tmpfs impossible à monter ici : {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(folder: Path) -> None:
    """Fill the disk to the last byte."""
    fd = os.open(folder / "remplissage", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for chunk in (65536, 4096, 512, 1):
            while True:
                try:
                    os.write(fd, b"\0" * chunk)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
    finally:
        os.close(fd)


def _quiet_failure(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 4, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and "No space left" not in done.stderr.split("(")[0]
    assert "disque" in done.stderr


def test_a_new_database_on_a_full_disk_leaves_nothing(tiny_disk: Path, tmp_path: Path) -> None:
    _fill(tiny_disk)
    before = sorted(p.name for p in tiny_disk.iterdir())
    done = roadmap(tmp_path, "--db", str(tiny_disk / "neuve.db"), "whoami")
    _quiet_failure(done)
    assert "disque plein" in done.stderr
    assert sorted(p.name for p in tiny_disk.iterdir()) == before  # no db, lock, wal or shm


def test_writes_and_exports_on_a_full_disk(tiny_disk: Path, demo_db: Path, tmp_path: Path) -> None:
    db = tiny_disk / "demo.db"
    shutil.copyfile(demo_db, db)
    csv_file = tmp_path / "dossiers.csv"
    csv_file.write_text(
        "porteur;titre;campagne;demande_dcs\nAsso;Projet neuf;2026;1000\n", encoding="utf-8"
    )
    _fill(tiny_disk)
    for argv in (
        ["--db", str(db), "dossier", "import", str(csv_file)],
        ["--db", str(demo_db), "export", "--out", str(tiny_disk / "exports")],
        ["--db", str(demo_db), "graph", "--out", str(tiny_disk / "g.svg")],
        ["--db", str(demo_db), "report", "--out", str(tiny_disk / "r.md")],
        ["--db", str(demo_db), "db", "backup", str(tiny_disk / "copie.db")],
    ):
        _quiet_failure(roadmap(tmp_path, *argv))
    (tiny_disk / "remplissage").unlink()
    litter = [p.name for p in tiny_disk.rglob("*") if p.suffix in (".tmp", ".partiel")]
    assert litter == [] and not (tiny_disk / "copie.db").exists()
    with sqlite3.connect(db) as conn:  # the refused import wrote nothing, broke nothing
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert (
            conn.execute("SELECT count(*) FROM dossier WHERE title = 'Projet neuf'").fetchone()[0]
            == 0
        )


def test_an_existing_base_on_a_full_disk_says_full_disk(tiny_disk: Path, tmp_path: Path) -> None:
    """SQLite says "disk I/O error" when it cannot create the WAL files of an existing base:
    the message says what the user can act on, « disque plein », for every door."""
    db = tiny_disk / "base.db"
    assert roadmap(tmp_path, "--db", str(db), "whoami").returncode == 0
    _fill(tiny_disk)
    for argv in (["whoami"], ["import", str(TOML_FILE)], ["demo"], ["check"]):
        done = roadmap(tmp_path, "--db", str(db), *argv)
        _quiet_failure(done)
        assert "disque plein" in done.stderr, (argv, done.stderr)
    (tiny_disk / "remplissage").unlink()
    assert roadmap(tmp_path, "--db", str(db), "check").returncode == 0  # whole again
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["base.db", "base.db.migration-lock"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM roadmap").fetchone() == (0,)


def _demo_rows(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith("sqlite_")
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


@pytest.mark.parametrize("room", [0.5, 0.7, 0.85])
def test_demo_force_on_a_full_disk_keeps_the_old_demo(
    tiny_disk: Path, demo_db: Path, tmp_path: Path, room: float
) -> None:
    """Deleting and rebuilding the demo is one transaction: all or nothing. ``room`` is the
    free space left, as a share of the demo's file: measured here, before the rebuild was
    one transaction, 0.7 and 0.85 let the deletion commit and the rebuild fail (no demo
    left); 0.5 fails from the start."""
    db = tiny_disk / "demo.db"
    shutil.copyfile(demo_db, db)
    before = _demo_rows(db)
    _fill(tiny_disk)
    filler = tiny_disk / "remplissage"
    os.truncate(filler, max(0, filler.stat().st_size - int(db.stat().st_size * room)))
    done = roadmap(tmp_path, "--db", str(db), "demo", "--force")  # testeur created the base
    filler.unlink()
    after = _demo_rows(db)
    if done.returncode == 0:  # it fitted: a whole new demo, the old one journaled as deleted
        assert after["roadmap"] == 1 and after["action"] == before["action"], after
        return
    assert room > 0.5 or done.returncode == 4
    _quiet_failure(done)
    assert "disque plein" in done.stderr and "démonstration précédente est intacte" in done.stderr
    assert after == before


def test_a_first_demo_on_a_nearly_full_disk_writes_nothing(tiny_disk: Path, tmp_path: Path) -> None:
    """Issue 14's angle on the demo: the first build fails half-way (room for the schema, not
    for the demo); nothing of it stays (it used to leave its territory and services)."""
    db = tiny_disk / "neuve.db"
    assert roadmap(tmp_path, "--db", str(db), "whoami").returncode == 0
    before = _demo_rows(db)
    _fill(tiny_disk)
    filler = tiny_disk / "remplissage"
    os.truncate(filler, filler.stat().st_size - 150_000)  # ~150 kB free: the demo needs more
    done = roadmap(tmp_path, "--db", str(db), "demo")
    filler.unlink()
    _quiet_failure(done)
    assert "disque plein" in done.stderr and "rien n'a été enregistré" in done.stderr
    assert _demo_rows(db) == before
