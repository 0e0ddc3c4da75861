"""Least privilege on PostgreSQL: ``roadmap db acces LOGIN --role lecteur|equipe|admin``.

Run by the schema owner. Three NOLOGIN group roles per database (``<base>_lecteur``,
``<base>_equipe``, ``<base>_admin``: ``roadmap_lecteur``… for a base named ``roadmap``)
carry the privileges; a person's LOGIN role is a member of exactly one of them.

What the database enforces by itself (even against psql):
- lecteur: SELECT only;
- equipe: writes the working tables, may only INSERT into the journal (the triggers stamp
  it), never deletes a roadmap, never writes reference data (services, people, QPV), and
  changes a team only where it is trinôme or direction (row-level security);
- admin: everything but rewriting the journal;
- private annotations: visible (and writable) only to people whose service instructs the
  dossier (row-level security), whatever the group.
Finer rules (trinôme of roadmap A but not of B, avis of one's own service…) live in the
application only: see the README, server deployment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tortoise import connections

from roadmap.domain.errors import PermissionDenied, ValidationError

GROUPS = ("lecteur", "equipe", "admin")
REFERENCE_TABLES = ("service", "person", "qpv", "territoire", "administrateur")
# journal: INSERT only, by its trigger; instance: drawn once by its migration (0010)
NEVER_WRITTEN = ("journal", "tortoise_migrations", "instance")
# Password hashes of ``roadmap serve``: only the schema owner (the web server) reads them.
SECRET_TABLES = ("acces_web",)
_LOGIN = re.compile(r"^[a-z_][a-z0-9_.-]{0,62}$")

# Row-level security. A SECURITY DEFINER helper reads the team without recursing into the
# membership policy (the owner is not subject to it); ``who`` is passed by the policy,
# where current_user is still the person.
_MANAGER_FUNCTION = """
CREATE OR REPLACE FUNCTION roadmap_may_manage_team(rid integer, who text)
RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT NOT EXISTS (SELECT 1 FROM membership WHERE roadmap_id = rid)
        OR EXISTS (
            SELECT 1 FROM membership m JOIN person p ON p.id = m.person_id
            WHERE m.roadmap_id = rid AND p.login = who AND m.role IN ('trinome', 'direction')
        )
