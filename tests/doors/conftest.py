"""Every door × every role: a small world with one person per role, and row counts.

Roles: administrateur (an administrator with no fiche and no roadmap role), direction,
trinôme, cercle élargi, lecteur, inconnu (no fiche). See tests/instruction/conftest.py for
the world itself (roadmap pat-test, campaign 2026 of territory « metro »).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from tortoise import Tortoise

from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import DatabaseLocation, parse_location
from roadmap.usecases.identity import Actor, actor_for
from tests.instruction.conftest import World, build_world

ROLES = ["administrateur", "direction", "trinôme", "cercle élargi", "lecteur", "inconnu"]
LOGINS = {
    "administrateur": "amorce",
    "direction": "dir",
    "trinôme": "nadia",
    "cercle élargi": "sophie",
    "lecteur": "luc",
    "inconnu": "inconnu",
}


async def actor_of(role: str) -> Actor:
    return await actor_for(LOGINS[role])


async def counts() -> dict[str, int]:
    """Rows of every table, and the sum of versions (an update changes it)."""
    result: dict[str, int] = {}
    for name, model in Tortoise.apps["roadmap"].items():
        result[name] = await model.all().count()
        if "version" in model._meta.fields_map:
            values = await model.all().values_list("version", flat=True)
            result[f"{name}.versions"] = sum(int(v) for v in values)
    return result


@pytest.fixture
async def world(db: DatabaseLocation) -> World:
    return await build_world()


_TEMPLATE: dict[str, Path] = {}


async def _build_file(path: Path) -> None:
    from roadmap.usecases import instruction as ins

    await open_database(parse_location(str(path)))
    try:
        w = await build_world()
        await ins.create_dossier(
            w.pilote,
            2026,
            ins.DossierInput("Asso", "Projet", total_budget="100"),
            [ins.FinancementInput("dcs", "100")],
        )
    finally:
        await close_database()


@pytest.fixture
def world_file(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file holding the world and dossier AAP2026-001 (déposé), for CLI doors."""
    if "world" not in _TEMPLATE:
        path = tmp_path_factory.mktemp("monde") / "monde.db"
        asyncio.run(_build_file(path))
        _TEMPLATE["world"] = path
    target = tmp_path / "r.db"
    shutil.copyfile(_TEMPLATE["world"], target)
    return str(target)


def read_counts(db: str) -> dict[str, int]:
    async def run() -> dict[str, int]:
        await open_database(parse_location(db))
        try:
            return await counts()
        finally:
            await close_database()

    return asyncio.run(run())
