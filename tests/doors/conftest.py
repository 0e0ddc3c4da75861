"""Every door × every role: a small world with one person per role, and row counts.

Roles: administrateur (an administrator with no fiche and no roadmap role), direction,
trinôme, cercle élargi, lecteur, inconnu (no fiche). See tests/instruction/conftest.py for
the world itself (roadmap pat-test, campaign 2026 of territory « metro »).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import shutil
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tortoise import Tortoise

from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import DatabaseLocation, parse_location
from roadmap.usecases.identity import Actor, actor_for
from tests.conftest import PG_ADMIN_URL, _asyncpg_url, require_postgres, run_in_fresh_loop
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
    return _world_copy(tmp_path, tmp_path_factory)


def _world_copy(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
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


# --- the same world for CLI doors on PostgreSQL: each person connects with their own role ---


@dataclass
class Door:
    """A base for CLI door tests and how each person reaches it.

    On SQLite the identity is ``ROADMAP_USER`` on the file. On PostgreSQL it is the
    connection role: each person of the world gets a login role of their own, made by
    ``roadmap db acces`` as an administrator would (the administrator in the ``admin``
    group, everyone else in ``equipe``, so that what refuses them is the application's
    rule, not a missing privilege), and logins carry a per-test suffix because roles are
    shared by every database of the server.
    """

    backend: str
    target: str  # the SQLite file, or the owner's URL (set-up and row counts)
    suffix: str = ""
    urls: dict[str, str] = field(default_factory=dict)  # login → URL with that role

    def login(self, name: str) -> str:
        return f"{name}_{self.suffix}" if self.suffix else name

    def db_for(self, name: str) -> str:
        return self.urls[self.login(name)] if self.suffix else self.target


PG_PEOPLE = ("nadia", "paul", "sophie", "claire", "luc", "marc", "dir")
PG_ACCESS = {"amorce": "admin", **{login: "equipe" for login in (*PG_PEOPLE, "inconnu")}}


async def _pg_world(owner_url: str, suffix: str) -> None:
    from roadmap.models import Administrator, Person
    from roadmap.usecases import instruction as ins

    await open_database(parse_location(owner_url))
    try:
        w = await build_world()
        await ins.create_dossier(
            w.pilote,
            2026,
            ins.DossierInput("Asso", "Projet", total_budget="100"),
            [ins.FinancementInput("dcs", "100")],
        )
        # set-up, not a door: the people take their role's name; administrators by role only
        for login in PG_PEOPLE:
            await Person.filter(login=login).update(login=f"{login}_{suffix}")
        await Administrator.all().delete()
    finally:
        await close_database()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def door_world(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Door]:
    """The world of ``world_file`` on SQLite, and on PostgreSQL with one role per person."""
    if request.param == "sqlite":
        yield Door("sqlite", _world_copy(tmp_path, tmp_path_factory))
        return
    require_postgres()
    with pg_copy(request.getfixturevalue("pg_door_template")) as door:
        yield door


@contextlib.contextmanager
def pg_copy(template: Door) -> Iterator[Door]:
    """A fresh copy of a template base for one test (same roles, same privileges)."""
    copy = f"roadmap_c_{uuid.uuid4().hex[:10]}"
    base = template.target.rsplit("/", 1)[0]
    owner = template.target.split("//", 1)[1].split(":", 1)[0]
    source = template.target.rsplit("/", 1)[1]
    run_in_fresh_loop(_pg_admin(f'CREATE DATABASE "{copy}" TEMPLATE "{source}" OWNER {owner}'))
    try:
        yield Door(
            "postgres",
            f"{base}/{copy}",
            template.suffix,
            {r: f"{url.rsplit('/', 1)[0]}/{copy}" for r, url in template.urls.items()},
        )
    finally:
        run_in_fresh_loop(_pg_admin(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))


async def _pg_admin(*statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_url(PG_ADMIN_URL))
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def pg_template(
    populate: Callable[[str, str], Awaitable[None]], access: dict[str, str], admins: list[str]
) -> Iterator[Door]:
    """A template base owned by its own role: ``populate(owner_url, suffix)`` fills it, each
    login of ``access`` (suffixed) gets its role from ``roadmap db acces`` and a password,
    and ``admins`` are named by ``roadmap admin ajouter``. Copies keep the privileges; the
    ``admin`` group is named after the template, so in a copy the administrators are the
    ones named in the base."""
    from roadmap.cli import main

    suffix = uuid.uuid4().hex[:8]
    owner, database = f"own_{suffix}", f"roadmap_p_{suffix}"
    host = PG_ADMIN_URL.rsplit("@", 1)[1].rsplit("/", 1)[0]
    owner_url = f"postgres://{owner}:motdepasse@{host}/{database}"
    roles = [f"{login}_{suffix}" for login in access]
    run_in_fresh_loop(
        _pg_admin(
            f"CREATE ROLE {owner} LOGIN CREATEROLE PASSWORD 'motdepasse'",
            f'CREATE DATABASE "{database}" OWNER {owner}',
        )
    )
    try:
        run_in_fresh_loop(populate(owner_url, suffix))
        door = Door("postgres", owner_url, suffix)
        for login, level in access.items():
            role = door.login(login)
            with contextlib.redirect_stdout(io.StringIO()):
                assert main(["--db", owner_url, "db", "acces", role, "--role", level]) == 0
            run_in_fresh_loop(_pg_admin(f"ALTER ROLE {role} PASSWORD 'motdepasse'"))
            door.urls[role] = f"postgres://{role}:motdepasse@{host}/{database}"
        for login in admins:
            with contextlib.redirect_stdout(io.StringIO()):
                assert main(["--db", owner_url, "admin", "ajouter", door.login(login)]) == 0
        yield door
    finally:
        run_in_fresh_loop(
            _pg_admin(
                f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
                *(f"DROP ROLE IF EXISTS {r}" for r in roles),
                *(f'DROP ROLE IF EXISTS "{database}_{g}"' for g in ("lecteur", "equipe", "admin")),
                f"DROP ROLE IF EXISTS {owner}",
            )
        )


@pytest.fixture(scope="session")
def pg_door_template() -> Iterator[Door]:
    """The world, built once per session on PostgreSQL (a copy per test)."""
    with pg_template(_pg_world, PG_ACCESS, ["amorce"]) as door:
        yield door
