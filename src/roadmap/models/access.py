"""Web access: a person's password hash and pending invitation for ``roadmap serve``."""

from __future__ import annotations

from tortoise import fields

from roadmap.models.base import VersionedModel


class WebAccess(VersionedModel):
    """Password hash (Argon2) and invitation digest of one login; never a clear password."""

    login = fields.CharField(max_length=100, unique=True)
    password_hash = fields.CharField(max_length=200, default="")
    invitation_digest = fields.CharField(max_length=64, default="")
    invitation_expires = fields.DatetimeField(null=True)

    class Meta:
        table = "acces_web"
