"""The journal is append-only: the database itself refuses to update or delete its rows."""

from tortoise import migrations
from tortoise.migrations import operations as ops

SQLITE = [
    """CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
    BEGIN SELECT RAISE(ABORT, 'le journal est en ajout seul'); END""",
    """CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
    BEGIN SELECT RAISE(ABORT, 'le journal est en ajout seul'); END""",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'le journal est en ajout seul'; END $$""",
    """CREATE TRIGGER journal_no_rewrite BEFORE UPDATE OR DELETE ON journal
    FOR EACH ROW EXECUTE FUNCTION journal_append_only()""",
    """CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal
    FOR EACH STATEMENT EXECUTE FUNCTION journal_append_only()""",
]
SQLITE_REVERSE = ["DROP TRIGGER journal_no_update", "DROP TRIGGER journal_no_delete"]
POSTGRES_REVERSE = [
    "DROP TRIGGER journal_no_rewrite ON journal",
    "DROP TRIGGER journal_no_truncate ON journal",
    "DROP FUNCTION journal_append_only()",
]


async def _run(schema_editor, sqlite: list[str], postgres: list[str]) -> None:
    client = schema_editor.client
    statements = sqlite if client.capabilities.dialect == "sqlite" else postgres
    for statement in statements:
        await client.execute_query(statement)


async def forward(apps, schema_editor) -> None:
    await _run(schema_editor, SQLITE, POSTGRES)


async def backward(apps, schema_editor) -> None:
    await _run(schema_editor, SQLITE_REVERSE, POSTGRES_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("roadmap", "0001_initial")]

    operations = [ops.RunPython(forward, backward)]
