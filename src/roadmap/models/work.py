"""Actions, jalons, their dependencies, engagements and re-routings."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from roadmap.domain.enums import (
    ActionStatus,
    AdjustmentKind,
    CommentKind,
    EngagementKind,
    JalonKind,
    JalonStatus,
    Pillar,
)
from roadmap.models.base import VersionedModel


class Action(VersionedModel):
    roadmap: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Roadmap", related_name="actions", on_delete=fields.CASCADE
    )
    ref = fields.CharField(max_length=20)
    axe: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "roadmap.Axe", related_name="actions", null=True, on_delete=fields.SET_NULL
    )
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    pilot_service: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Service", related_name="piloted_actions", on_delete=fields.RESTRICT
    )
    owner: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "roadmap.Person", related_name="owned_actions", null=True, on_delete=fields.SET_NULL
    )
    status = fields.CharEnumField(ActionStatus, max_length=20, default=ActionStatus.IDEE)
    start_date = fields.DateField(null=True)
    end_date = fields.DateField(null=True)
    pillar = fields.CharEnumField(Pillar, max_length=40, null=True)

    class Meta:
        table = "action"
        unique_together = (("roadmap", "ref"),)
        ordering = ["id"]


class ActionContributor(Model):
    """A service contributing to an action (géométrie variable)."""

    id = fields.IntField(primary_key=True)
    action: fields.ForeignKeyRelation[Action] = fields.ForeignKeyField(
        "roadmap.Action", related_name="contributors", on_delete=fields.CASCADE
    )
    service: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Service", related_name="contributions", on_delete=fields.RESTRICT
    )

    class Meta:
        table = "action_contributor"
        unique_together = (("action", "service"),)


class ActionQpv(Model):
    id = fields.IntField(primary_key=True)
    action: fields.ForeignKeyRelation[Action] = fields.ForeignKeyField(
        "roadmap.Action", related_name="qpv_links", on_delete=fields.CASCADE
    )
    qpv: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Qpv", related_name="action_links", on_delete=fields.RESTRICT
    )

    class Meta:
        table = "action_qpv"
        unique_together = (("action", "qpv"),)


class Engagement(VersionedModel):
    """What a service commits from its ordinary (droit commun) means to an action."""

    action: fields.ForeignKeyRelation[Action] = fields.ForeignKeyField(
        "roadmap.Action", related_name="engagements", on_delete=fields.CASCADE
    )
    service: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Service", related_name="engagements", on_delete=fields.RESTRICT
    )
    kind = fields.CharEnumField(EngagementKind, max_length=10)
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    period_start = fields.DateField(null=True)
    period_end = fields.DateField(null=True)
    description = fields.TextField(default="")

    class Meta:
        table = "engagement"
        ordering = ["id"]


class Jalon(VersionedModel):
    roadmap: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Roadmap", related_name="jalons", on_delete=fields.CASCADE
    )
    ref = fields.CharField(max_length=20)
    title = fields.CharField(max_length=200)
    kind = fields.CharEnumField(JalonKind, max_length=20, default=JalonKind.AUTRE)
    planned_date = fields.DateField()
    current_date = fields.DateField()
    status = fields.CharEnumField(JalonStatus, max_length=10, default=JalonStatus.PREVU)
    description = fields.TextField(default="")

    class Meta:
        table = "jalon"
        unique_together = (("roadmap", "ref"),)
        ordering = ["current_date", "id"]


class JalonInvite(Model):
    """A service or a person invited to a jalon (the cercle élargi, at a precise moment)."""

    id = fields.IntField(primary_key=True)
    jalon: fields.ForeignKeyRelation[Jalon] = fields.ForeignKeyField(
        "roadmap.Jalon", related_name="invites", on_delete=fields.CASCADE
    )
    service: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "roadmap.Service", related_name="jalon_invites", null=True, on_delete=fields.RESTRICT
    )
    person: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "roadmap.Person", related_name="jalon_invites", null=True, on_delete=fields.RESTRICT
    )

    class Meta:
        table = "jalon_invite"


class Dependency(Model):
    """An action or a jalon (exactly one) waits for another action or jalon."""

    id = fields.IntField(primary_key=True)
    roadmap: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Roadmap", related_name="dependencies", on_delete=fields.CASCADE
    )
    action: fields.ForeignKeyNullableRelation[Action] = fields.ForeignKeyField(
        "roadmap.Action", related_name="prerequisites", null=True, on_delete=fields.CASCADE
    )
    jalon: fields.ForeignKeyNullableRelation[Jalon] = fields.ForeignKeyField(
        "roadmap.Jalon", related_name="prerequisites", null=True, on_delete=fields.CASCADE
    )
    on_action: fields.ForeignKeyNullableRelation[Action] = fields.ForeignKeyField(
        "roadmap.Action", related_name="dependents", null=True, on_delete=fields.CASCADE
    )
    on_jalon: fields.ForeignKeyNullableRelation[Jalon] = fields.ForeignKeyField(
        "roadmap.Jalon", related_name="dependents", null=True, on_delete=fields.CASCADE
    )

    class Meta:
        table = "dependency"


class Adjustment(Model):
    """A re-routing (ajustement d itinéraire): one change of date or scope, with its reason."""

    id = fields.IntField(primary_key=True)
    roadmap: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Roadmap", related_name="adjustments", on_delete=fields.CASCADE
    )
    action: fields.ForeignKeyNullableRelation[Action] = fields.ForeignKeyField(
        "roadmap.Action", related_name="adjustments", null=True, on_delete=fields.CASCADE
    )
    jalon: fields.ForeignKeyNullableRelation[Jalon] = fields.ForeignKeyField(
        "roadmap.Jalon", related_name="adjustments", null=True, on_delete=fields.CASCADE
    )
    field = fields.CharField(max_length=40)
    old_value = fields.TextField(default="")
    new_value = fields.TextField(default="")
    reason = fields.TextField()
    kind = fields.CharEnumField(AdjustmentKind, max_length=20)
    author = fields.CharField(max_length=100)
    created_at = fields.DatetimeField()
    # Ref (A5, J3) of the item whose move pushed this one; empty when moved by hand.
    cause = fields.CharField(max_length=20, default="")

    class Meta:
        table = "adjustment"
        ordering = ["created_at", "id"]


class Comment(Model):
    """A comment or proposal from any member, cercle élargi included."""

    id = fields.IntField(primary_key=True)
    roadmap: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Roadmap", related_name="comments", on_delete=fields.CASCADE
    )
    action: fields.ForeignKeyNullableRelation[Action] = fields.ForeignKeyField(
        "roadmap.Action", related_name="comments", null=True, on_delete=fields.CASCADE
    )
    jalon: fields.ForeignKeyNullableRelation[Jalon] = fields.ForeignKeyField(
        "roadmap.Jalon", related_name="comments", null=True, on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(CommentKind, max_length=20, default=CommentKind.COMMENTAIRE)
    text = fields.TextField()
    author = fields.CharField(max_length=100)
    created_at = fields.DatetimeField()

    class Meta:
        table = "comment"
        ordering = ["created_at", "id"]
