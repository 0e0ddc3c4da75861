"""Roadmaps, their team (trinôme, cercle élargi, direction, lecteurs), axes and passation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tortoise.expressions import F

from roadmap.domain import validation as v
from roadmap.domain.enums import AdjustmentKind, RoadmapStatus, Role, ServiceKind, Side
from roadmap.domain.errors import NotFound, PermissionDenied, ValidationError
from roadmap.domain.permissions import MAX_TRINOME, Capability
from roadmap.models import Action, Axe, JalonInvite, Membership, Person, Roadmap, Territoire
from roadmap.usecases.admin import is_administrator
from roadmap.usecases.base import (
    authorize,
    diff,
    journal,
    journal_changes,
    next_ref,
    now,
    update_versioned,
    write_unit,
)
from roadmap.usecases.demo_guard import refuse_demo_person, refuse_demo_service
from roadmap.usecases.identity import Actor
from roadmap.usecases.itinerary import record_adjustment
from roadmap.usecases.reference import person_by_login, service_by_code, territoire_by_code


@dataclass(frozen=True)
class RoadmapInput:
    slug: str
    title: str
    destination: str
    horizon: str | date
    pv_service: str
    dc_service: str
    territoire: str | None = None  # code; default: the only territory of the base, if one


async def may_create_roadmap(actor: Actor) -> bool:
    """Administrators, and members of the direction of any roadmap, start new ones."""
    if await is_administrator(actor):
        return True
    return (
        actor.person_id is not None
        and await Membership.filter(person_id=actor.person_id, role=Role.DIRECTION).exists()
    )


async def require_may_create_roadmap(actor: Actor) -> None:
    if not await may_create_roadmap(actor):
        raise PermissionDenied(
            "créer une feuille de route est réservé aux administrateurs de la base et aux "
            f"membres de la direction d'une feuille de route (vous : {actor.login}, "
            + ("personne inconnue)" if actor.person_id is None else "sans rôle de direction)")
        )


async def _territoire_for(code: str | None) -> Territoire | None:
    if code and code.strip():
        return await territoire_by_code(code, "territoire")
    only = await Territoire.all().limit(2)
    return only[0] if len(only) == 1 else None


async def create_roadmap(actor: Actor, data: RoadmapInput) -> Roadmap:
    """Start a feuille de route (see ``may_create_roadmap``); the creator joins the trinôme."""
    slug = v.slug(data.slug, "identifiant")
    title = v.text(data.title, "titre")
    destination = v.text(data.destination, "point d'arrivée", max_length=4000)
    horizon = v.parse_date(data.horizon, "horizon", required=True)
    assert horizon is not None

    async def unit() -> Roadmap:
        await require_may_create_roadmap(actor)
        if await Roadmap.exists(slug=slug):
            raise ValidationError(f"l'identifiant « {slug} » est déjà pris", field="identifiant")
        pv = await service_by_code(data.pv_service, "côté politique de la ville")
        dc = await service_by_code(data.dc_service, "côté droit commun")
        if pv.kind != ServiceKind.POLITIQUE_DE_LA_VILLE:
            raise ValidationError(
                f"{pv.code} n'est pas un service politique de la ville",
                field="côté politique de la ville",
            )
        refuse_demo_service(slug, pv, "côté politique de la ville")
        refuse_demo_service(slug, dc, "côté droit commun")
        if dc.id == pv.id:
            raise ValidationError(
                "les deux côtés doivent être deux services différents", field="côté droit commun"
            )
        roadmap = await Roadmap.create(
            slug=slug,
            title=title,
            destination=destination,
            horizon=horizon,
            pv_service=pv,
            dc_service=dc,
            territoire=await _territoire_for(data.territoire),
            updated_by=actor.login,
        )
        person = await Person.get_or_none(login=actor.login)
        if person is None:
            person = await Person.create(
                login=actor.login, name=actor.display, updated_by=actor.login
            )
        await refuse_demo_person(slug, person, "vous")
        side = _side_for(person.service_id, roadmap)  # type: ignore[attr-defined]
        await Membership.create(
            roadmap=roadmap, person=person, role=Role.TRINOME, side=side, updated_by=actor.login
        )
        await journal(
            actor,
            roadmap=slug,
            entity="feuille de route",
            ref=slug,
            operation="création",
            new=title,
        )
        return roadmap

    return await write_unit(unit)


def _side_for(service_id: int | None, roadmap: Roadmap) -> Side:
    if service_id == roadmap.pv_service_id:  # type: ignore[attr-defined]
        return Side.POLITIQUE_DE_LA_VILLE
    if service_id == roadmap.dc_service_id:  # type: ignore[attr-defined]
        return Side.DROIT_COMMUN
    return Side.AUTRE


async def edit_roadmap(
    actor: Actor, slug: str, version: int, *, title: str, destination: str
) -> int:
    values = {
        "title": v.text(title, "titre"),
        "destination": v.text(destination, "point d'arrivée", max_length=4000),
    }

    async def unit() -> int:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        changes = diff(roadmap, values)
        new_version = await update_versioned(Roadmap, roadmap.id, version, actor, values)
        await journal_changes(
            actor, roadmap=slug, entity="feuille de route", ref=slug, changes=changes
        )
        return new_version

    return await write_unit(unit)


async def move_horizon(
    actor: Actor, slug: str, version: int, new_horizon: str | date, reason: str, kind: str
) -> int:
    """Moving the destination date is a re-routing like any other: reason mandatory."""
    horizon = v.parse_date(new_horizon, "horizon", required=True)
    why = v.reason(reason)
    adjustment_kind = AdjustmentKind.parse(kind, "nature de l'ajustement")

    async def unit() -> int:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        old = roadmap.horizon
        new_version = await update_versioned(
            Roadmap, roadmap.id, version, actor, {"horizon": horizon}
        )
        await record_adjustment(
            actor, roadmap, field="horizon", old=old, new=horizon, reason=why, kind=adjustment_kind
        )
        return new_version

    return await write_unit(unit)


async def set_roadmap_status(actor: Actor, slug: str, version: int, status: str) -> int:
    """Archive or reactivate: the direction's call."""
    new_status = RoadmapStatus.parse(status, "statut")

    async def unit() -> int:
        roadmap = await authorize(actor, slug, Capability.ARCHIVE)
        old = roadmap.status
        new_version = await update_versioned(
            Roadmap, roadmap.id, version, actor, {"status": new_status}
        )
        await journal(
            actor,
            roadmap=slug,
            entity="feuille de route",
            ref=slug,
            operation="statut",
            field="statut",
            old=old,
            new=new_status,
        )
        return new_version

    return await write_unit(unit)


