"""Who administers the database, and the refusals every door shares.

Administrators create roadmaps from files, run the demo over real data and manage the
reference data (territories, services, people). On SQLite the person who created the
database is the first one (a row of ``administrateur``, written by the migration); any
administrator may name others. On PostgreSQL the database owner role, its members,
superusers and members of the ``<base>_admin`` group are administrators as well, with no
row.

An unknown person (no fiche personne) reads and never writes: ``require_known``.
"""

from __future__ import annotations

from tortoise import connections

from roadmap.domain.errors import PermissionDenied
from roadmap.models import Administrator
from roadmap.usecases.identity import Actor

# Owner (or member of it), superuser, or member of the ``<base>_admin`` group that
# ``roadmap db acces LOGIN --role admin`` grants (storage/access.py).
_PG_IS_ADMIN = """(
    r.rolsuper OR pg_has_role(r.oid, d.datdba, 'MEMBER')
    OR EXISTS (
        SELECT 1 FROM pg_roles g
        WHERE g.rolname = left(current_database(), 50) || '_admin'
          AND pg_has_role(r.oid, g.oid, 'MEMBER')
    )
)"""
_PG_ADMIN = f"""
SELECT EXISTS (
    SELECT 1 FROM pg_roles r, pg_database d
    WHERE d.datname = current_database() AND r.rolname = $1 AND {_PG_IS_ADMIN}
)"""
_PG_ADMIN_ROLES = f"""
SELECT r.rolname FROM pg_roles r, pg_database d
WHERE d.datname = current_database() AND r.rolcanlogin AND {_PG_IS_ADMIN}
ORDER BY r.rolname"""


def on_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


async def postgres_admin_roles() -> list[str]:
    """Login roles that own the database (or are superusers): administrators by rule."""
    if not on_postgres():
        return []
    _, rows = await connections.get("default").execute_query(_PG_ADMIN_ROLES)
    return [str(r[0]) for r in rows]


async def is_administrator(actor: Actor) -> bool:
    if await Administrator.exists(login=actor.login):
        return True
    if on_postgres():
        _, rows = await connections.get("default").execute_query(_PG_ADMIN, [actor.login])
        return bool(rows and rows[0][0])
    return False


async def require_administrator(actor: Actor, what: str) -> None:
    """Refuse, before anything is written, someone who does not administer the database."""
    if not await is_administrator(actor):
        raise PermissionDenied(
            f"{what} est réservé aux administrateurs de la base (vous : {actor.login}) ; "
            "`roadmap admin liste` les nomme"
        )


def require_known(actor: Actor, what: str) -> None:
    """An unknown person (no fiche personne in this database) reads and never writes."""
    if actor.person_id is None:
        raise PermissionDenied(
            f"{what} : « {actor.login} » n'a pas de fiche personne dans cette base ; "
            "une personne inconnue lit seulement (demandez à un administrateur de vous ajouter)"
        )


async def require_known_or_admin(actor: Actor, what: str) -> None:
    """Known people, and administrators (who may have no fiche yet on a new base)."""
    if actor.person_id is None and not await is_administrator(actor):
        require_known(actor, what)
