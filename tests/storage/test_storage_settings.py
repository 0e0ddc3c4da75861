"""RISKS 4 and 6: SQLite settings read back; where a database may live, and clear refusals."""

from __future__ import annotations

import functools
import sqlite3
from pathlib import Path

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError

import roadmap.storage.database as database_module
from roadmap.domain.enums import ServiceKind
from roadmap.domain.errors import StorageError
from roadmap.models import Person, Service
from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import (
    DatabaseLocation,
    check_sqlite_path,
    filesystem_type,
    parse_location,
    resolve_location,
)

# --- RISKS 4: PRAGMAs ----------------------------------------------------------------------


async def test_sqlite_pragmas_are_read_back_at_open(sqlite_location: DatabaseLocation) -> None:
    info = await open_database(sqlite_location)
    try:
        assert info.pragmas == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 10000,
            "synchronous": 2,  # FULL
        }
        conn = connections.get("default")
        for name, expected in info.pragmas.items():
            _, rows = await conn.execute_query(f"PRAGMA {name}")
            assert rows[0][0] == expected, name
    finally:
        await close_database()
    assert sqlite_location.path is not None
    with sqlite3.connect(sqlite_location.path) as raw:  # WAL is a property of the file
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_foreign_keys_are_enforced_after_the_foreign_keys_off_migration(
    sqlite_db: DatabaseLocation,
) -> None:
    with pytest.raises(IntegrityError):
        await Person.create(login="fantome", name="Fantôme", service_id=99999)
    assert await Person.all().count() == 0


# --- RISKS 6: where the file may live --------------------------------------------------------


def _mounts(tmp_path: Path) -> Path:
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/sda1 / ext4 rw,relatime 0 0\n"
        f"serveur:/export {tmp_path}/nfs nfs4 rw,relatime 0 0\n"
        f"//nas/equipe {tmp_path}/partage\\040equipe cifs rw 0 0\n"
        f"moi@serveur:/home {tmp_path}/ssh fuse.sshfs rw 0 0\n"
        f"tmpfs {tmp_path}/local tmpfs rw 0 0\n"
    )
    return mounts


@pytest.mark.parametrize(
    ("folder", "fs_type"),
    [
        ("nfs", "nfs4"),
        ("nfs/sous/dossier", "nfs4"),
        ("partage equipe", "cifs"),
        ("ssh", "fuse.sshfs"),
    ],
)
def test_sqlite_file_on_a_network_share_is_refused_pointing_to_postgres(
    tmp_path: Path, folder: str, fs_type: str
) -> None:
    mounts = _mounts(tmp_path)
    path = tmp_path / folder / "roadmap.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    assert filesystem_type(path.parent, mounts) == fs_type
    with pytest.raises(StorageError) as refused:
        check_sqlite_path(path, mounts)
    message = str(refused.value)
    assert "partage réseau" in message and fs_type in message
    assert "PostgreSQL" in message and "postgres://" in message


def test_local_filesystems_are_accepted(tmp_path: Path) -> None:
    mounts = _mounts(tmp_path)
    check_sqlite_path(tmp_path / "local" / "roadmap.db", mounts)
    check_sqlite_path(tmp_path / "ailleurs" / "roadmap.db", mounts)
    # A folder whose name merely starts like a share's is not on it.
    check_sqlite_path(tmp_path / "nfs-local" / "roadmap.db", mounts)


async def test_open_database_refuses_a_network_share_before_creating_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mounts = _mounts(tmp_path)
    monkeypatch.setattr(
        database_module,
        "check_sqlite_path",
        functools.partial(check_sqlite_path, mounts_file=mounts),
    )
    location = parse_location(str(tmp_path / "nfs" / "roadmap.db"))
    with pytest.raises(StorageError, match="PostgreSQL"):
        await open_database(location)
    assert location.path is not None and not location.path.exists()


async def test_a_path_that_cannot_be_created_gives_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "un-fichier"
    blocker.write_text("pas un dossier")
    location = parse_location(str(blocker / "sous-dossier" / "roadmap.db"))
    with pytest.raises(StorageError) as refused:
        await open_database(location)
    assert "impossible de créer le dossier" in str(refused.value)
    assert refused.value.field == "--db"


async def test_a_folder_given_as_database_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="est un dossier"):
        await open_database(parse_location(str(tmp_path)))


async def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"Ceci n'est pas une base SQLite, juste des notes de COPIL.\n" * 200)
    with pytest.raises(StorageError) as refused:
        await open_database(parse_location(str(path)))
    assert str(path) in str(refused.value)
    assert path.read_bytes().startswith(b"Ceci n'est pas")  # left untouched


async def test_unreachable_postgres_gives_a_clear_error() -> None:
    location = parse_location("postgres://roadmap:roadmap@127.0.0.1:9/roadmap")
    with pytest.raises(StorageError) as refused:
        await open_database(location)
    assert "impossible d'ouvrir la base postgres://roadmap@127.0.0.1:9/roadmap" in str(
        refused.value
    )
    assert "roadmap:roadmap" not in str(refused.value)  # no password in messages


# --- where the database is looked for ------------------------------------------------------


def test_location_order_is_option_then_environment_then_user_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = resolve_location(None)
    assert default.is_sqlite and default.path == tmp_path / "xdg-data" / "roadmap" / "roadmap.db"
    monkeypatch.setenv("ROADMAP_DB", str(tmp_path / "env.db"))
    assert resolve_location(None).path == tmp_path / "env.db"
    assert resolve_location(str(tmp_path / "cli.db")).path == tmp_path / "cli.db"


@pytest.mark.parametrize(
    ("raw", "backend"),
    [
        ("/srv/roadmap/base.db", "sqlite"),
        ("sqlite:///srv/roadmap/base.db", "sqlite"),
        ("postgres://equipe@serveur:5432/roadmap", "postgres"),
        ("postgresql://equipe@serveur/roadmap", "postgres"),
    ],
)
def test_accepted_addresses(raw: str, backend: str) -> None:
    location = parse_location(raw)
    assert location.backend == backend
    if backend == "sqlite":
        assert location.path == Path("/srv/roadmap/base.db")
    else:
        assert location.url.startswith("postgres://equipe@serveur")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "vide"),
        ("sqlite://:memory:", "en mémoire"),
        ("mysql://u@h/db", "non pris en charge"),
        ("postgres://u@h", "doit nommer une base"),
    ],
)
def test_refused_addresses_name_the_problem(raw: str, expected: str) -> None:
    with pytest.raises(StorageError, match=expected) as refused:
        parse_location(raw)
    assert refused.value.field == "--db"


# --- one process, both backends (the test suite does this) ---------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_sqlite_then_postgres_in_one_process(
    db_location: DatabaseLocation, tmp_path: Path
) -> None:
    """Tortoise caches INSERT SQL per connection name: the SQLite ``?`` must not leak."""
    for location in (parse_location(str(tmp_path / "a.db")), db_location):
        await open_database(location)
        try:
            await Service.create(code="caf", name="CAF", kind=ServiceKind.PARTENAIRE)
            await (await Service.get(code="caf")).delete()
            assert await Service.all().count() == 0
        finally:
            await close_database()


def test_a_file_in_the_way_of_the_folder_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("pas un dossier")
    with pytest.raises(StorageError) as refused:
        check_sqlite_path(blocker / "sous" / "roadmap.db")
    assert f"{blocker} est un fichier, pas un dossier" in str(refused.value)