# --- team ------------------------------------------------------------------------------


async def _check_trinome_room(roadmap: Roadmap, person_id: int) -> None:
    seats = (
        await Membership.filter(roadmap_id=roadmap.id, role=Role.TRINOME)
        .exclude(person_id=person_id)
        .count()
    )
    if seats >= MAX_TRINOME:
        raise ValidationError(
            f"le trinôme a déjà {MAX_TRINOME} membres : retirez-en un ou faites une passation",
            field="rôle",
        )


async def add_member(
    actor: Actor, slug: str, login: str, role: str, side: str | None = None
) -> Membership:
    new_role = Role.parse(role, "rôle")

    async def unit() -> Membership:
        roadmap = await authorize(actor, slug, Capability.MANAGE_MEMBERS)
        person = await person_by_login(login)
        await refuse_demo_person(slug, person)
        if await Membership.exists(roadmap_id=roadmap.id, person_id=person.id):
            raise ValidationError(
                f"{person.name} est déjà membre ; changez plutôt son rôle", field="personne"
            )
        if new_role is Role.TRINOME:
            await _check_trinome_room(roadmap, person.id)
        member_side = Side.parse(side, "côté") if side else _side_for(person.service_id, roadmap)  # type: ignore[attr-defined]
        membership = await Membership.create(
            roadmap=roadmap, person=person, role=new_role, side=member_side, updated_by=actor.login
        )
        await journal(
            actor,
            roadmap=slug,
            entity="membre",
            ref=person.login,
            operation="ajout",
            field="rôle",
            new=new_role,
        )
        return membership

    return await write_unit(unit)


