"""RISKS 1: a migration that rebuilds a parent table keeps every child row.

Tortoise alters a SQLite column by rebuilding the table (``new__X``, copy, ``DROP TABLE X``,
rename). With foreign keys ON, dropping the parent fires ``ON DELETE CASCADE`` on every
child. These tests apply a real second migration that alters columns of two parent tables
(``roadmap.title`` and the nullable ``action.pillar`` given a default) through our
``open_database`` path, on a database already holding data.

The migrations live in a throw-away package written under ``tmp_path``: the shipped
``0001_initial`` copied verbatim, then the test-only ``0002``.
"""

from __future__ import annotations

import sqlite3
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tortoise import connections

import roadmap.migrations
import roadmap.storage.database as database_module
from roadmap.domain.enums import EngagementKind, Pillar, Role, ServiceKind
from roadmap.models import (
    Action,
    ActionContributor,
    Axe,
    Engagement,
    Membership,
    Person,
    Service,
)
from roadmap.storage.config import tortoise_config
from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import DatabaseLocation
from tests.storage.first_schema import insert_roadmap

SHIPPED_MIGRATIONS = Path(roadmap.migrations.__file__).parent

ALTER_PARENTS = """
from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from roadmap.domain.enums import Pillar


class Migration(migrations.Migration):
    dependencies = [("roadmap", "0001_initial")]

    operations = [
        ops.AlterField(
            model_name="Roadmap", name="title", field=fields.CharField(max_length=300)
        ),
        ops.AlterField(
            model_name="Action",
            name="pillar",
            field=fields.CharEnumField(Pillar, max_length=40, default=Pillar.COHESION_SOCIALE),
        ),
    ]
"""

MigrationPackage = Callable[[], None]


@pytest.fixture
def migrations_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, MigrationPackage]]:
    """A package holding only ``0001_initial``; call the second item to add ``0002``."""
    name = f"roadmap_test_migrations_{uuid.uuid4().hex[:10]}"
    folder = tmp_path / "paquets" / name
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "0001_initial.py").write_text(
        (SHIPPED_MIGRATIONS / "0001_initial.py").read_text(encoding="utf-8"), encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(folder.parent))

    def add_second() -> None:
        (folder / "0002_alter_parents.py").write_text(ALTER_PARENTS, encoding="utf-8")

    def config(location: DatabaseLocation, *, foreign_keys: bool = True) -> dict[str, Any]:
        result = tortoise_config(location, foreign_keys=foreign_keys)
        result["apps"]["roadmap"]["migrations"] = name
        return result

    monkeypatch.setattr(database_module, "tortoise_config", config)
    yield name, add_second
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]


async def seed(null_pillars: bool) -> None:
    """Parents and children on both sides of every cascade the migration could fire.

    ``null_pillars``: leave some ``action.pillar`` NULL. Only SQLite's rebuild fills them
    with the new default (COALESCE); PostgreSQL's ALTER refuses existing NULLs.
    """
    pv = await Service.create(
        code="pv", name="Cohésion sociale", kind=ServiceKind.POLITIQUE_DE_LA_VILLE
    )
    dc = await Service.create(code="pat", name="Agriculture / PAT", kind=ServiceKind.DROIT_COMMUN)
    caf = await Service.create(code="caf", name="CAF", kind=ServiceKind.PARTENAIRE)
    people = [
        await Person.create(login=f"p{i}", name=f"Personne {i}", service=pv if i % 2 else dc)
        for i in range(6)
    ]
    for r in range(3):
        # plain SQL: the model has columns (territoire) that the first schema lacks
        roadmap = await insert_roadmap(f"fdr-{r}", f"Feuille de route {r}", pv.id, dc.id)
        for i, person in enumerate(people[:3]):
            await Membership.create(
                roadmap=roadmap, person=person, role=Role.TRINOME if i < 2 else Role.DIRECTION
            )
        for a in range(2):
            axe = await Axe.create(roadmap=roadmap, ref=f"X{a + 1}", title=f"Axe {a}", position=a)
            for n in range(4):
                action = await Action.create(
                    roadmap=roadmap,
                    ref=f"A{a * 4 + n + 1}",
                    axe=axe,
                    title=f"Action {a}.{n}",
                    pilot_service=dc if n % 2 else pv,
                    owner=people[n],
                    pillar=None if n % 2 and null_pillars else Pillar.CADRE_DE_VIE,
                )
                await ActionContributor.create(action=action, service=caf)
                await Engagement.create(
                    action=action, service=dc, kind=EngagementKind.BUDGET, amount=Decimal("1500")
                )
    # The journal of the 0001 schema has no hash column yet: write it as that code did.
    await connections.get("default").execute_script(
        "INSERT INTO journal (at, actor, roadmap_slug, entity, entity_ref, operation, field, "
        f"old_value, new_value, reason) VALUES ('{datetime(2026, 1, 1, tzinfo=UTC)}', 'p0', "
        "'', 'roadmap', '', 'création', '', '', '', '')"
    )


