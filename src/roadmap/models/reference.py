"""Reference data shared by every roadmap: territories, services, people, quartiers."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from roadmap.domain.enums import ServiceKind
from roadmap.models.base import VersionedModel


class Service(VersionedModel):
    """A department or partner: politique de la ville, droit commun, État, partenaire."""

    code = fields.CharField(max_length=50, unique=True)
    name = fields.CharField(max_length=200)
    kind = fields.CharEnumField(ServiceKind, max_length=30)
    parent: fields.ForeignKeyNullableRelation[Service] = fields.ForeignKeyField(
        "roadmap.Service", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    archived = fields.BooleanField(default=False)

    class Meta:
        table = "service"
        ordering = ["code"]


class Person(VersionedModel):
    """Someone who uses or is named in a roadmap, the login is their identity."""

    login = fields.CharField(max_length=100, unique=True)
    name = fields.CharField(max_length=200)
    email = fields.CharField(max_length=200, default="")
    service: fields.ForeignKeyNullableRelation[Service] = fields.ForeignKeyField(
        "roadmap.Service", related_name="people", null=True, on_delete=fields.RESTRICT
    )
    active = fields.BooleanField(default=True)

    class Meta:
        table = "person"
        ordering = ["login"]


class Qpv(VersionedModel):
    """A quartier prioritaire de la politique de la ville."""

    code = fields.CharField(max_length=20, unique=True)
    name = fields.CharField(max_length=200)
    commune = fields.CharField(max_length=200, default="")

    class Meta:
        table = "qpv"
        ordering = ["code"]


class Territoire(VersionedModel):
    """A contrat de ville territory: AAP campaigns and their years belong to one."""

    code = fields.CharField(max_length=50, unique=True)
    name = fields.CharField(max_length=200)

    class Meta:
        table = "territoire"
        ordering = ["code"]


class Administrator(Model):
    """A login that administers the database (reference data, demo, other administrators).

    On SQLite the person who created the database is the first one; on PostgreSQL the
    database owner role and superusers are administrators as well (see usecases.admin).
    """

    id = fields.IntField(primary_key=True)
    login = fields.CharField(max_length=100, unique=True)
    added_by = fields.CharField(max_length=100, default="")
    added_at = fields.DatetimeField()

    class Meta:
        table = "administrateur"
        ordering = ["login"]


class Instance(Model):
    """The identity of this database, drawn once by its migration and never changed.

    Calendar UIDs carry it, so the same roadmap exported by two databases never collides
    in a partner's calendar. A copy of the file (backup) is the same instance.
    """

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "instance"
