"""Who is acting: the OS login (or ROADMAP_USER) on SQLite, the database role on PostgreSQL."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass

from tortoise import connections

from roadmap.models import Membership, Person


@dataclass(frozen=True)
class Actor:
    """The identity behind every use case call; ``person_id`` is None for unknown users."""

    login: str
    person_id: int | None = None
    name: str = ""
    service_id: int | None = None

    @property
    def display(self) -> str:
        return self.name or self.login


def os_login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "inconnu"


async def current_login() -> str:
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        _, rows = await conn.execute_query("SELECT current_user")
        return str(rows[0][0])
    return os.environ.get("ROADMAP_USER") or os_login()


async def actor_for(login: str) -> Actor:
    person = await Person.get_or_none(login=login)
    if person is None:
        return Actor(login=login)
    return Actor(login=login, person_id=person.id, name=person.name, service_id=person.service_id)  # type: ignore[attr-defined]


async def current_actor() -> Actor:
    return await actor_for(await current_login())


async def roles_of(actor: Actor) -> list[tuple[str, str]]:
    """(roadmap slug, role) pairs of the actor."""
    if actor.person_id is None:
        return []
    rows = await Membership.filter(person_id=actor.person_id).values_list("roadmap__slug", "role")
    return [(str(slug), str(role)) for slug, role in rows]
