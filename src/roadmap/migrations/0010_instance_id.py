"""The instance id: drawn once per database, carried by every calendar UID (issue 14).

Two databases holding the same roadmap (the demo on two machines, two territories' bases)
wrote the same UIDs, which collide in a partner's calendar. The id is created here, for a
new database as for an existing one, and never changes after: the database refuses to
update or delete it (triggers), and the PostgreSQL group roles only read it. A backup copy
of the file is the same instance; a new database restored from exported TOML is a new one.
"""

import uuid
from datetime import UTC, datetime

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

SQLITE = [
    """CREATE TRIGGER instance_no_update BEFORE UPDATE ON instance
    BEGIN SELECT RAISE(ABORT, 'l''identifiant de l''instance ne change pas'); END""",
    """CREATE TRIGGER instance_no_delete BEFORE DELETE ON instance
    BEGIN SELECT RAISE(ABORT, 'l''identifiant de l''instance ne change pas'); END""",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION instance_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'l''identifiant de l''instance ne change pas'; END $$""",
    """CREATE TRIGGER instance_no_change BEFORE UPDATE OR DELETE ON instance
    FOR EACH ROW EXECUTE FUNCTION instance_immutable()""",
]
SQLITE_REVERSE = ["DROP TRIGGER instance_no_update", "DROP TRIGGER instance_no_delete"]
POSTGRES_REVERSE = [
    "DROP TRIGGER instance_no_change ON instance",
    "DROP FUNCTION instance_immutable()",
]


async def forward(apps, schema_editor) -> None:
    client = schema_editor.client
    sqlite = client.capabilities.dialect == "sqlite"
    insert = "INSERT INTO instance (id, code, created_at) VALUES (1, {}, {})"
    await client.execute_query(
        insert.format("?", "?") if sqlite else insert.format("$1", "$2"),
        [uuid.uuid4().hex, datetime.now(UTC)],
    )
    for statement in SQLITE if sqlite else POSTGRES:
        await client.execute_query(statement)


async def backward(apps, schema_editor) -> None:
    client = schema_editor.client
    sqlite = client.capabilities.dialect == "sqlite"
    for statement in SQLITE_REVERSE if sqlite else POSTGRES_REVERSE:
        await client.execute_query(statement)


class Migration(migrations.Migration):
    dependencies = [("roadmap", "0009_web_access")]  # the latest on main when this landed

    initial = False

    operations = [
        ops.CreateModel(
            name="Instance",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("code", fields.CharField(unique=True, max_length=32)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "instance",
                "app": "roadmap",
                "pk_attr": "id",
                "table_description": "The identity of this database, drawn once and never "
                "changed, carried by calendar UIDs.",
            },
            bases=["Model"],
        ),
        ops.RunPython(forward, backward),
    ]
