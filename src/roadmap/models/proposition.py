"""What services send back through their file: the bases of their files and their proposals."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class ServiceExport(Model):
    """A service file as exported, kept by its fingerprint to know the base of a returned file."""

    id = fields.IntField(primary_key=True)
    fingerprint = fields.CharField(max_length=80, unique=True)
    service_code = fields.CharField(max_length=40)
    content = fields.TextField()  # the file's TOML text, as written
    created_at = fields.DatetimeField()

    class Meta:
        table = "service_export"
        ordering = ["id"]


class Proposition(Model):
    """One value a service proposes through its returned file, until accepted or refused."""

    id = fields.IntField(primary_key=True)
    service_code = fields.CharField(max_length=40)
    author = fields.CharField(max_length=100)  # declared by the file or --par
    fingerprint = fields.CharField(max_length=80)  # the export the file came from
    roadmap_slug = fields.CharField(max_length=80)
    item_kind = fields.CharField(max_length=10)  # action, jalon
    item_ref = fields.CharField(max_length=20)
    field = fields.CharField(max_length=40)  # the file's key: statut, debut, fin, commentaire
    base_value = fields.TextField(default="")
    proposed_value = fields.TextField()
    current_value = fields.TextField(default="")  # at reception (differs from base: conflict)
    reason = fields.TextField(default="")
    reason_kind = fields.CharField(max_length=20, default="")
    status = fields.CharField(max_length=12, default="en_attente")  # acceptee, refusee
    motive = fields.TextField(default="")  # why it was refused
    received_by = fields.CharField(max_length=100)
    received_at = fields.DatetimeField()
    decided_by = fields.CharField(max_length=100, default="")
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "proposition"
        ordering = ["id"]
