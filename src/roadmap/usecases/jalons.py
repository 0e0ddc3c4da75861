"""Jalons: key moments (COPIL, atelier…), their invitations, and re-routing with a reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from roadmap.domain import validation as v
from roadmap.domain.enums import AdjustmentKind, JalonKind, JalonStatus
from roadmap.domain.errors import NotFound, ValidationError
from roadmap.domain.permissions import Capability
from roadmap.models import Jalon, JalonInvite, Roadmap
from roadmap.usecases import dependencies as deps
from roadmap.usecases.base import (
    authorize,
    change_field,
    diff,
    journal,
    journal_changes,
    next_ref,
    retired_refs,
    update_versioned,
    write_unit,
)
from roadmap.usecases.identity import Actor
from roadmap.usecases.itinerary import (
    RerouteOutcome,
    apply_reroute,
    contradiction_warnings,
    plan_reroute,
    record_adjustment,
)
from roadmap.usecases.reference import person_by_login, service_by_code


@dataclass(frozen=True)
class JalonInput:
    title: str
    date: str | date | None
    kind: str = JalonKind.AUTRE.value
    description: str = ""
    invited_services: list[str] = field(default_factory=list)
    invited_people: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)


async def jalon_by_ref(roadmap: Roadmap, ref: str) -> Jalon:
    jalon = await Jalon.get_or_none(roadmap_id=roadmap.id, ref=(ref or "").strip().upper())
    if jalon is None:
        raise NotFound(f"jalon « {ref} » introuvable dans {roadmap.slug}", field="jalon")
    return jalon


async def _set_invites(jalon: Jalon, services: list[str], people: list[str]) -> tuple[str, str]:
    service_ids = [
        (await service_by_code(c, "services invités")).id for c in dict.fromkeys(services)
    ]
    person_ids = [
        (await person_by_login(p, "personnes invitées")).id for p in dict.fromkeys(people)
    ]
    before = await _invites_text(jalon)
    await JalonInvite.filter(jalon_id=jalon.id).delete()
    await JalonInvite.bulk_create(
        [JalonInvite(jalon_id=jalon.id, service_id=s) for s in service_ids]
        + [JalonInvite(jalon_id=jalon.id, person_id=p) for p in person_ids]
    )
    return before, await _invites_text(jalon)


async def _invites_text(jalon: Jalon) -> str:
    rows = await JalonInvite.filter(jalon_id=jalon.id).values_list("service__code", "person__login")
    return ", ".join(sorted(str(s or p) for s, p in rows))


@dataclass(frozen=True)
class JalonSaved:
    """A saved jalon: its reference, and the dependencies its date contradicts."""

    ref: str
    warnings: tuple[str, ...] = ()


async def create_jalon(actor: Actor, slug: str, data: JalonInput) -> str:
    return (await add_jalon(actor, slug, data)).ref


async def add_jalon(actor: Actor, slug: str, data: JalonInput) -> JalonSaved:
    """Create a jalon; warn (without refusing) when its date contradicts a dependency."""
    title = v.text(data.title, "titre")
    when = v.parse_date(data.date, "date", required=True)
    kind = JalonKind.parse(data.kind, "type de jalon")

    async def unit() -> JalonSaved:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        v.within_horizon(when, roadmap.horizon, "date")
        ref = await next_ref(
            Jalon, "J", roadmap_id=roadmap.id, retired=await retired_refs(slug, "jalon")
        )
        jalon = await Jalon.create(
            roadmap=roadmap,
            ref=ref,
            title=title,
            kind=kind,
            planned_date=when,
            current_date=when,
            description=v.text(data.description, "description", max_length=8000, required=False),
            updated_by=actor.login,
        )
        await _set_invites(jalon, data.invited_services, data.invited_people)
        await deps.set_prerequisites(roadmap, ("jalon", jalon.id), data.depends_on)
        await journal(actor, roadmap=slug, entity="jalon", ref=ref, operation="création", new=title)
        warnings = await contradiction_warnings(roadmap, "jalon", ref) if data.depends_on else ()
        return JalonSaved(ref, warnings)

    return await write_unit(unit)


async def update_jalon(actor: Actor, slug: str, ref: str, version: int, data: JalonInput) -> int:
    """Edit everything but the date: moving a jalon goes through ``reroute_jalon``."""
    return (await edit_jalon(actor, slug, ref, version, data)).version


async def edit_jalon(
    actor: Actor, slug: str, ref: str, version: int, data: JalonInput
) -> RerouteOutcome:
    """Edit a jalon but its date; warns when its dependencies now contradict its date."""
    values: dict[str, Any] = {
        "title": v.text(data.title, "titre"),
        "kind": JalonKind.parse(data.kind, "type de jalon"),
        "description": v.text(data.description, "description", max_length=8000, required=False),
    }
    requested = v.parse_date(data.date, "date")

    async def unit() -> RerouteOutcome:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        jalon = await jalon_by_ref(roadmap, ref)
        if requested is not None and requested != jalon.current_date:
            raise ValidationError(
                "changer la date d'un jalon est un ajustement d'itinéraire : "
                "utilisez « Ajuster l'itinéraire » avec un motif",
                field="date",
            )
        changes = diff(jalon, values)
        new_version = await update_versioned(Jalon, jalon.id, version, actor, values)
        invites = await _set_invites(jalon, data.invited_services, data.invited_people)
        dependencies = await deps.set_prerequisites(roadmap, ("jalon", jalon.id), data.depends_on)
        for name, (old, new) in (("invités", invites), ("dépendances", dependencies)):
            if old != new:
                changes[name] = (old, new)
        await journal_changes(actor, roadmap=slug, entity="jalon", ref=jalon.ref, changes=changes)
        warnings = (
            await contradiction_warnings(roadmap, "jalon", jalon.ref)
            if "dépendances" in changes
            else ()
        )
        return RerouteOutcome(new_version, warnings=warnings)

    return await write_unit(unit)


async def reroute_jalon(
    actor: Actor,
    slug: str,
    ref: str,
    version: int,
    new_date: str | date,
    reason: str,
    kind: str,
    *,
    shift_dependents: bool = False,
) -> int:
    """Ajuster l'itinéraire: move a jalon, keeping the old date, the reason and its nature."""
    outcome = await move_jalon(
        actor, slug, ref, version, new_date, reason, kind, shift_dependents=shift_dependents
    )
    return outcome.version