async def change_member(
    actor: Actor, slug: str, login: str, version: int, *, role: str, side: str
) -> int:
    values = {"role": Role.parse(role, "rôle"), "side": Side.parse(side, "côté")}

    async def unit() -> int:
        roadmap = await authorize(actor, slug, Capability.MANAGE_MEMBERS)
        person = await person_by_login(login)
        membership = await Membership.get_or_none(roadmap_id=roadmap.id, person_id=person.id)
        if membership is None:
            raise NotFound(f"{person.name} n'est pas membre de {slug}", field="personne")
        if values["role"] is Role.TRINOME and membership.role != Role.TRINOME:
            await _check_trinome_room(roadmap, person.id)
        changes = diff(membership, values)
        new_version = await update_versioned(Membership, membership.id, version, actor, values)
        await journal_changes(actor, roadmap=slug, entity="membre", ref=login, changes=changes)
        return new_version

    return await write_unit(unit)


async def removal_checks(actor: Actor, slug: str, login: str) -> Membership:
    """What removing a member asks (``usecases.may`` asks it before the form opens)."""
    roadmap = await authorize(actor, slug, Capability.MANAGE_MEMBERS)
    person = await person_by_login(login)
    membership = await Membership.get_or_none(roadmap_id=roadmap.id, person_id=person.id)
    if membership is None:
        raise NotFound(f"{person.name} n'est pas membre de {slug}", field="personne")
    owned = await Action.filter(roadmap_id=roadmap.id, owner_id=person.id).count()
    if owned:
        from roadmap import formatting as fr  # Babel: loaded when a refusal is worded

        raise ValidationError(
            f"{person.name} porte encore {fr.plural(owned, 'action')} : faites d'abord une "
            "passation (touche p dans l'écran Équipe)",
            field="personne",
        )
    if person.id == actor.person_id and membership.role in (Role.TRINOME, Role.DIRECTION):
        others = (
            await Membership.filter(roadmap_id=roadmap.id, role__in=[Role.TRINOME, Role.DIRECTION])
            .exclude(person_id=person.id)
            .count()
        )
        if not others:
            raise ValidationError(
                "vous êtes le dernier à pouvoir modifier cette feuille de route : donnez "
                "d'abord le rôle trinôme ou direction à quelqu'un d'autre",
                field="personne",
            )
    return membership


async def remove_member(actor: Actor, slug: str, login: str) -> None:
    async def unit() -> None:
        membership = await removal_checks(actor, slug, login)
        await membership.delete()
        await journal(
            actor,
            roadmap=slug,
            entity="membre",
            ref=login,
            operation="retrait",
            field="rôle",
            old=membership.role,
        )

    await write_unit(unit)


@dataclass
class PassationPreview:
    """What a passation would move, shown before it is confirmed."""

    from_login: str
    from_name: str
    to_login: str
    to_name: str
    role: Role | None
    to_current_role: Role | None
    actions: list[tuple[str, str]] = field(default_factory=list)  # (ref, title)
    jalon_invites: list[tuple[str, str]] = field(default_factory=list)
    to_side: Side = Side.AUTRE  # the side of the receiver's own service: the default choice
    warnings: list[str] = field(default_factory=list)  # load over the Revue's thresholds


async def _load_warnings(
    roadmap: Roadmap, giver: Person, receiver: Person, today: date
) -> list[str]:
    """The receiver's open actions and upcoming jalons after the passation, against the
    load thresholds of the direction's review (the same ``LoadThresholds``)."""
    from datetime import timedelta

    from roadmap.graph.analyses import LoadThresholds

    limits = LoadThresholds()
    both = [giver.id, receiver.id]
    open_statuses = ["idee", "a_lancer", "en_cours", "bloquee"]
    actions = await Action.filter(
        roadmap_id=roadmap.id, owner_id__in=both, status__in=open_statuses
    ).count()
    jalons = len(
        set(
            await JalonInvite.filter(
                jalon__roadmap_id=roadmap.id,
                person_id__in=both,
                jalon__status="prevu",
                jalon__current_date__gte=today,
                jalon__current_date__lte=today + timedelta(days=limits.window_days),
            ).values_list("jalon_id", flat=True)
        )
    )
    warnings = []
    if actions > limits.person_actions:
        warnings.append(
            f"{receiver.name} porterait {actions} actions ouvertes "
            f"(seuil de charge {limits.person_actions})"
        )
    if jalons > limits.jalons:
        warnings.append(
            f"{receiver.name} serait invité·e à {jalons} jalons dans les {limits.window_days} "
            f"jours (seuil de charge {limits.jalons})"
        )
    return warnings


