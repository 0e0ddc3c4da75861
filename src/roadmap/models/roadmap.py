"""The feuille de route itself, its members and its axes."""

from __future__ import annotations

from tortoise import fields

from roadmap.domain.enums import RoadmapStatus, Role, Side
from roadmap.models.base import VersionedModel


class Roadmap(VersionedModel):
    slug = fields.CharField(max_length=60, unique=True)
    title = fields.CharField(max_length=200)
    destination = fields.TextField()  # point d'arrivée
    horizon = fields.DateField()
    pv_service: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Service", related_name="pv_roadmaps", on_delete=fields.RESTRICT
    )
    dc_service: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Service", related_name="dc_roadmaps", on_delete=fields.RESTRICT
    )
    territoire: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "roadmap.Territoire", related_name="roadmaps", null=True, on_delete=fields.RESTRICT
    )
    status = fields.CharEnumField(RoadmapStatus, max_length=20, default=RoadmapStatus.ACTIVE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "roadmap"
        ordering = ["slug"]


class Membership(VersionedModel):
    """The role of a person in one roadmap, and the policy side they speak for."""

    roadmap: fields.ForeignKeyRelation[Roadmap] = fields.ForeignKeyField(
        "roadmap.Roadmap", related_name="memberships", on_delete=fields.CASCADE
    )
    person: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Person", related_name="memberships", on_delete=fields.RESTRICT
    )
    role = fields.CharEnumField(Role, max_length=20)
    side = fields.CharEnumField(Side, max_length=30, default=Side.AUTRE)

    class Meta:
        table = "membership"
        unique_together = (("roadmap", "person"),)


class Axe(VersionedModel):
    """A theme grouping actions, in the order the workshops chose."""

    roadmap: fields.ForeignKeyRelation[Roadmap] = fields.ForeignKeyField(
        "roadmap.Roadmap", related_name="axes", on_delete=fields.CASCADE
    )
    ref = fields.CharField(max_length=20)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    position = fields.IntField(default=0)

    class Meta:
        table = "axe"
        unique_together = (("roadmap", "ref"),)
        ordering = ["position", "id"]
