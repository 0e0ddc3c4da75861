"""The instance id's protection (migration 0010), watched by ``db verify`` and recreated by
``db upgrade`` like the journal's: calendar UIDs carry the id, it must never change.

The statements are those of the migration (kept there too: a migration never imports code
that may change later).
"""

from __future__ import annotations

from tortoise import connections

_REFUSAL = "l''identifiant de l''instance ne change pas"
SQLITE_TRIGGERS: dict[str, str] = {
    "instance_no_update": f"""CREATE TRIGGER instance_no_update BEFORE UPDATE ON instance
    BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END""",
    "instance_no_delete": f"""CREATE TRIGGER instance_no_delete BEFORE DELETE ON instance
    BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END""",
}
PG_TRIGGER = "instance_no_change"
PG_STATEMENTS = [
    f"""CREATE OR REPLACE FUNCTION instance_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{_REFUSAL}'; END $$""",
    f"DROP TRIGGER IF EXISTS {PG_TRIGGER} ON instance",
    f"""CREATE TRIGGER {PG_TRIGGER} BEFORE UPDATE OR DELETE ON instance
    FOR EACH ROW EXECUTE FUNCTION instance_immutable()""",
]


async def instance_problems() -> list[str]:
    """French descriptions of a missing id or a missing or disabled protection."""
    conn = connections.get("default")
    problems: list[str] = []
    _, rows = await conn.execute_query("SELECT count(*) FROM instance")
    if int(rows[0][0]) != 1:
        problems.append(
            "identifiant de la base absent ou doublé (table instance) : les agendas .ics ne "
            "peuvent plus être écrits avec des UID stables"
        )
    if conn.capabilities.dialect == "sqlite":
        _, found = await conn.execute_query(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'instance'"
        )
        present = {str(r[0]) for r in found}
        expected = list(SQLITE_TRIGGERS)
    else:
        _, found = await conn.execute_query(
            "SELECT tgname, tgenabled FROM pg_trigger "
            "WHERE tgrelid = 'instance'::regclass AND NOT tgisinternal"
        )
        present = {str(r[0]) for r in found if str(r[1]) != "D"}
        expected = [PG_TRIGGER]
    for name in expected:
        if name not in present:
            problems.append(
                f"protection absente : le déclencheur {name} (identifiant de la base) a été "
                "supprimé ou désactivé"
            )
    return problems


async def restore_instance_protection() -> None:
    conn = connections.get("default")
    if conn.capabilities.dialect == "sqlite":
        statements = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]
        statements += list(SQLITE_TRIGGERS.values())
    else:
        statements = PG_STATEMENTS
    for statement in statements:
        await conn.execute_script(statement)