async def _passation_preview(
    roadmap: Roadmap, giver: Person, receiver: Person, today: date | None = None
) -> PassationPreview:
    giver_membership = await Membership.get_or_none(roadmap_id=roadmap.id, person_id=giver.id)
    receiver_membership = await Membership.get_or_none(roadmap_id=roadmap.id, person_id=receiver.id)
    actions = (
        await Action.filter(roadmap_id=roadmap.id, owner_id=giver.id)
        .order_by("id")
        .values_list("ref", "title")
    )
    invites = await JalonInvite.filter(
        jalon__roadmap_id=roadmap.id, person_id=giver.id
    ).values_list("jalon__ref", "jalon__title")
    return PassationPreview(
        from_login=giver.login,
        from_name=giver.name,
        to_login=receiver.login,
        to_name=receiver.name,
        role=Role(giver_membership.role) if giver_membership else None,
        to_current_role=Role(receiver_membership.role) if receiver_membership else None,
        actions=[(str(r), str(t)) for r, t in actions],
        jalon_invites=[(str(r), str(t)) for r, t in sorted(invites)],
        to_side=_side_for(receiver.service_id, roadmap),  # type: ignore[attr-defined]
        warnings=await _load_warnings(roadmap, giver, receiver, today or date.today()),
    )


async def preview_passation(
    actor: Actor, slug: str, from_login: str, to_login: str, *, today: date | None = None
) -> PassationPreview:
    roadmap = await authorize(actor, slug, Capability.MANAGE_MEMBERS)
    giver = await person_by_login(from_login, "de")
    receiver = await person_by_login(to_login, "vers")
    if giver.id == receiver.id:
        raise ValidationError("choisissez deux personnes différentes", field="vers")
    return await _passation_preview(roadmap, giver, receiver, today)


async def passation(
    actor: Actor,
    slug: str,
    from_login: str,
    to_login: str,
    reason: str = "",
    *,
    side: str | None = None,
) -> PassationPreview:
    """Hand over everything a departing member holds, in one transaction, journaled.

    Owned actions and jalon invitations move to the receiver; the receiver takes the
    giver's role when it is higher, on the side chosen (``side``; by default the side of
    the receiver's own service, never silently the giver's); the giver stays as a lecteur
    so that their history remains attached to a member.
    """
    why = v.no_control((reason or "").strip(), "motif", multiline=True) or "passation"
    chosen_side = Side.parse(side, "côté") if side else None

    async def unit() -> PassationPreview:
        roadmap = await authorize(actor, slug, Capability.MANAGE_MEMBERS)
        giver = await person_by_login(from_login, "de")
        receiver = await person_by_login(to_login, "vers")
        if giver.id == receiver.id:
            raise ValidationError("choisissez deux personnes différentes", field="vers")
        preview = await _passation_preview(roadmap, giver, receiver)
        giver_m = await Membership.get_or_none(roadmap_id=roadmap.id, person_id=giver.id)
        if giver_m is None and not preview.actions:
            raise ValidationError(f"{giver.name} n'a rien à transmettre dans {slug}", field="de")

        # Exactly what the preview lists moves; the version bump makes open edit forms stale.
        await Action.filter(
            roadmap_id=roadmap.id, owner_id=giver.id, ref__in=[ref for ref, _ in preview.actions]
        ).update(
            owner_id=receiver.id,
            version=F("version") + 1,
            updated_by=actor.login,
            updated_at=now(),
        )
        for ref, _title in preview.actions:
            await journal(
                actor,
                roadmap=slug,
                entity="action",
                ref=ref,
                operation="passation",
                field="responsable",
                old=giver.login,
                new=receiver.login,
                reason=why,
            )
        for invite in await JalonInvite.filter(jalon__roadmap_id=roadmap.id, person_id=giver.id):
            already = await JalonInvite.exists(jalon_id=invite.jalon_id, person_id=receiver.id)  # type: ignore[attr-defined]
            if already:
                await invite.delete()
            else:
                invite.person_id = receiver.id  # type: ignore[attr-defined]
                await invite.save(update_fields=["person_id"])
        if giver_m is not None:
            receiver_m = await Membership.get_or_none(roadmap_id=roadmap.id, person_id=receiver.id)
            rank = [Role.LECTEUR, Role.CERCLE_ELARGI, Role.TRINOME, Role.DIRECTION]
            giver_role = Role(giver_m.role)
            new_side = chosen_side or preview.to_side
            if receiver_m is None:
                await Membership.create(
                    roadmap=roadmap,
                    person=receiver,
                    role=giver_role,
                    side=new_side,
                    updated_by=actor.login,
                )
            elif rank.index(giver_role) > rank.index(Role(receiver_m.role)):
                await Membership.filter(id=receiver_m.id).update(
                    role=giver_role,
                    side=new_side,
                    version=receiver_m.version + 1,
                    updated_by=actor.login,
                    updated_at=now(),
                )
            await Membership.filter(id=giver_m.id).update(
                role=Role.LECTEUR,
                version=giver_m.version + 1,
                updated_by=actor.login,
                updated_at=now(),
            )
            await journal(
                actor,
                roadmap=slug,
                entity="membre",
                ref=receiver.login,
                operation="passation",
                field="rôle",
                old=preview.to_current_role,
                new=giver_role,
                reason=why,
            )
            if receiver_m is None or rank.index(giver_role) > rank.index(Role(receiver_m.role)):
                await journal(
                    actor,
                    roadmap=slug,
                    entity="membre",
                    ref=receiver.login,
                    operation="passation",
                    field="side",
                    old=receiver_m.side if receiver_m else None,
                    new=new_side,
                    reason=why,
                )
            await journal(
                actor,
                roadmap=slug,
                entity="membre",
                ref=giver.login,
                operation="passation",
                field="rôle",
                old=giver_role,
                new=Role.LECTEUR,
                reason=why,
            )
        return preview

    return await write_unit(unit)


