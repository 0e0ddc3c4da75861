"""Shared model pieces: optimistic versioning and audit columns.

Model docstrings become SQL table comments that Tortoise splits on semicolons and does
not escape: keep them free of semicolons, apostrophes and backticks.
"""

from __future__ import annotations

from typing import Any

import tortoise.models
from tortoise import fields
from tortoise.models import Model


def _no_source_comments(cls: Any) -> dict[str, str]:
    return {}


# At class creation Tortoise reads each model's source (inspect.getsource, tokenize, ast) to
# find ``#:`` field comments: 20-40 ms of start-up for our models (RISKS 15, issue 15). We
# write no such comments (tests/core/test_cli_imports.py checks), so the search is skipped. Every
# model module imports this one first (the package's __init__ starts with one that does).
tortoise.models._get_comments = _no_source_comments  # type: ignore[attr-defined]


class VersionedModel(Model):
    """An editable row: ``version`` guards against lost updates (see usecases.base)."""

    id = fields.IntField(primary_key=True)
    version = fields.IntField(default=1)
    updated_at = fields.DatetimeField(auto_now=True)
    updated_by = fields.CharField(max_length=100, default="")

    class Meta:
        abstract = True
