"""The journal becomes a hash chain; PostgreSQL stamps its author and time itself.

Existing rows are hashed here in id order (the append-only trigger is lifted for that
UPDATE only, inside the migration's transaction), then the protections are installed:
see ``roadmap.storage.chain``.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from roadmap.storage.chain import FIELDS, pg_protection_sql, row_hash, sqlite_protection_sql


async def _hash_existing(client, placeholder: str) -> None:
    columns = ", ".join(f'"{c}"' for c in FIELDS)
    _, rows = await client.execute_query(f"SELECT {columns} FROM journal ORDER BY id")
    previous = ""
    updates = []
    for row in rows:
        previous = row_hash(previous, tuple(row))
        updates.append([previous, row[0]])
    if updates:
        first, second = (placeholder.format(1), placeholder.format(2))
        await client.execute_many(f"UPDATE journal SET hash = {first} WHERE id = {second}", updates)


async def forward(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "sqlite":
        await client.execute_script("DROP TRIGGER IF EXISTS journal_no_update")
        await _hash_existing(client, "?")
        statements = sqlite_protection_sql()
    else:
        await client.execute_script("ALTER TABLE journal DISABLE TRIGGER journal_no_rewrite")
        await _hash_existing(client, "${}")
        await client.execute_script("ALTER TABLE journal ENABLE TRIGGER journal_no_rewrite")
        statements = pg_protection_sql()
    for statement in statements:
        await client.execute_script(statement)


async def backward(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "sqlite":
        await client.execute_script("DROP TRIGGER IF EXISTS journal_needs_hash")
    else:
        await client.execute_script("DROP TRIGGER IF EXISTS journal_chain ON journal")
        await client.execute_script("DROP FUNCTION IF EXISTS journal_chain()")


class AddHashColumn(ops.AddField):
    """Tortoise adds a NOT NULL column without its default, which SQLite refuses."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is not None:
            await state_editor.client.execute_script(
                "ALTER TABLE journal ADD COLUMN hash VARCHAR(64) NOT NULL DEFAULT ''"
            )

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is not None:
            await state_editor.client.execute_script("ALTER TABLE journal DROP COLUMN hash")


class Migration(migrations.Migration):
    dependencies = [("roadmap", "0005_baselines")]

    operations = [
        AddHashColumn(
            model_name="JournalEntry",
            name="hash",
            field=fields.CharField(default="", max_length=64),
        ),
        ops.RunPython(forward, backward),
    ]