$$"""
_INSTRUCTS = """EXISTS (
    SELECT 1 FROM person p JOIN dossier_instructor di ON di.service_id = p.service_id
    WHERE p.login = current_user AND di.dossier_id = annotation.dossier_id)"""


@dataclass(frozen=True)
class AccessResult:
    login: str
    group: str
    created: bool
    person_known: bool


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _one(sql: str, *args: object) -> object:
    _, rows = await connections.get("default").execute_query(sql, list(args))
    return rows[0][0] if rows else None


async def _exec(sql: str) -> None:
    await connections.get("default").execute_script(sql)


async def group_names() -> dict[str, str]:
    """Group role of each level for this database (names are global to the server)."""
    base = str(await _one("SELECT current_database()"))[:50]
    return {g: f"{base}_{g}" for g in GROUPS}


async def is_owner() -> bool:
    """The connection role owns the database (or is a superuser)."""
    return bool(
        await _one(
            "SELECT pg_get_userbyid(datdba) = current_user OR "
            "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user) "
            "FROM pg_database WHERE datname = current_database()"
        )
    )


async def require_owner() -> None:
    conn = connections.get("default")
    if conn.capabilities.dialect != "postgres":
        raise ValidationError(
            "les rôles de base de données concernent PostgreSQL ; sur SQLite, les droits du "
            "fichier font foi (voir le README, « Qui peut faire quoi »)",
            field="db acces",
        )
    if not await is_owner():
        raise PermissionDenied(
            "seul le propriétaire de la base (celui qui lance db upgrade) attribue les accès"
        )


async def _tables() -> list[str]:
    _, rows = await connections.get("default").execute_query(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
    )
    return [str(r[0]) for r in rows]


async def _ensure_group(name: str) -> None:
    exists = await _one("SELECT count(*) FROM pg_roles WHERE rolname = $1", name)
    if exists:
        return
    try:
        await _exec(f"CREATE ROLE {quote(name)} NOLOGIN")
    except Exception as exc:
        if "already exists" in str(exc):  # created meanwhile by another database's owner
            return
        raise PermissionDenied(
            f"impossible de créer le rôle de groupe {name} : {exc} ; le propriétaire de la "
            "base a besoin de l'attribut CREATEROLE (ALTER ROLE … CREATEROLE)"
        ) from None


async def apply_privileges() -> bool:
    """(Re)grant each group exactly its privileges on every table; False if no group yet.

    Run by ``db acces`` and after ``db upgrade`` (a migration may add tables).
    """
    groups = await group_names()
    present = await _one(
        "SELECT count(*) FROM pg_roles WHERE rolname = ANY($1::text[])", list(groups.values())
    )
    if not present:
        return False
    for name in groups.values():
        await _ensure_group(name)
    lecteur, equipe, admin = (quote(groups[g]) for g in GROUPS)
    everyone = f"{lecteur}, {equipe}, {admin}"
    tables = await _tables()
    working = [t for t in tables if t not in (*NEVER_WRITTEN, *REFERENCE_TABLES, *SECRET_TABLES)]
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {everyone}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {everyone}",
        f"GRANT USAGE ON SCHEMA public TO {everyone}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {everyone}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {equipe}, {admin}",
        f"GRANT INSERT ON journal TO {equipe}, {admin}",
        *(f"REVOKE ALL ON {quote(t)} FROM {everyone}" for t in SECRET_TABLES if t in tables),
    ]
    for table in working:
        verbs = "INSERT, UPDATE" if table == "roadmap" else "INSERT, UPDATE, DELETE"
        statements.append(f"GRANT {verbs} ON {quote(table)} TO {equipe}")
    for table in (t for t in tables if t not in NEVER_WRITTEN):
        statements.append(f"GRANT INSERT, UPDATE, DELETE ON {quote(table)} TO {admin}")
    statements += [
        _MANAGER_FUNCTION,
        "REVOKE ALL ON FUNCTION roadmap_may_manage_team(integer, text) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION roadmap_may_manage_team(integer, text) TO {everyone}",
        "ALTER TABLE membership ENABLE ROW LEVEL SECURITY",
        "DROP POLICY IF EXISTS membership_lecture ON membership",
        "CREATE POLICY membership_lecture ON membership FOR SELECT USING (true)",
        "DROP POLICY IF EXISTS membership_equipe ON membership",
        f"CREATE POLICY membership_equipe ON membership FOR ALL TO {equipe} "
        "USING (roadmap_may_manage_team(roadmap_id, current_user)) "
        "WITH CHECK (roadmap_may_manage_team(roadmap_id, current_user))",
        "DROP POLICY IF EXISTS membership_admin ON membership",
        f"CREATE POLICY membership_admin ON membership FOR ALL TO {admin} "
        "USING (true) WITH CHECK (true)",
        "ALTER TABLE annotation ENABLE ROW LEVEL SECURITY",
        "DROP POLICY IF EXISTS annotation_instructeurs ON annotation",
        f"CREATE POLICY annotation_instructeurs ON annotation USING ({_INSTRUCTS}) "
        f"WITH CHECK ({_INSTRUCTS} AND author = current_user)",
    ]
    for statement in statements:
        await _exec(statement)
    return True


async def grant_access(login: str, level: str) -> AccessResult:
    """Create or update ``login``'s role as a member of the ``level`` group only."""
    await require_owner()
    if level not in GROUPS:
        raise ValidationError(f"« {level} » inconnu ; attendu {', '.join(GROUPS)}", field="--role")
    if not _LOGIN.match(login):
        raise ValidationError(
            f"« {login} » n'est pas un identifiant utilisable (minuscules, chiffres, . _ -)",
            field="LOGIN",
        )
    groups = await group_names()
    if login in groups.values() or login == await _one("SELECT current_user"):
        raise ValidationError(
            f"« {login} » est un rôle de service, pas une personne", field="LOGIN"
        )
    _, found = await connections.get("default").execute_query(
        "SELECT rolsuper OR rolcreaterole OR rolbypassrls FROM pg_roles WHERE rolname = $1",
        [login],
    )
    if found and found[0][0]:
        raise ValidationError(
            f"le rôle {login} est superutilisateur, CREATEROLE ou BYPASSRLS : il contourne "
            "toutes ces protections ; donnez à la personne un rôle ordinaire",
            field="LOGIN",
        )
    owner = await _one(
        "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
    )
    if login == owner:
        raise ValidationError(f"{login} est le propriétaire de la base", field="LOGIN")
    for name in groups.values():
        await _ensure_group(name)
    await apply_privileges()
    role = quote(login)
    if found:
        await _exec(f"ALTER ROLE {role} LOGIN")
    else:
        await _exec(f"CREATE ROLE {role} LOGIN")
    others = ", ".join(quote(groups[g]) for g in GROUPS if g != level)
    await _exec(f"REVOKE {others} FROM {role}")
    await _exec(f"GRANT {quote(groups[level])} TO {role}")
    known = bool(await _one("SELECT count(*) FROM person WHERE login = $1", login))
    return AccessResult(login, groups[level], created=not found, person_known=known)
