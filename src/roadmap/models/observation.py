"""Observation: quantitative indicators and qualitative ("sensible") records."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from roadmap.models.base import VersionedModel


class Indicator(VersionedModel):
    roadmap: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Roadmap", related_name="indicators", on_delete=fields.CASCADE
    )
    ref = fields.CharField(max_length=20)
    name = fields.CharField(max_length=200)
    unit = fields.CharField(max_length=40, default="")
    axe: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "roadmap.Axe", related_name="indicators", null=True, on_delete=fields.SET_NULL
    )
    description = fields.TextField(default="")

    class Meta:
        table = "indicator"
        unique_together = (("roadmap", "ref"),)
        ordering = ["id"]


class IndicatorValue(Model):
    id = fields.IntField(primary_key=True)
    indicator: fields.ForeignKeyRelation[Indicator] = fields.ForeignKeyField(
        "roadmap.Indicator", related_name="values", on_delete=fields.CASCADE
    )
    observed_on = fields.DateField()
    value = fields.DecimalField(max_digits=16, decimal_places=4)
    comment = fields.TextField(default="")
    author = fields.CharField(max_length=100)
    created_at = fields.DatetimeField()

    class Meta:
        table = "indicator_value"
        ordering = ["observed_on", "id"]


class QualitativeRecord(Model):
    """A dated qualitative observation with its source (atelier, terrain, habitants...)."""

    id = fields.IntField(primary_key=True)
    roadmap: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "roadmap.Roadmap", related_name="records", on_delete=fields.CASCADE
    )
    axe: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "roadmap.Axe", related_name="records", null=True, on_delete=fields.SET_NULL
    )
    observed_on = fields.DateField()
    text = fields.TextField()
    source = fields.CharField(max_length=200, default="")
    author = fields.CharField(max_length=100)
    created_at = fields.DatetimeField()

    class Meta:
        table = "qualitative_record"
        ordering = ["observed_on", "id"]