async def move_jalon(
    actor: Actor,
    slug: str,
    ref: str,
    version: int,
    new_date: str | date,
    reason: str,
    kind: str,
    *,
    shift_dependents: bool = False,
    today: date | None = None,
) -> RerouteOutcome:
    """Move a jalon; shift the dependents its new date would contradict, or keep their
    dates and return the contradicted dependencies as warnings (the same rule as actions)."""
    when = v.parse_date(new_date, "nouvelle date", required=True)
    why = v.reason(reason)
    adjustment_kind = AdjustmentKind.parse(kind, "nature de l'ajustement")

    async def unit() -> RerouteOutcome:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        jalon = await jalon_by_ref(roadmap, ref)
        v.within_horizon(when, roadmap.horizon, "nouvelle date")
        if when == jalon.current_date:
            raise ValidationError(
                "la nouvelle date est identique à la date actuelle", field="nouvelle date"
            )
        old = jalon.current_date
        new_version = await update_versioned(
            Jalon, jalon.id, version, actor, {"current_date": when}
        )
        await record_adjustment(
            actor,
            roadmap,
            jalon=jalon,
            field="current_date",
            old=old,
            new=when,
            reason=why,
            kind=adjustment_kind,
        )
        planned = await plan_reroute(
            roadmap, "jalon", jalon.ref, when, when, shift_dependents=shift_dependents, today=today
        )
        shifted, warnings = await apply_reroute(
            actor,
            roadmap,
            planned,
            reason=why,
            kind=adjustment_kind,
        )
        return RerouteOutcome(new_version, shifted, warnings)

    return await write_unit(unit)


async def set_jalon_status(actor: Actor, slug: str, ref: str, version: int, status: str) -> int:
    new_status = JalonStatus.parse(status, "statut")

    async def unit() -> int:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        jalon = await jalon_by_ref(roadmap, ref)
        return await change_field(
            actor, jalon, version, roadmap=slug, entity="jalon", field="status", value=new_status
        )

    return await write_unit(unit)
