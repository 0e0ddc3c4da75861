"""The shipped migrations: an older database is upgraded on start; the journal is append-only."""

from __future__ import annotations

import pytest
from tortoise import Tortoise, connections
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from roadmap.models import JournalEntry
from roadmap.storage.config import APP_LABEL, tortoise_config
from roadmap.storage.database import close_database, open_database, shipped_migrations
from roadmap.storage.location import DatabaseLocation
from roadmap.storage.verify import missing_protections, verify_chain
from roadmap.usecases import reference as ref
from tests.roles import make_admin
from tests.storage.first_schema import seed_first_schema


async def _migrate_to_first_schema(location: DatabaseLocation) -> None:
    config = tortoise_config(location, foreign_keys=False)
    await Tortoise.init(config=config)
    executor = MigrationExecutor(connections.get("default"), {APP_LABEL: config["apps"][APP_LABEL]})
    await executor.migrate([MigrationTarget(APP_LABEL, "0001_initial")])
    await Tortoise.close_connections()


async def test_a_database_of_the_first_schema_is_upgraded_on_start(
    db_location: DatabaseLocation,
) -> None:
    await _migrate_to_first_schema(db_location)
    await open_database(db_location, upgrade=False)
    await seed_first_schema()  # plain SQL: today's models no longer match that schema
    await close_database()

    info = await open_database(db_location)
    try:
        assert sorted(info.applied_migrations) == sorted(shipped_migrations() - {"0001_initial"})
        if db_location.is_sqlite:
            assert info.backup_path is not None and info.backup_path.exists()
        assert await JournalEntry.filter(actor="ancien").count() == 1  # kept as it was
        await ref.create_service(
            await make_admin("nouveau"), ref.ServiceInput("sante", "Santé", "droit_commun")
        )
        report = await verify_chain()
        assert report.ok and report.rows == 2, report.problems
        assert await missing_protections() == []
    finally:
        await close_database()


async def test_the_database_refuses_to_rewrite_the_journal(db: DatabaseLocation) -> None:
    await ref.create_service(
        await make_admin("alice"), ref.ServiceInput("pv", "PV", "politique_de_la_ville")
    )
    with pytest.raises(Exception, match="ajout seul"):
        await JournalEntry.all().update(actor="mallory")
    with pytest.raises(Exception, match="ajout seul"):
        await JournalEntry.all().delete()
    assert await JournalEntry.all().count() == 1
    assert await JournalEntry.filter(actor="mallory").count() == 0
