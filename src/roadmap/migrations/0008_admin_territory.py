"""Administrators and territories.

- ``administrateur``: on SQLite the login that creates (or upgrades) the database becomes
  its first administrator (the row says by whom and when; the journal stays empty); on PostgreSQL the owner role and superusers are
  administrators without a row (see usecases.admin).
- ``territoire``: a campaign belongs to one; its year is unique within the territory, no
  longer in the whole database. Existing campaigns and roadmaps are attached to one
  territory « principal » created here, to be renamed by an administrator.
"""

import getpass
import os
from datetime import UTC, datetime

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

DEFAULT_TERRITORY = ("principal", "Territoire principal (à renommer)")


def _creator() -> str:
    """The SQLite identity of the person running the migration (see usecases.identity)."""
    try:
        return os.environ.get("ROADMAP_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "inconnu"


async def forward(apps, schema_editor) -> None:
    client = schema_editor.client
    sqlite = client.capabilities.dialect == "sqlite"

    def sql(text: str) -> str:  # "?" placeholders on SQLite, "$n" on PostgreSQL
        if sqlite:
            return text
        parts = text.split("?")
        return "".join(p + (f"${i + 1}" if i < len(parts) - 1 else "") for i, p in enumerate(parts))

    now = datetime.now(UTC)
    _, rows = await client.execute_query(
        "SELECT (SELECT COUNT(*) FROM campagne) + (SELECT COUNT(*) FROM roadmap)"
    )
    if rows and rows[0][0]:
        code, name = DEFAULT_TERRITORY
        await client.execute_query(
            sql(
                "INSERT INTO territoire (version, updated_at, updated_by, code, name) "
                "VALUES (1, ?, 'migration', ?, ?)"
            ),
            [now, code, name],
        )
        _, ids = await client.execute_query(sql("SELECT id FROM territoire WHERE code = ?"), [code])
        territory_id = ids[0][0]
        await client.execute_query(sql("UPDATE campagne SET territoire_id = ?"), [territory_id])
        await client.execute_query(sql("UPDATE roadmap SET territoire_id = ?"), [territory_id])
    if sqlite:
        login = _creator()
        await client.execute_query(
            "INSERT INTO administrateur (login, added_by, added_at) VALUES (?, ?, ?)",
            [login, login, now],
        )


async def backward(apps, schema_editor) -> None:
    return None  # the tables and columns are dropped by the reversed schema operations


class Migration(migrations.Migration):
    dependencies = [("roadmap", "0007_propositions")]  # the latest on main when this landed

    initial = False

    operations = [
        ops.CreateModel(
            name="Administrator",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("login", fields.CharField(unique=True, max_length=100)),
                ("added_by", fields.CharField(default="", max_length=100)),
                ("added_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "administrateur",
                "app": "roadmap",
                "pk_attr": "id",
                "table_description": "A login that administers the database (reference data, demo, other administrators).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Territoire",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("version", fields.IntField(default=1)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ("updated_by", fields.CharField(default="", max_length=100)),
                ("code", fields.CharField(unique=True, max_length=50)),
                ("name", fields.CharField(max_length=200)),
            ],
            options={
                "table": "territoire",
                "app": "roadmap",
                "pk_attr": "id",
                "table_description": "A contrat de ville territory: AAP campaigns and their years belong to one.",
            },
            bases=["VersionedModel"],
        ),
        ops.AddField(
            model_name="Campagne",
            name="territoire",
            field=fields.ForeignKeyField(
                "roadmap.Territoire",
                source_field="territoire_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="campagnes",
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AddField(
            model_name="Roadmap",
            name="territoire",
            field=fields.ForeignKeyField(
                "roadmap.Territoire",
                source_field="territoire_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="roadmaps",
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.RunPython(forward, backward),
        ops.AlterField(
            model_name="Campagne",
            name="territoire",
            field=fields.ForeignKeyField(
                "roadmap.Territoire",
                source_field="territoire_id",
                db_constraint=True,
                to_field="id",
                related_name="campagnes",
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AlterModelOptions(
            name="Campagne",
            options={
                "table": "campagne",
                "app": "roadmap",
                "unique_together": (("territoire", "year"),),
                "pk_attr": "id",
                "table_description": "The yearly call for projects (AAP) of one territory, one per year there.",
            },
        ),
        ops.AlterField(
            model_name="Campagne",
            name="year",
            field=fields.IntField(),
        ),
        ops.AddConstraint(
            model_name="Campagne",
            constraint=UniqueConstraint(fields=("territoire", "year"), name=None),
        ),
    ]
