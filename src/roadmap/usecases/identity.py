"""Who is acting: the OS login on SQLite, the database role on PostgreSQL.

On SQLite the file's permissions are the boundary: ``ROADMAP_USER`` may name another
person only on a file that the OS user alone can write (they could rewrite it anyway),
never on a file shared with other accounts, where it would borrow someone else's rights.
"""

from __future__ import annotations

import getpass
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from tortoise import connections

from roadmap.domain.errors import PermissionDenied
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


def shared_file_problem(path: Path) -> str | None:
    """Why another account could write ``path`` (or its WAL), or None if only we can."""
    uid = os.geteuid()
    for candidate in (path, path.with_name(path.name + "-wal")):
        try:
            info = candidate.stat()
        except FileNotFoundError:
            continue
        except OSError as exc:
            return f"droits de {candidate} illisibles ({exc.strerror})"
        if info.st_uid != uid:
            return f"{candidate} appartient à un autre compte (uid {info.st_uid})"
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            mode = stat.filemode(info.st_mode)
            return f"{candidate} est modifiable par d'autres comptes ({mode})"
    return None


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
