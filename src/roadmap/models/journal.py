"""The journal: append-only, without foreign keys so no cascade can ever remove a row.

``hash`` chains each row to the previous one (see ``roadmap.storage.chain``).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class JournalEntry(Model):
    id = fields.IntField(primary_key=True)
    at = fields.DatetimeField()
    actor = fields.CharField(max_length=100)
    roadmap_slug = fields.CharField(max_length=60, default="", db_index=True)
    entity = fields.CharField(max_length=40)
    entity_ref = fields.CharField(max_length=80, default="")
    operation = fields.CharField(max_length=20)
    field = fields.CharField(max_length=60, default="")
    old_value = fields.TextField(default="")
    new_value = fields.TextField(default="")
    reason = fields.TextField(default="")
    hash = fields.CharField(max_length=64, default="")

    class Meta:
        table = "journal"
        ordering = ["id"]
