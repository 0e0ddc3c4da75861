"""Actions: create, edit (with re-routing reasons), status, dependencies, engagements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from roadmap.domain import validation as v
from roadmap.domain.enums import ActionStatus, AdjustmentKind, EngagementKind, Pillar
from roadmap.domain.errors import NotFound, ValidationError
from roadmap.domain.permissions import Capability
from roadmap.models import (
    Action,
    ActionContributor,
    ActionQpv,
    Axe,
    Engagement,
    Person,
    Roadmap,
    Service,
)
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
    require_choice,
)
from roadmap.usecases.reference import person_by_login, qpv_by_code, service_by_code
from roadmap.usecases.roadmaps import axe_by_ref


@dataclass(frozen=True)
class ActionInput:
    """What a form or a command gives; raw strings are validated by the use case."""

    title: str
    pilot_service: str
    axe_ref: str | None = None
    owner_login: str | None = None
    status: str = ActionStatus.IDEE.value
    start_date: str | date | None = None
    end_date: str | date | None = None
    description: str = ""
    pillar: str | None = None
    contributors: list[str] = field(default_factory=list)  # service codes
    qpvs: list[str] = field(default_factory=list)  # QPV codes
    depends_on: list[str] = field(default_factory=list)  # A…/J… refs


@dataclass(frozen=True)
class _Clean:
    title: str
    description: str
    status: ActionStatus
    start_date: date | None
    end_date: date | None
    pillar: Pillar | None


def _validate(data: ActionInput, horizon: date) -> _Clean:
    title = v.text(data.title, "titre")
    start = v.parse_date(data.start_date, "début")
    end = v.parse_date(data.end_date, "fin")
    v.date_range(start, end, start_field="début", end_field="fin")
    v.within_horizon(start, horizon, "début")
    v.within_horizon(end, horizon, "fin")
    return _Clean(
        title=title,
        description=v.text(data.description, "description", max_length=8000, required=False),
        status=ActionStatus.parse(data.status, "statut"),  # type: ignore[arg-type]
        start_date=start,
        end_date=end,
        pillar=Pillar.parse(data.pillar, "pilier") if data.pillar else None,  # type: ignore[arg-type]
    )


async def _links(roadmap: Roadmap, data: ActionInput) -> dict[str, Any]:
    pilot = await service_by_code(data.pilot_service, "service pilote")
    owner = await person_by_login(data.owner_login, "responsable") if data.owner_login else None
    axe = await axe_by_ref(roadmap, data.axe_ref) if data.axe_ref else None
    return {
        "pilot_service_id": pilot.id,
        "owner_id": owner.id if owner else None,
        "axe_id": axe.id if axe else None,
    }


async def _readable_links(changes: dict[str, tuple[Any, Any]]) -> None:
    """Row ids mean nothing in the journal: show the login, service code or axe ref."""
    lookups = {
        "owner_id": (Person, "login"),
        "pilot_service_id": (Service, "code"),
        "axe_id": (Axe, "ref"),
    }
    for name, (model, column) in lookups.items():
        if name in changes:
            old, new = [
                await model.filter(id=value).first().values_list(column, flat=True)
                if value
                else None
                for value in changes[name]
            ]
            changes[name] = (old, new)


async def action_by_ref(roadmap: Roadmap, ref: str) -> Action:
    action = await Action.get_or_none(roadmap_id=roadmap.id, ref=(ref or "").strip().upper())
    if action is None:
        raise NotFound(f"action « {ref} » introuvable dans {roadmap.slug}", field="action")
    return action


async def _set_contributors(action: Action, codes: list[str]) -> tuple[str, str]:
    wanted = {
        (await service_by_code(c, "services contributeurs")).id: c for c in dict.fromkeys(codes)
    }
    current = dict(
        await ActionContributor.filter(action_id=action.id).values_list(
            "service_id", "service__code"
        )
    )
    removed = [s for s in current if s not in wanted]
    if removed:
        await ActionContributor.filter(action_id=action.id, service_id__in=removed).delete()
    for service_id in wanted:
        if service_id not in current:
            await ActionContributor.create(action_id=action.id, service_id=service_id)
    return ", ".join(sorted(current.values())), ", ".join(sorted(wanted.values()))


async def _set_qpvs(action: Action, codes: list[str]) -> tuple[str, str]:
    wanted = {(await qpv_by_code(c, "QPV")).id: c for c in dict.fromkeys(codes)}
    current = dict(await ActionQpv.filter(action_id=action.id).values_list("qpv_id", "qpv__code"))
    if set(wanted) != set(current):
        await ActionQpv.filter(action_id=action.id).delete()
        await ActionQpv.bulk_create([ActionQpv(action_id=action.id, qpv_id=q) for q in wanted])
    return ", ".join(sorted(current.values())), ", ".join(sorted(wanted.values()))


@dataclass(frozen=True)
class ActionSaved:
    """A created action: its reference, and the dependencies its dates contradict."""

    ref: str
    warnings: tuple[str, ...] = ()


async def create_action(actor: Actor, slug: str, data: ActionInput) -> str:
    """Create an action and return its reference (A1, A2…)."""
    return (await add_action(actor, slug, data)).ref


async def add_action(actor: Actor, slug: str, data: ActionInput) -> ActionSaved:
    """Create an action; warn (without refusing) when its dates contradict a dependency."""

    async def unit() -> ActionSaved:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        clean = _validate(data, roadmap.horizon)
        links = await _links(roadmap, data)
        ref = await next_ref(
            Action, "A", roadmap_id=roadmap.id, retired=await retired_refs(slug, "action")
        )
        action = await Action.create(
            roadmap=roadmap,
            ref=ref,
            title=clean.title,
            description=clean.description,
            status=clean.status,
            start_date=clean.start_date,
            end_date=clean.end_date,
            pillar=clean.pillar,
            updated_by=actor.login,
            **links,
        )
        await _set_contributors(action, data.contributors)
        await _set_qpvs(action, data.qpvs)
        await deps.set_prerequisites(roadmap, ("action", action.id), data.depends_on)
        await journal(
            actor, roadmap=slug, entity="action", ref=ref, operation="création", new=clean.title
        )
        warnings = await contradiction_warnings(roadmap, "action", ref) if data.depends_on else ()
        return ActionSaved(ref, warnings)

    return await write_unit(unit)


_DATE_FIELDS = {"start_date": "début", "end_date": "fin"}
_SCOPE_FIELDS = {"title": "titre", "description": "description"}


async def update_action(
    actor: Actor,
    slug: str,
    ref: str,
    version: int,
    data: ActionInput,
    *,
    reason: str = "",
    kind: str = "",
    shift_dependents: bool = False,
) -> int:
    """Edit an action. Moving an existing date is a re-routing: reason and kind required."""
    outcome = await edit_action(
        actor, slug, ref, version, data, reason=reason, kind=kind, shift_dependents=shift_dependents
    )
    return outcome.version


async def edit_action(
    actor: Actor,
    slug: str,
    ref: str,
    version: int,
    data: ActionInput,
    *,
    reason: str = "",
    kind: str = "",
    shift_dependents: bool = False,
    today: date | None = None,
) -> RerouteOutcome:
    """Edit an action; when its dates change, either shift the dependents they would
    contradict (each gets its own adjustment pointing at the cause, with the same reason)
    or keep their dates and return the contradicted dependencies as warnings."""

    async def unit() -> RerouteOutcome:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        clean = _validate(data, roadmap.horizon)
        action = await action_by_ref(roadmap, ref)
        values: dict[str, Any] = {
            "title": clean.title,
            "description": clean.description,
            "status": clean.status,
            "start_date": clean.start_date,
            "end_date": clean.end_date,
            "pillar": clean.pillar,
            **await _links(roadmap, data),
        }
        changes = diff(action, values)
        await _readable_links(changes)
        moved_dates = [f for f in _DATE_FIELDS if f in changes and changes[f][0] is not None]
        adjustment_kind: AdjustmentKind | None = None
        why = v.no_control(reason.strip(), "motif", multiline=True)
        if moved_dates:
            why = v.reason(reason)
            adjustment_kind = AdjustmentKind.parse(kind, "nature de l'ajustement")  # type: ignore[assignment]
        dates_changed = any(f in changes for f in _DATE_FIELDS)
        new_version = await update_versioned(Action, action.id, version, actor, values)
        for name in [*moved_dates, *(f for f in _SCOPE_FIELDS if f in changes and why)]:
            old, new = changes[name]
            await record_adjustment(
                actor,
                roadmap,
                action=action,
                field=name,
                old=old,
                new=new,
                reason=why,
                kind=adjustment_kind
                or AdjustmentKind.parse(kind or "contrainte", "nature de l'ajustement"),
                journaled=False,  # the whole edit is journaled below, with this reason
            )
        contributors = await _set_contributors(action, data.contributors)
        qpvs = await _set_qpvs(action, data.qpvs)
        dependencies = await deps.set_prerequisites(roadmap, ("action", action.id), data.depends_on)
        for name, (old, new) in (
            ("contributeurs", contributors),
            ("QPV", qpvs),
            ("dépendances", dependencies),
        ):
            if old != new:
                changes[name] = (old, new)
        await journal_changes(
            actor, roadmap=slug, entity="action", ref=action.ref, changes=changes, reason=why
        )
        # Planned on what is now stored (new dates, new dependencies), in this transaction.
        planned = (
            await plan_reroute(
                roadmap, "action", action.ref, clean.start_date, clean.end_date,
                shift_dependents=shift_dependents and bool(moved_dates), today=today,
            )
            if dates_changed
            else None
        )  # fmt: skip
        shifted, warnings = await apply_reroute(
            actor,
            roadmap,
            planned,
            reason=why,
            kind=adjustment_kind or AdjustmentKind.CONTRAINTE,
        )
        if "dépendances" in changes and not dates_changed:
            warnings = await contradiction_warnings(roadmap, "action", action.ref)
        return RerouteOutcome(new_version, shifted, warnings)

    return await write_unit(unit)


async def reroute_action(
    actor: Actor,
    slug: str,
    ref: str,
    version: int,
    start: str | date | None,
    end: str | date | None,
    reason: str,
    kind: str,
    *,
    shift_dependents: bool | None,
    today: date | None = None,
) -> RerouteOutcome:
    """Ajuster l'itinéraire of an action: new dates with their reason, the same rule as a
    jalon (shift the dependents, or keep their dates and be warned of the conflicts).

    ``shift_dependents=None`` (no choice made, e.g. a command without ``--decaler`` or
    ``--garder``): refused, naming them, when the new dates would contradict dependents."""
    new_start = v.parse_date(start, "début")
    new_end = v.parse_date(end, "fin")
    v.date_range(new_start, new_end, start_field="début", end_field="fin")
    why = v.reason(reason)
    adjustment_kind = AdjustmentKind.parse(kind, "nature de l'ajustement")

    async def unit() -> RerouteOutcome:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        v.within_horizon(new_start, roadmap.horizon, "début")
        v.within_horizon(new_end, roadmap.horizon, "fin")
        action = await action_by_ref(roadmap, ref)
        changes = diff(action, {"start_date": new_start, "end_date": new_end})
        if not changes:
            raise ValidationError(
                "les nouvelles dates sont identiques aux dates actuelles", field="fin"
            )
        if shift_dependents is None:
            await require_choice(roadmap, "action", action.ref, new_start, new_end, today=today)
        new_version = await update_versioned(
            Action, action.id, version, actor, {"start_date": new_start, "end_date": new_end}
        )
        for name, (old, new) in changes.items():  # one adjustment and one journal row each
            await record_adjustment(
                actor, roadmap, action=action, field=name, old=old, new=new, reason=why,
                kind=adjustment_kind,
            )  # fmt: skip
        planned = await plan_reroute(
            roadmap, "action", action.ref, new_start, new_end,
            shift_dependents=bool(shift_dependents), today=today,
        )  # fmt: skip
        shifted, warnings = await apply_reroute(
            actor, roadmap, planned, reason=why, kind=adjustment_kind
        )
        return RerouteOutcome(new_version, shifted, warnings)

    return await write_unit(unit)


async def set_action_status(
    actor: Actor, slug: str, ref: str, version: int, status: str, *, reason: str = ""
) -> int:
    """Quick status change from the table (``reason``: e.g. a service's accepted proposal)."""
    new_status = ActionStatus.parse(status, "statut")

    async def unit() -> int:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        action = await action_by_ref(roadmap, ref)
        return await change_field(
            actor, action, version, roadmap=slug, entity="action", field="status",
            value=new_status, reason=v.no_control(reason.strip(), "motif", multiline=True),
        )  # fmt: skip

    return await write_unit(unit)


async def add_dependency(actor: Actor, slug: str, item_ref: str, on_ref: str) -> tuple[str, ...]:
    """``item_ref`` (action or jalon) waits for ``on_ref``; a cycle is refused and named.

    Returns warnings (not refused) when the dates contradict the new dependency."""

    async def unit() -> tuple[str, ...]:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        item, item_clean = await deps.resolve_item(roadmap, item_ref, "élément")
        on, on_clean = await deps.resolve_item(roadmap, on_ref)
        await deps.add_dependency(roadmap, item, on)
        await journal(
            actor,
            roadmap=slug,
            entity=item[0],
            ref=item_clean,
            operation="dépendance",
            field="dépendances",
            new=on_clean,
        )
        return tuple(
            w
            for w in await contradiction_warnings(roadmap, item[0], item_clean)
            if f"{on_clean} «" in w
        )

    return await write_unit(unit)


async def remove_dependency(actor: Actor, slug: str, item_ref: str, on_ref: str) -> None:
    async def unit() -> None:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        item, item_clean = await deps.resolve_item(roadmap, item_ref, "élément")
        on, on_clean = await deps.resolve_item(roadmap, on_ref)
        if not await deps.remove_dependency(roadmap, item, on):
            raise NotFound(f"{item_clean} ne dépend pas de {on_clean}", field="dépendances")
        await journal(
            actor,
            roadmap=slug,
            entity=item[0],
            ref=item_clean,
            operation="dépendance",
            field="dépendances",
            old=on_clean,
        )

    await write_unit(unit)


@dataclass(frozen=True)
class EngagementInput:
    service: str
    kind: str
    amount: str | Decimal
    period_start: str | date | None = None
    period_end: str | date | None = None
    description: str = ""


async def add_engagement(
    actor: Actor, slug: str, action_ref: str, data: EngagementInput, *, reason: str = ""
) -> int:
    """Record what a service commits from its ordinary means; returns the engagement id.

    ``reason``: e.g. the service's accepted proposal, kept in the journal row."""
    why = v.no_control(reason.strip(), "motif", multiline=True)
    kind = EngagementKind.parse(data.kind, "nature de l'engagement")
    amount = v.amount(data.amount, "montant")
    start = v.parse_date(data.period_start, "début de période")
    end = v.parse_date(data.period_end, "fin de période")
    v.date_range(start, end, start_field="début de période", end_field="fin de période")

    async def unit() -> int:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        action = await action_by_ref(roadmap, action_ref)
        service = await service_by_code(data.service, "service")
        engagement = await Engagement.create(
            action=action,
            service=service,
            kind=kind,
            amount=amount,
            period_start=start,
            period_end=end,
            description=v.text(data.description, "description", max_length=8000, required=False),
            updated_by=actor.login,
        )
        await journal(
            actor,
            roadmap=slug,
            entity="engagement",
            ref=f"{action.ref}/{service.code}",
            operation="création",
            field=str(kind.value),
            new=amount,
            reason=why,
        )
        return engagement.id

    return await write_unit(unit)


async def set_engagement_amount(
    actor: Actor,
    slug: str,
    engagement_id: int,
    amount: str,
    *,
    reason: str = "",
    version: int | None = None,
) -> None:
    """Change the amount of one commitment (e.g. a service's accepted proposal).

    ``version``: the one the form showed (a change since is a conflict); None: as stored.
    """
    value = v.amount(amount, "montant")
    why = v.no_control(reason.strip(), "motif", multiline=True)

    async def unit() -> None:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        engagement = await Engagement.get_or_none(
            id=engagement_id, action__roadmap_id=roadmap.id
        ).prefetch_related("action", "service")
        if engagement is None:
            raise NotFound(f"engagement introuvable dans {slug}", field="montant")
        expected = engagement.version if version is None else version
        await update_versioned(Engagement, engagement.id, expected, actor, {"amount": value})
        await journal(
            actor, roadmap=slug, entity="engagement",
            ref=f"{engagement.action.ref}/{engagement.service.code}", operation="modification",
            field=str(engagement.kind.value), old=engagement.amount, new=value, reason=why,
        )  # fmt: skip

    await write_unit(unit)


async def remove_engagement(
    actor: Actor, slug: str, engagement_id: int, *, reason: str = ""
) -> None:
    """Withdraw one commitment (``reason``: e.g. the service's accepted proposal)."""
    why = v.no_control(reason.strip(), "motif", multiline=True)

    async def unit() -> None:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        engagement = await Engagement.get_or_none(id=engagement_id, action__roadmap_id=roadmap.id)
        if engagement is None:
            raise NotFound("engagement introuvable", field="engagement")
        action_ref, service_code = (
            await Engagement.filter(id=engagement.id)
            .first()
            .values_list("action__ref", "service__code")
        )
        await engagement.delete()
        await journal(
            actor,
            roadmap=slug,
            entity="engagement",
            ref=f"{action_ref}/{service_code}",
            operation="suppression",
            field=str(engagement.kind.value),
            old=engagement.amount,
            reason=why,
        )

    await write_unit(unit)
