"""Observation: indicators and their values, qualitative records, comments and proposals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from roadmap.domain import validation as v
from roadmap.domain.enums import CommentKind
from roadmap.domain.errors import NotFound, ValidationError
from roadmap.domain.permissions import Capability
from roadmap.models import Comment, Indicator, IndicatorValue, QualitativeRecord, Roadmap
from roadmap.usecases import dependencies as deps
from roadmap.usecases.base import authorize, journal, next_ref, now, retired_refs, write_unit
from roadmap.usecases.identity import Actor
from roadmap.usecases.roadmaps import axe_by_ref


async def indicator_by_ref(roadmap: Roadmap, ref: str) -> Indicator:
    indicator = await Indicator.get_or_none(roadmap_id=roadmap.id, ref=(ref or "").strip().upper())
    if indicator is None:
        raise NotFound(f"indicateur « {ref} » introuvable dans {roadmap.slug}", field="indicateur")
    return indicator


async def create_indicator(
    actor: Actor,
    slug: str,
    name: str,
    unit: str = "",
    axe_ref: str | None = None,
    description: str = "",
) -> str:
    clean_name = v.text(name, "nom de l'indicateur")
    clean_unit = v.text(unit, "unité", max_length=40, required=False)

    async def work() -> str:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        axe = await axe_by_ref(roadmap, axe_ref) if axe_ref else None
        ref = await next_ref(
            Indicator, "I", roadmap_id=roadmap.id, retired=await retired_refs(slug, "indicateur")
        )
        await Indicator.create(
            roadmap=roadmap,
            ref=ref,
            name=clean_name,
            unit=clean_unit,
            axe=axe,
            description=v.text(description, "description", max_length=8000, required=False),
            updated_by=actor.login,
        )
        await journal(
            actor, roadmap=slug, entity="indicateur", ref=ref, operation="création", new=clean_name
        )
        return ref

    return await write_unit(work)


async def add_indicator_value(
    actor: Actor,
    slug: str,
    indicator_ref: str,
    observed_on: str | date,
    value: str | Decimal,
    comment: str = "",
) -> None:
    """Record a dated value; the cercle élargi may do it at shared moments."""
    when = v.parse_date(observed_on, "date", required=True)
    raw = value.strip().replace(",", ".") if isinstance(value, str) else value
    try:
        number = Decimal(str(raw))
        if not number.is_finite() or abs(number) >= Decimal("1e12"):
            raise ArithmeticError
    except (ArithmeticError, ValueError):
        raise ValidationError(
            f"« {value} » n'est pas un nombre (ex. 12,5)", field="valeur"
        ) from None

    async def work() -> None:
        roadmap = await authorize(actor, slug, Capability.OBSERVE)
        indicator = await indicator_by_ref(roadmap, indicator_ref)
        await IndicatorValue.create(
            indicator=indicator,
            observed_on=when,
            value=number,
            comment=v.text(comment, "commentaire", max_length=8000, required=False),
            author=actor.login,
            created_at=now(),
        )
        await journal(
            actor,
            roadmap=slug,
            entity="indicateur",
            ref=indicator.ref,
            operation="valeur",
            field=when.isoformat() if when else "",
            new=number,
        )

    await write_unit(work)


async def add_record(
    actor: Actor,
    slug: str,
    observed_on: str | date,
    text: str,
    source: str = "",
    axe_ref: str | None = None,
) -> None:
    """A qualitative ("sensible") observation with its source."""
    when = v.parse_date(observed_on, "date", required=True)
    body = v.text(text, "observation", max_length=8000)
    clean_source = v.text(source, "source", required=False)

    async def work() -> None:
        roadmap = await authorize(actor, slug, Capability.OBSERVE)
        axe = await axe_by_ref(roadmap, axe_ref) if axe_ref else None
        await QualitativeRecord.create(
            roadmap=roadmap,
            axe=axe,
            observed_on=when,
            text=body,
            source=clean_source,
            author=actor.login,
            created_at=now(),
        )
        await journal(
            actor,
            roadmap=slug,
            entity="observation",
            ref=clean_source,
            operation="création",
            new=body[:200],
        )

    await write_unit(work)


async def add_comment(
    actor: Actor,
    slug: str,
    text: str,
    *,
    about: str | None = None,
    kind: str = CommentKind.COMMENTAIRE.value,
) -> None:
    """A comment or a proposal on the roadmap or on one action/jalon (``about`` = A…/J…)."""
    body = v.text(text, "commentaire", max_length=8000)
    comment_kind = CommentKind.parse(kind, "type")

    async def work() -> None:
        roadmap = await authorize(actor, slug, Capability.COMMENT)
        action_id = jalon_id = None
        ref = ""
        if about:
            (node_kind, node_id), ref = await deps.resolve_item(roadmap, about, "sujet")
            action_id = node_id if node_kind == "action" else None
            jalon_id = node_id if node_kind == "jalon" else None
        await Comment.create(
            roadmap=roadmap,
            action_id=action_id,
            jalon_id=jalon_id,
            kind=comment_kind,
            text=body,
            author=actor.login,
            created_at=now(),
        )
        await journal(
            actor,
            roadmap=slug,
            entity=str(comment_kind.value),
            ref=ref,
            operation="création",
            new=body[:200],
        )

    await write_unit(work)
