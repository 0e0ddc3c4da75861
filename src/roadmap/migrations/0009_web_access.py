"""Web access for ``roadmap serve``: password hashes and invitations, one row per login."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("roadmap", "0008_admin_territory")]

    operations = [
        ops.CreateModel(
            name="WebAccess",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("version", fields.IntField(default=1)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ("updated_by", fields.CharField(default="", max_length=100)),
                ("login", fields.CharField(unique=True, max_length=100)),
                ("password_hash", fields.CharField(default="", max_length=200)),
                ("invitation_digest", fields.CharField(default="", max_length=64)),
                ("invitation_expires", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "acces_web",
                "app": "roadmap",
                "pk_attr": "id",
                "table_description": "Password hash (Argon2) and invitation digest of one login, "
                "never a clear password.",
            },
            bases=["VersionedModel"],
        ),
    ]