# --- axes ------------------------------------------------------------------------------


async def create_axe(actor: Actor, slug: str, title: str, description: str = "") -> Axe:
    clean_title = v.text(title, "titre de l'axe")

    async def unit() -> Axe:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        ref = await next_ref(Axe, "AX", roadmap_id=roadmap.id)
        position = await Axe.filter(roadmap_id=roadmap.id).count()
        axe = await Axe.create(
            roadmap=roadmap,
            ref=ref,
            title=clean_title,
            description=v.text(description, "description", max_length=8000, required=False),
            position=position,
            updated_by=actor.login,
        )
        await journal(
            actor, roadmap=slug, entity="axe", ref=ref, operation="création", new=clean_title
        )
        return axe

    return await write_unit(unit)


async def edit_axe(
    actor: Actor, slug: str, ref: str, version: int, *, title: str, description: str
) -> int:
    values = {
        "title": v.text(title, "titre de l'axe"),
        "description": v.text(description, "description", max_length=8000, required=False),
    }

    async def unit() -> int:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        axe = await axe_by_ref(roadmap, ref)
        changes = diff(axe, values)
        new_version = await update_versioned(Axe, axe.id, version, actor, values)
        await journal_changes(actor, roadmap=slug, entity="axe", ref=ref, changes=changes)
        return new_version

    return await write_unit(unit)


async def axe_by_ref(roadmap: Roadmap, ref: str) -> Axe:
    axe = await Axe.get_or_none(roadmap_id=roadmap.id, ref=(ref or "").strip())
    if axe is None:
        raise NotFound(f"axe « {ref} » introuvable dans {roadmap.slug}", field="axe")
    return axe


async def move_axe(actor: Actor, slug: str, ref: str, offset: int) -> None:
    """Move an axe up (-1) or down (+1) in the roadmap's order."""

    async def unit() -> None:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        axes = await Axe.filter(roadmap_id=roadmap.id).order_by("position", "id")
        index = next((i for i, a in enumerate(axes) if a.ref == ref), None)
        if index is None:
            raise NotFound(f"axe « {ref} » introuvable", field="axe")
        target = index + offset
        if not 0 <= target < len(axes):
            return
        axes.insert(target, axes.pop(index))
        for position, axe in enumerate(axes):
            if axe.position != position:
                await Axe.filter(id=axe.id).update(position=position)
        await journal(
            actor,
            roadmap=slug,
            entity="axe",
            ref=ref,
            operation="ordre",
            field="position",
            old=index + 1,
            new=target + 1,
        )

    await write_unit(unit)
