"""0011_adjustment_cause: existing re-routings keep their rows and reasons; a shift written
before the column gets its cause read from its reason (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tortoise import connections

import roadmap.storage.database as database_module
from roadmap.models import Adjustment
from roadmap.storage.config import tortoise_config
from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import DatabaseLocation
from tests.storage.first_schema import _run
from tests.storage.test_storage_migrations import (  # noqa: F401 (fixture)
    MigrationPackage,
    migrations_package,
    row_counts,
    seeded_database,
)

REASONS = [
    "Retard du prestataire",
    "entraîné par A1 : Retard du prestataire",
    "entraîné par A2 (suite à A1) : Retard du prestataire",
    "entraîné par hasard : rien à lire",
]


async def test_the_cause_of_an_old_shift_is_read_from_its_reason(
    db_location: DatabaseLocation,
    migrations_package: tuple[str, MigrationPackage],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await seeded_database(db_location)
    await open_database(db_location)  # still at the first schema (throw-away package)
    try:
        _, rows = await connections.get("default").execute_query("SELECT id FROM roadmap")
        for reason in REASONS:
            await _run(
                "INSERT INTO adjustment (roadmap_id, field, old_value, new_value, reason, kind, "
                "author, created_at) VALUES (?, 'fin', '2027-01-01', '2027-02-01', ?, "
                "'contrainte', 'cmartin', ?)",
                [rows[0][0], reason, datetime(2026, 11, 1, tzinfo=UTC)],
            )
        before = await row_counts(db_location)
    finally:
        await close_database()
    monkeypatch.setattr(database_module, "tortoise_config", tortoise_config)  # the real ones
    info = await open_database(db_location)
    try:
        assert "0011_adjustment_cause" in info.applied_migrations
        after = await row_counts(db_location)
        stored = await Adjustment.all().order_by("id").values_list("reason", "cause")
    finally:
        await close_database()
    assert {t: after[t] for t in before} == before
    assert stored == list(zip(REASONS, ["", "A1", "A2", ""], strict=True))
