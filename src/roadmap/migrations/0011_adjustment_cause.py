"""The cause of a shift as a column: ``adjustment.cause`` holds the reference (A5, J3) of
the item whose move pushed this one; empty for a re-routing made by hand.

Rows written before this column said it only in their reason (« entraîné par A5 … : »):
their cause is read from that text; the reason itself is history and stays as written.
"""

import re

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

_PUSHED = re.compile(r"entraîné par ([AJ]\d+)\b")


async def forward(apps, schema_editor) -> None:
    client = schema_editor.client
    mark = "?" if client.capabilities.dialect == "sqlite" else "$1"
    other = "?" if client.capabilities.dialect == "sqlite" else "$2"
    _, rows = await client.execute_query(
        "SELECT id, reason FROM adjustment WHERE reason LIKE 'entraîné par %'"
    )
    for row in rows:
        found = _PUSHED.match(str(row[1]))
        if found:
            await client.execute_query(
                f"UPDATE adjustment SET cause = {mark} WHERE id = {other}",
                [found.group(1), row[0]],
            )


async def backward(apps, schema_editor) -> None:
    return None


class AddCauseColumn(ops.AddField):
    """Tortoise adds a NOT NULL column without its default, which SQLite refuses (as 0006)."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is not None:
            await state_editor.client.execute_script(
                "ALTER TABLE adjustment ADD COLUMN cause VARCHAR(20) NOT NULL DEFAULT ''"
            )

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is not None:
            await state_editor.client.execute_script("ALTER TABLE adjustment DROP COLUMN cause")


class Migration(migrations.Migration):
    dependencies = [("roadmap", "0010_instance_id")]

    operations = [
        AddCauseColumn(
            model_name="Adjustment",
            name="cause",
            field=fields.CharField(default="", max_length=20),
        ),
        ops.RunPython(forward, backward),
    ]
