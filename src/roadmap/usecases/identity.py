"""Who is acting: the OS login on SQLite, the database role on PostgreSQL.

On SQLite the file's permissions are the boundary: ``ROADMAP_USER`` may name another
person only on a file that the OS user alone can write (they could rewrite it anyway),
never on a file shared with other accounts, where it would borrow someone else's rights.
"""

from __future__ import annotations

import os
from pathlib import Path

from tortoise import connections

from roadmap.domain.errors import PermissionDenied
from roadmap.models import Membership, Person
from roadmap.usecases.actor import Actor, os_login, shared_file_problem


async def current_login() -> str:
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        _, rows = await conn.execute_query("SELECT current_user")
        return str(rows[0][0])
    claimed = os.environ.get("ROADMAP_USER", "").strip()
    login = os_login()
    if not claimed or claimed == login:
        return login
    problem = shared_file_problem(Path(str(getattr(conn, "filename", ""))))
    if problem:
        raise PermissionDenied(
            f"ROADMAP_USER={claimed} refusé : {problem} ; sur une base partagée, votre "
            f"identité est votre identifiant de session ({login}). Retirez ROADMAP_USER, "
            "ou réservez le fichier à votre compte (chmod go-w sur la base)"
        )
    return claimed


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
