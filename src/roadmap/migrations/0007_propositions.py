"""Service files sent back: the exported bases (by fingerprint) and the proposals (issue 17)."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


def _id() -> fields.IntField:
    return fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)


def _text(default: str | None = "") -> fields.TextField:
    return fields.TextField(unique=False) if default is None else fields.TextField(default=default)


class Migration(migrations.Migration):
    dependencies = [("roadmap", "0006_journal_chain")]

    operations = [
        ops.CreateModel(
            name="ServiceExport",
            fields=[
                ("id", _id()),
                ("fingerprint", fields.CharField(max_length=80, unique=True)),
                ("service_code", fields.CharField(max_length=40)),
                ("content", _text(None)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "service_export",
                "app": "roadmap",
                "pk_attr": "id",
                "table_description": "A service file as exported, kept by its fingerprint to "
                "know the base of a returned file.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Proposition",
            fields=[
                ("id", _id()),
                ("service_code", fields.CharField(max_length=40)),
                ("author", fields.CharField(max_length=100)),
                ("fingerprint", fields.CharField(max_length=80)),
                ("roadmap_slug", fields.CharField(max_length=80)),
                ("item_kind", fields.CharField(max_length=10)),
                ("item_ref", fields.CharField(max_length=20)),
                ("field", fields.CharField(max_length=40)),
                ("base_value", _text()),
                ("proposed_value", _text(None)),
                ("current_value", _text()),
                ("reason", _text()),
                ("reason_kind", fields.CharField(default="", max_length=20)),
                ("status", fields.CharField(default="en_attente", max_length=12)),
                ("motive", _text()),
                ("received_by", fields.CharField(max_length=100)),
                ("received_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("decided_by", fields.CharField(default="", max_length=100)),
                (
                    "decided_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "proposition",
                "app": "roadmap",
                "pk_attr": "id",
                "table_description": "One value a service proposes through its returned file, "
                "until accepted or refused.",
            },
            bases=["Model"],
        ),
    ]
