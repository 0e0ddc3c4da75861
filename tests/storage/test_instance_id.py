"""The instance id (migration 0010): drawn once per database, never changed after.

Calendar UIDs carry it (tests/badinput/test_calendars.py). It must survive every later
upgrade and a backup copy (the same instance), and the database itself refuses to change it.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tortoise import connections

import roadmap.migrations
import roadmap.storage.database as database_module
from roadmap import models as m
from roadmap.exchange.export import export
from roadmap.exchange.metadata import ExportOptions
from roadmap.storage.config import tortoise_config
from roadmap.storage.database import backup_sqlite, close_database, open_database
from roadmap.storage.location import DatabaseLocation
from roadmap.storage.verify import missing_protections, restore_protections
from tests.exchange.seed import seed_roadmap

SHIPPED = Path(roadmap.migrations.__file__).parent
LATER = """
from tortoise import migrations
from tortoise.migrations import operations as ops


async def nothing(apps, schema_editor) -> None:
    return None


class Migration(migrations.Migration):
    dependencies = [("roadmap", "{latest}")]
    operations = [ops.RunPython(nothing, nothing)]
"""


async def _code() -> str:
    _, rows = await connections.get("default").execute_query("SELECT code FROM instance")
    assert len(rows) == 1
    return str(rows[0][0])


async def test_one_id_per_database_and_the_database_refuses_to_change_it(
    db: DatabaseLocation,
) -> None:
    code = await _code()
    assert len(code) == 32 and int(code, 16) >= 0
    conn = connections.get("default")
    for statement in ("UPDATE instance SET code = 'autre'", "DELETE FROM instance"):
        with pytest.raises(Exception, match="identifiant de l'instance ne change pas"):
            await conn.execute_query(statement)
    assert await _code() == code
    assert await m.Instance.all().count() == 1


@pytest.fixture
def later_migration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Every shipped migration in a package of its own; call the result to add a later one."""
    name = f"roadmap_test_later_{uuid.uuid4().hex[:10]}"
    folder = tmp_path / "paquets" / name
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    shipped = sorted(p for p in SHIPPED.glob("[0-9]*.py"))
    for path in shipped:
        shutil.copyfile(path, folder / path.name)
    monkeypatch.syspath_prepend(str(folder.parent))

    def config(location: DatabaseLocation, *, foreign_keys: bool = True) -> dict[str, Any]:
        result = tortoise_config(location, foreign_keys=foreign_keys)
        result["apps"]["roadmap"]["migrations"] = name
        return result

    monkeypatch.setattr(database_module, "tortoise_config", config)
    monkeypatch.setattr(database_module, "shipped_migrations", lambda: {"toujours-en-retard"})

    def add_later() -> None:
        text = LATER.replace("{latest}", shipped[-1].stem)
        (folder / "0999_later.py").write_text(text, encoding="utf-8")

    yield add_later
    for module in [n for n in sys.modules if n == name or n.startswith(name + ".")]:
        del sys.modules[module]


async def test_uids_and_id_stay_the_same_across_a_later_upgrade(
    db_location: DatabaseLocation, tmp_path: Path, later_migration: Any
) -> None:
    await open_database(db_location)
    try:
        await seed_roadmap()
        before = await _code()
        await export(tmp_path / "avant", options=ExportOptions(ics=True))
    finally:
        await close_database()
    later_migration()
    info = await open_database(db_location)
    try:
        assert info.applied_migrations == ["0999_later"]
        assert await _code() == before
        await export(tmp_path / "apres", options=ExportOptions(ics=True), rebuild=True)
    finally:
        await close_database()
    calendars = sorted((tmp_path / "avant").rglob("*.ics"))
    assert calendars
    for path in calendars:
        assert (
            path.read_bytes()
            == (tmp_path / "apres" / path.relative_to(tmp_path / "avant")).read_bytes()
        )


async def test_a_backup_copy_is_the_same_instance(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    code = await _code()
    assert sqlite_db.path is not None
    await backup_sqlite(sqlite_db.path, tmp_path / "copie.db")
    with sqlite3.connect(tmp_path / "copie.db") as copy:
        assert copy.execute("SELECT code FROM instance").fetchall() == [(code,)]


async def test_db_verify_sees_a_dropped_protection_and_upgrade_puts_it_back(
    db: DatabaseLocation,
) -> None:
    conn = connections.get("default")
    dropped = "instance_no_update" if db.is_sqlite else "instance_no_change ON instance"
    await conn.execute_script(f"DROP TRIGGER {dropped}")
    problems = await missing_protections()
    assert any("instance_no_" in p and "identifiant de la base" in p for p in problems), problems
    await restore_protections()  # what db upgrade does
    assert await missing_protections() == []
    with pytest.raises(Exception, match="identifiant de l'instance ne change pas"):
        await conn.execute_query("UPDATE instance SET code = 'autre'")
