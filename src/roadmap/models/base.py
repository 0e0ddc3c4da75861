"""Shared model pieces: optimistic versioning and audit columns.

Model docstrings become SQL table comments that Tortoise splits on semicolons and does
not escape: keep them free of semicolons, apostrophes and backticks.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class VersionedModel(Model):
    """An editable row: ``version`` guards against lost updates (see usecases.base)."""

    id = fields.IntField(primary_key=True)
    version = fields.IntField(default=1)
    updated_at = fields.DatetimeField(auto_now=True)
    updated_by = fields.CharField(max_length=100, default="")

    class Meta:
        abstract = True
