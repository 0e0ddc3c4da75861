"""Subsidy instruction: AAP campaigns, dossiers, plan de financement, avis, decisions."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from roadmap.domain.enums import AvisValue, DecisionOutcome, DossierState, Pillar
from roadmap.models.base import VersionedModel


class Campagne(VersionedModel):
    """The yearly call for projects (AAP) of one territory, one per year there."""

    territoire: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Territoire", related_name="campagnes", on_delete=fields.RESTRICT
    )
    year = fields.IntField()
    title = fields.CharField(max_length=200)
    opens_on = fields.DateField()
    closes_on = fields.DateField()

    class Meta:
        table = "campagne"
        ordering = ["year"]
        unique_together = (("territoire", "year"),)


class CampagneRoadmap(Model):
    """A roadmap (and optionally one of its axes) that a campaign serves."""

    id = fields.IntField(primary_key=True)
    campagne: fields.ForeignKeyRelation[Campagne] = fields.ForeignKeyField(
        "roadmap.Campagne", related_name="roadmap_links", on_delete=fields.CASCADE
    )
    roadmap: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Roadmap", related_name="campagne_links", on_delete=fields.CASCADE
    )
    axe: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "roadmap.Axe", related_name="campagne_links", null=True, on_delete=fields.CASCADE
    )

    class Meta:
        table = "campagne_roadmap"


class CampagneInstructor(Model):
    """A service that instructs the dossiers of the campaign by default."""

    id = fields.IntField(primary_key=True)
    campagne: fields.ForeignKeyRelation[Campagne] = fields.ForeignKeyField(
        "roadmap.Campagne", related_name="default_instructors", on_delete=fields.CASCADE
    )
    service: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Service", related_name="campagne_instructions", on_delete=fields.RESTRICT
    )

    class Meta:
        table = "campagne_instructor"
        unique_together = (("campagne", "service"),)


class Dossier(VersionedModel):
    """One application by a porteur de projet to the AAP."""

    campagne: fields.ForeignKeyRelation[Campagne] = fields.ForeignKeyField(
        "roadmap.Campagne", related_name="dossiers", on_delete=fields.RESTRICT
    )
    ref = fields.CharField(max_length=30, unique=True)
    porteur = fields.CharField(max_length=200)
    title = fields.CharField(max_length=200)
    summary = fields.TextField(default="")
    roadmap: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "roadmap.Roadmap", related_name="dossiers", null=True, on_delete=fields.SET_NULL
    )
    action: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "roadmap.Action", related_name="dossiers", null=True, on_delete=fields.SET_NULL
    )
    axe: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "roadmap.Axe", related_name="dossiers", null=True, on_delete=fields.SET_NULL
    )
    pillar = fields.CharEnumField(Pillar, max_length=40, null=True)
    total_budget = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    amount_asked = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    state = fields.CharEnumField(DossierState, max_length=20, default=DossierState.DEPOSE)
    avis_deadline = fields.DateField(null=True)
    state_reason = fields.TextField(default="")  # e.g. why irrecevable

    class Meta:
        table = "dossier"
        ordering = ["ref"]


class DossierQpv(Model):
    id = fields.IntField(primary_key=True)
    dossier: fields.ForeignKeyRelation[Dossier] = fields.ForeignKeyField(
        "roadmap.Dossier", related_name="qpv_links", on_delete=fields.CASCADE
    )
    qpv: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Qpv", related_name="dossier_links", on_delete=fields.RESTRICT
    )

    class Meta:
        table = "dossier_qpv"
        unique_together = (("dossier", "qpv"),)


class FinancementLine(VersionedModel):
    """Plan de financement: amount asked from and granted by one financeur."""

    dossier: fields.ForeignKeyRelation[Dossier] = fields.ForeignKeyField(
        "roadmap.Dossier", related_name="financements", on_delete=fields.CASCADE
    )
    financeur: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Service", related_name="financements", on_delete=fields.RESTRICT
    )
    asked = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    granted = fields.DecimalField(max_digits=14, decimal_places=2, null=True)

    class Meta:
        table = "financement_line"
        unique_together = (("dossier", "financeur"),)


class DossierInstructor(Model):
    """A service that instructs this dossier and owes an avis."""

    id = fields.IntField(primary_key=True)
    dossier: fields.ForeignKeyRelation[Dossier] = fields.ForeignKeyField(
        "roadmap.Dossier", related_name="instructors", on_delete=fields.CASCADE
    )
    service: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Service", related_name="dossier_instructions", on_delete=fields.RESTRICT
    )

    class Meta:
        table = "dossier_instructor"
        unique_together = (("dossier", "service"),)


class Avis(Model):
    """The opinion of a service on a dossier, a changed avis keeps the old row (current=False)."""

    id = fields.IntField(primary_key=True)
    dossier: fields.ForeignKeyRelation[Dossier] = fields.ForeignKeyField(
        "roadmap.Dossier", related_name="avis", on_delete=fields.CASCADE
    )
    service: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Service", related_name="avis", on_delete=fields.RESTRICT
    )
    person: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "roadmap.Person", related_name="avis", null=True, on_delete=fields.SET_NULL
    )
    value = fields.CharEnumField(AvisValue, max_length=20)
    comment = fields.TextField(default="")
    given_at = fields.DatetimeField()
    current = fields.BooleanField(default=True)

    class Meta:
        table = "avis"
        ordering = ["given_at", "id"]


class Decision(Model):
    """The decision on a dossier, a revision keeps the old row (current=False) and a reason."""

    id = fields.IntField(primary_key=True)
    dossier: fields.ForeignKeyRelation[Dossier] = fields.ForeignKeyField(
        "roadmap.Dossier", related_name="decisions", on_delete=fields.CASCADE
    )
    outcome = fields.CharEnumField(DecisionOutcome, max_length=30)
    motivation = fields.TextField(default="")
    revision_reason = fields.TextField(default="")
    decided_by = fields.CharField(max_length=100)
    decided_at = fields.DatetimeField()
    current = fields.BooleanField(default=True)

    class Meta:
        table = "decision"
        ordering = ["decided_at", "id"]


class Annotation(Model):
    """A private note of the instructors: never exported, never in a report."""

    id = fields.IntField(primary_key=True)
    dossier: fields.ForeignKeyRelation[Dossier] = fields.ForeignKeyField(
        "roadmap.Dossier", related_name="annotations", on_delete=fields.CASCADE
    )
    service: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "roadmap.Service", related_name="annotations", null=True, on_delete=fields.RESTRICT
    )
    author = fields.CharField(max_length=100)
    text = fields.TextField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "annotation"
        ordering = ["created_at", "id"]
