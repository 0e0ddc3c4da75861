"""COPIL baselines (frozen plans) and the relevé de décisions of a held COPIL or COTECH."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from roadmap.domain.enums import ReleveStatus
from roadmap.models.base import VersionedModel


class Baseline(Model):
    """A named and dated snapshot of a plan, never updated (its digest is in the journal)."""

    id = fields.IntField(primary_key=True)
    roadmap: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Roadmap", related_name="baselines", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=80)
    taken_at = fields.DatetimeField()
    taken_by = fields.CharField(max_length=100)
    jalon_ref = fields.CharField(max_length=20, default="")  # the COPIL it froze, if any
    content = fields.TextField()  # canonical JSON (see usecases.baselines)

    class Meta:
        table = "baseline"
        unique_together = (("roadmap", "name"),)
        ordering = ["taken_at", "id"]


class ReleveDecision(VersionedModel):
    """One decision taken at a held COPIL or COTECH, followed up until done."""

    roadmap: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Roadmap", related_name="releve", on_delete=fields.CASCADE
    )
    jalon: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Jalon", related_name="releve", on_delete=fields.CASCADE
    )
    ref = fields.CharField(max_length=20)
    text = fields.TextField()
    carrier: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "roadmap.Person", related_name="releve", null=True, on_delete=fields.SET_NULL
    )
    due_date = fields.DateField(null=True)
    status = fields.CharEnumField(ReleveStatus, max_length=10, default=ReleveStatus.OUVERTE)
    created_at = fields.DatetimeField()
    created_by = fields.CharField(max_length=100)
    done_at = fields.DatetimeField(null=True)
    done_by = fields.CharField(max_length=100, default="")

    class Meta:
        table = "releve_decision"
        unique_together = (("roadmap", "ref"),)
        ordering = ["id"]


class ReleveLink(Model):
    """An action or a jalon (exactly one) a decision of the relevé concerns."""

    id = fields.IntField(primary_key=True)
    decision: fields.ForeignKeyRelation[ReleveDecision] = fields.ForeignKeyField(
        "roadmap.ReleveDecision", related_name="links", on_delete=fields.CASCADE
    )
    action: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "roadmap.Action", related_name="releve_links", null=True, on_delete=fields.CASCADE
    )
    jalon: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "roadmap.Jalon", related_name="releve_links", null=True, on_delete=fields.CASCADE
    )

    class Meta:
        table = "releve_link"