async def row_counts(location: DatabaseLocation) -> dict[str, int]:
    """Rows of every table but Tortoise's own migration record."""
    conn = connections.get("default")
    if location.is_sqlite:
        _, rows = await conn.execute_query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    else:
        _, rows = await conn.execute_query(
            "SELECT table_name AS name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
    tables = sorted(str(row["name"]) for row in rows)
    counts: dict[str, int] = {}
    for table in tables:
        if "migration" in table:
            continue
        _, result = await conn.execute_query(f'SELECT COUNT(*) AS n FROM "{table}"')
        counts[table] = int(result[0]["n"])
    return counts


async def seeded_database(location: DatabaseLocation) -> dict[str, int]:
    info = await open_database(location)
    assert info.applied_migrations == ["0001_initial"]
    try:
        await seed(null_pillars=location.is_sqlite)
        counts = await row_counts(location)
    finally:
        await close_database()
    assert counts["action"] == 24 and counts["engagement"] == 24 and counts["membership"] == 9
    return counts


async def test_migration_rebuilding_parent_tables_keeps_every_child_row(
    db_location: DatabaseLocation, migrations_package: tuple[str, MigrationPackage]
) -> None:
    _, add_second = migrations_package
    before = await seeded_database(db_location)

    add_second()
    info = await open_database(db_location)
    try:
        assert info.applied_migrations == ["0002_alter_parents"]
        after = await row_counts(db_location)
        if db_location.is_sqlite:
            _, broken = await connections.get("default").execute_query("PRAGMA foreign_key_check")
            assert broken == []
        # The altered columns took effect: longer titles fit, old NULL pillars got the default.
        pillars = set(await Action.all().values_list("pillar", flat=True))
        assert None not in pillars
        if db_location.is_sqlite:
            assert await Action.filter(pillar=Pillar.COHESION_SOCIALE).count() == 12
    finally:
        await close_database()
    assert after == before


async def test_every_shipped_migration_applies_on_a_database_of_the_first_schema(
    db_location: DatabaseLocation,
    migrations_package: tuple[str, MigrationPackage],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A database created by the first release, with data, is upgraded on open."""
    before = await seeded_database(db_location)
    monkeypatch.setattr(database_module, "tortoise_config", tortoise_config)  # the real ones
    shipped = sorted(
        p.stem for p in SHIPPED_MIGRATIONS.glob("[0-9]*.py") if p.stem != "0001_initial"
    )

    info = await open_database(db_location)
    try:
        assert sorted(info.applied_migrations) == shipped
        after = await row_counts(db_location)
        if db_location.is_sqlite:
            _, broken = await connections.get("default").execute_query("PRAGMA foreign_key_check")
            assert broken == []
    finally:
        await close_database()
    # Every table of the first schema keeps its rows; tables added since start empty.
    assert {table: after[table] for table in before} == before
    # ... but for what 0008 fills: the upgrader is the first administrator on SQLite, and
    # existing roadmaps get one territory (campaigns would too); 0010 draws the instance id.
    added = {"administrateur": 1 if db_location.is_sqlite else 0, "territoire": 1, "instance": 1}
    assert all(after[t] == added.get(t, 0) for t in after.keys() - before.keys())


async def test_backup_copy_is_made_before_upgrading_a_sqlite_file(
    sqlite_location: DatabaseLocation, migrations_package: tuple[str, MigrationPackage]
) -> None:
    _, add_second = migrations_package
    before = await seeded_database(sqlite_location)
    assert sqlite_location.path is not None
    add_second()

    info = await open_database(sqlite_location)
    await close_database()

    assert info.backup_path is not None and info.backup_path.exists()
    assert info.backup_path.parent == sqlite_location.path.parent
    with sqlite3.connect(info.backup_path) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        applied = [r[0] for r in copy.execute("SELECT name FROM tortoise_migrations")]
        assert "0002_alter_parents" not in " ".join(applied)
        assert copy.execute("SELECT COUNT(*) FROM action").fetchone()[0] == before["action"]
    # Nothing more to apply: no second backup, no migration.
    again = await open_database(sqlite_location)
    await close_database()
    assert again.applied_migrations == [] and again.backup_path is None


async def test_no_backup_and_no_migration_lock_left_for_a_new_file(
    sqlite_location: DatabaseLocation,
) -> None:
    info = await open_database(sqlite_location)
    await close_database()
    assert info.created and info.backup_path is None
    assert sqlite_location.path is not None
    assert sorted(p.name for p in sqlite_location.path.parent.glob("*avant-mise-a-jour*")) == []


async def test_counter_case_same_migration_with_foreign_keys_on_loses_children(
    sqlite_location: DatabaseLocation,
    migrations_package: tuple[str, MigrationPackage],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Proves the test above would fail without the fix: FK ON during the rebuild cascades."""
    _, add_second = migrations_package
    before = await seeded_database(sqlite_location)
    add_second()
    patched = database_module.tortoise_config

    def foreign_keys_always_on(
        location: DatabaseLocation, *, foreign_keys: bool = True
    ) -> dict[str, Any]:
        return patched(location, foreign_keys=True)

    monkeypatch.setattr(database_module, "tortoise_config", foreign_keys_always_on)
    await open_database(sqlite_location)
    try:
        after = await row_counts(sqlite_location)
    finally:
        await close_database()
    assert after["roadmap"] == before["roadmap"]
    assert after["axe"] == 0 and after["membership"] == 0 and after["engagement"] == 0
