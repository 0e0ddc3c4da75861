"""Issue 10: least privilege on PostgreSQL, checked through plain asyncpg connections.

``roadmap db acces`` (run here by the test superuser, as the schema owner would) gives each
person a LOGIN role in one group. The test then connects as those people, as they could
with psql, and tries what the application would refuse. Roles are server-wide: the test
creates unique ones and drops them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlparse

import asyncpg
import pytest

from roadmap.domain.enums import Role, Side
from roadmap.domain.errors import PermissionDenied
from roadmap.models import Annotation, DossierInstructor, JournalEntry, Membership, Person, Roadmap
from roadmap.storage.access import GROUPS, grant_access, group_names
from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import DatabaseLocation
from roadmap.storage.verify import verify_chain
from roadmap.usecases.base import write_unit
from roadmap.usecases.demo import build_demo
from roadmap.usecases.identity import Actor

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("backend", ["postgres"], indirect=True)]
PASSWORD = "motdepasse-de-test"


@dataclass
class World:
    location: DatabaseLocation
    lecteur: str
    instructor: str  # equipe, trinôme, whose service instructs the annotated dossier
    cercle: str  # equipe, cercle élargi, whose service does not instruct it
    roadmap_id: int


async def _admin(location: DatabaseLocation) -> asyncpg.Connection:
    return await asyncpg.connect(location.url.replace("postgres://", "postgresql://", 1))


async def connect_as(location: DatabaseLocation, login: str) -> asyncpg.Connection:
    url = urlparse(location.url)
    return await asyncpg.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=login,
        password=PASSWORD,
        database=url.path.lstrip("/"),
    )


@pytest.fixture
async def world(db_location: DatabaseLocation) -> AsyncIterator[World]:
    await open_database(db_location)
    suffix = uuid.uuid4().hex[:8]
    logins = {k: f"t{k}_{suffix}" for k in ("lec", "ins", "cer")}
    groups: dict[str, str] = {}
    try:
        await build_demo(Actor("roadmap"))
        note = await Annotation.all().first()
        assert note is not None, "la démonstration a une note privée"
        instructing = set(
            await DossierInstructor.filter(dossier_id=note.dossier_id).values_list(  # type: ignore[attr-defined]
                "service_id", flat=True
            )
        )
        people = await Person.all().values_list("service_id", flat=True)
        outside = next(s for s in people if s is not None and s not in instructing)
        inside = next(iter(instructing))
        roadmap = await Roadmap.get(slug="pat-salon-martigues")
        for key, service, role in (
            ("lec", outside, Role.LECTEUR),
            ("ins", inside, Role.TRINOME),
            ("cer", outside, Role.CERCLE_ELARGI),
        ):
            person = await Person.create(login=logins[key], name=key, service_id=service)
            await Membership.create(roadmap=roadmap, person=person, role=role, side=Side.AUTRE)
        for key, level in (("lec", "lecteur"), ("ins", "equipe"), ("cer", "equipe")):
            result = await grant_access(logins[key], level)
            assert result.created and result.person_known
        groups = await group_names()
        admin = await _admin(db_location)
        try:
            for login in logins.values():
                await admin.execute(f"ALTER ROLE \"{login}\" PASSWORD '{PASSWORD}'")
        finally:
            await admin.close()
        yield World(db_location, logins["lec"], logins["ins"], logins["cer"], roadmap.id)
    finally:
        await close_database()
        admin = await _admin(db_location)
        try:
            roles = [*logins.values(), *groups.values()]
            existing = [
                r["rolname"]
                for r in await admin.fetch(
                    "SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])", roles
                )
            ]
            if existing:
                quoted = ", ".join(f'"{r}"' for r in existing)
                await admin.execute(f"DROP OWNED BY {quoted}")
                await admin.execute(f"DROP ROLE {quoted}")
        finally:
            await admin.close()


async def _tables(conn: asyncpg.Connection) -> dict[str, str]:
    rows = await conn.fetch(
        "SELECT table_name, min(column_name) AS col FROM information_schema.columns "
        "WHERE table_schema = 'public' GROUP BY table_name"
    )
    return {r["table_name"]: r["col"] for r in rows}


async def test_a_lecteur_can_read_but_write_nothing_anywhere(world: World) -> None:
    conn = await connect_as(world.location, world.lecteur)
    try:
        assert await conn.fetchval("SELECT count(*) FROM roadmap") == 1
        tables = await _tables(conn)
        assert {"journal", "membership", "action", "roadmap", "annotation"} <= set(tables)
        refused = []
        for table, column in sorted(tables.items()):
            for sql in (
                f'INSERT INTO "{table}" DEFAULT VALUES',
                f'UPDATE "{table}" SET "{column}" = "{column}"',
                f'DELETE FROM "{table}"',
                f'TRUNCATE "{table}"',
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await conn.execute(sql)
                refused.append(sql)
        assert len(refused) == 4 * len(tables)
        assert await conn.fetchval("SELECT count(*) FROM annotation") == 0
    finally:
        await conn.close()
    await private_annotations_only_reach_instructing_services(world)
    await the_application_turns_a_database_refusal_into_a_french_message(world)


async def private_annotations_only_reach_instructing_services(world: World) -> None:
    total = await Annotation.all().count()
    assert total >= 1
    for login, expected in ((world.instructor, total), (world.cercle, 0), (world.lecteur, 0)):
        conn = await connect_as(world.location, login)
        try:
            assert await conn.fetchval("SELECT count(*) FROM annotation") == expected, login
        finally:
            await conn.close()


async def test_team_members_cannot_promote_themselves_nor_rewrite_history(world: World) -> None:
    conn = await connect_as(world.location, world.cercle)
    try:
        person_id = await conn.fetchval("SELECT id FROM person WHERE login = $1", world.cercle)
        promoted = await conn.execute(
            "UPDATE membership SET role = 'trinome' WHERE person_id = $1", person_id
        )
        assert promoted == "UPDATE 0"  # row-level security: not trinôme nor direction
        for sql in (
            "UPDATE journal SET actor = 'direction'",
            "DELETE FROM journal",
            "DELETE FROM roadmap",
            "UPDATE person SET service_id = service_id",
            "UPDATE instance SET code = 'autre'",  # calendar UIDs carry it (0010)
            "DELETE FROM instance",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(sql)
        async with conn.transaction():  # a forged journal row gets the real role and time
            await conn.execute(
                "INSERT INTO journal (id, at, actor, roadmap_slug, entity, entity_ref, operation, "
                "field, old_value, new_value, reason, hash) VALUES (1, '2020-01-01', "
                "'direction', '', 'roadmap', '', 'suppression', '', '', '', '', '')"
            )
            when = await conn.fetchval("SELECT transaction_timestamp()")
    finally:
        await conn.close()
    await the_trinome_manages_its_team_within_the_database_rule(world)
    await access_is_updated_not_stacked_and_refused_to_non_owners(world)
    forged_id = await JournalEntry.all().order_by("-id").first().values_list("id", flat=True)
    forged = await JournalEntry.get(id=forged_id)
    assert forged and (forged.actor, forged.at) == (world.cercle, when)
    assert (await verify_chain()).ok


async def the_trinome_manages_its_team_within_the_database_rule(world: World) -> None:
    member = await Membership.get(person__login=world.cercle)
    assert member.role == Role.CERCLE_ELARGI  # the self-promotion above changed nothing
    conn = await connect_as(world.location, world.instructor)
    try:
        cercle_id = await conn.fetchval("SELECT id FROM person WHERE login = $1", world.cercle)
        demoted = await conn.execute(
            "UPDATE membership SET role = 'lecteur' WHERE person_id = $1", cercle_id
        )
        assert demoted == "UPDATE 1"
    finally:
        await conn.close()


async def access_is_updated_not_stacked_and_refused_to_non_owners(world: World) -> None:
    groups = await group_names()
    result = await grant_access(world.lecteur, "equipe")
    assert not result.created and result.group == groups["equipe"]
    admin = await _admin(world.location)
    try:
        member_of = await admin.fetch(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = $1",
            world.lecteur,
        )
    finally:
        await admin.close()
    assert [r["rolname"] for r in member_of] == [groups["equipe"]]
    assert set(groups) == set(GROUPS)
    conn = await connect_as(world.location, world.cercle)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(f'GRANT "{groups["admin"]}" TO "{world.cercle}"')
    finally:
        await conn.close()


async def the_application_turns_a_database_refusal_into_a_french_message(world: World) -> None:
    async def unit() -> None:
        await Roadmap.filter(id=world.roadmap_id).update(title="x")

    await close_database()
    url = urlparse(world.location.url)
    as_lecteur = world.location.url.replace(
        f"{url.username}:{url.password}@", f"{world.lecteur}:{PASSWORD}@"
    )
    from roadmap.storage.location import parse_location

    await open_database(parse_location(as_lecteur), upgrade=False)
    with pytest.raises(PermissionDenied, match="la base refuse cette écriture"):
        await write_unit(unit)
    await close_database()
    await open_database(world.location)
    assert (await Roadmap.get(id=world.roadmap_id)).title != "x"
