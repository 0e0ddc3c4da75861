"""Baselines (frozen COPIL plans, never updated) and the relevé de décisions of a COPIL."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from roadmap.domain.enums import ReleveStatus

# A baseline is never updated: the database refuses it too (deleting stays possible).
SQLITE = [
    """CREATE TRIGGER baseline_no_update BEFORE UPDATE ON baseline
    BEGIN SELECT RAISE(ABORT, 'une référence (baseline) ne se modifie pas'); END""",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION baseline_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'une référence (baseline) ne se modifie pas'; END $$""",
    """CREATE TRIGGER baseline_no_update BEFORE UPDATE ON baseline
    FOR EACH ROW EXECUTE FUNCTION baseline_immutable()""",
]
SQLITE_REVERSE = ["DROP TRIGGER baseline_no_update"]
POSTGRES_REVERSE = [
    "DROP TRIGGER baseline_no_update ON baseline",
    "DROP FUNCTION baseline_immutable()",
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


def _id() -> fields.IntField:
    return fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)


def _fk(model: str, column: str, related: str, on_delete: str, null: bool = False) -> fields.Field:
    return fields.ForeignKeyField(
        f"roadmap.{model}",
        source_field=column,
        null=null,
        db_constraint=True,
        to_field="id",
        related_name=related,
        on_delete=on_delete,
    )


class Migration(migrations.Migration):
    dependencies = [("roadmap", "0002_journal_append_only")]

    operations = [
        ops.CreateModel(
            name="Baseline",
            fields=[
                ("id", _id()),
                ("roadmap", _fk("Roadmap", "roadmap_id", "baselines", OnDelete.CASCADE)),
                ("name", fields.CharField(max_length=80)),
                ("taken_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("taken_by", fields.CharField(max_length=100)),
                ("jalon_ref", fields.CharField(default="", max_length=20)),
                ("content", fields.TextField(unique=False)),
            ],
            options={
                "table": "baseline",
                "app": "roadmap",
                "unique_together": (("roadmap", "name"),),
                "pk_attr": "id",
                "table_description": "A named and dated snapshot of a plan, never updated "
                "(its digest is in the journal).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReleveDecision",
            fields=[
                ("id", _id()),
                ("version", fields.IntField(default=1)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ("updated_by", fields.CharField(default="", max_length=100)),
                ("roadmap", _fk("Roadmap", "roadmap_id", "releve", OnDelete.CASCADE)),
                ("jalon", _fk("Jalon", "jalon_id", "releve", OnDelete.CASCADE)),
                ("ref", fields.CharField(max_length=20)),
                ("text", fields.TextField(unique=False)),
                ("carrier", _fk("Person", "carrier_id", "releve", OnDelete.SET_NULL, True)),
                ("due_date", fields.DateField(null=True)),
                (
                    "status",
                    fields.CharEnumField(
                        default=ReleveStatus.OUVERTE,
                        description="OUVERTE: ouverte\nFAITE: faite",
                        enum_type=ReleveStatus,
                        max_length=10,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("created_by", fields.CharField(max_length=100)),
                ("done_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("done_by", fields.CharField(default="", max_length=100)),
            ],
            options={
                "table": "releve_decision",
                "app": "roadmap",
                "unique_together": (("roadmap", "ref"),),
                "pk_attr": "id",
                "table_description": "One decision taken at a held COPIL or COTECH, followed "
                "up until done.",
            },
            bases=["VersionedModel"],
        ),
        ops.CreateModel(
            name="ReleveLink",
            fields=[
                ("id", _id()),
                (
                    "decision",
                    _fk("ReleveDecision", "decision_id", "links", OnDelete.CASCADE),
                ),
                ("action", _fk("Action", "action_id", "releve_links", OnDelete.CASCADE, True)),
                ("jalon", _fk("Jalon", "jalon_id", "releve_links", OnDelete.CASCADE, True)),
            ],
            options={
                "table": "releve_link",
                "app": "roadmap",
                "pk_attr": "id",
                "table_description": "An action or a jalon (exactly one) a decision of the "
                "relevé concerns.",
            },
            bases=["Model"],
        ),
        ops.RunPython(forward, backward),
    ]
