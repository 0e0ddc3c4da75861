"""Deciding on what services proposed through their file: accept (through the same use
cases as a form, with both names in the journal) or refuse with a motive (issue 17)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from roadmap.domain import validation as v
from roadmap.domain.enums import AdjustmentKind, Role
from roadmap.domain.errors import NotFound, PermissionDenied, StaleVersion, ValidationError
from roadmap.domain.permissions import Capability, allowed
from roadmap.models import Action, Membership, Proposition
from roadmap.usecases import actions as act
from roadmap.usecases import avis_decisions, reference
from roadmap.usecases import observations as obs
from roadmap.usecases.base import authorize, journal, now, write_unit
from roadmap.usecases.identity import Actor
from roadmap.usecases.instruction_common import home_service

STATUS_LABELS = {"en_attente": "en attente", "acceptee": "acceptée", "refusee": "refusée"}
FIELD_LABELS = {
    "statut": "statut",
    "debut": "début",
    "fin": "fin",
    "commentaire": "commentaire",
}


@dataclass(frozen=True)
class PropositionRow:
    id: int
    service: str
    author: str
    roadmap: str
    kind: str
    ref: str
    field: str
    base: str
    proposed: str
    current: str  # at reception
    reason: str
    status: str
    motive: str
    decided_by: str
    received_at: datetime

    @property
    def conflict(self) -> bool:
        return self.current != self.base

    @property
    def field_label(self) -> str:
        if self.field.startswith("montant:"):
            return "montant d'engagement"
        kind, _, day = self.field.partition(":")
        if kind in ("valeur", "observation") and day:
            return f"{kind} du {day[8:10]}/{day[5:7]}/{day[:4]}"
        return FIELD_LABELS.get(self.field, self.field)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


def _row(p: Proposition) -> PropositionRow:
    return PropositionRow(
        p.id, p.service_code, p.author, p.roadmap_slug, p.item_kind, p.item_ref, p.field,
        p.base_value, p.proposed_value, p.current_value, p.reason, p.status, p.motive,
        p.decided_by, p.received_at,
    )  # fmt: skip


async def _deciding_roadmaps(actor: Actor) -> set[str]:
    if actor.person_id is None:
        return set()
    rows = await Membership.filter(person_id=actor.person_id).values_list("roadmap__slug", "role")
    return {str(slug) for slug, role in rows if allowed(Role(role), Capability.EDIT)}


async def list_propositions(actor: Actor, *, pending_only: bool = False) -> list[PropositionRow]:
    """The proposals on the roadmaps where the actor may decide, by service then number."""
    slugs = await _deciding_roadmaps(actor)
    service = await home_service(actor)
    mine = Q(roadmap_slug__in=sorted(slugs))
    if service is not None:  # the draft avis its service may confirm
        mine |= Q(item_kind="avis", service_code=service.code)
    query = Proposition.filter(mine)
    if pending_only:
        query = query.filter(status="en_attente")
    rows = [_row(p) for p in await query]
    return sorted(rows, key=lambda r: (r.service, r.id))


def who(p: Proposition, actor: Actor) -> str:
    author = p.author or "auteur non précisé"
    return f"proposé par {p.service_code} ({author}), accepté par {actor.login}"


async def _own_service(actor: Actor, p: Proposition) -> bool:
    service = await home_service(actor)
    return service is not None and service.code == p.service_code


async def pending_proposition(actor: Actor, number: int) -> Proposition:
    p = await Proposition.get_or_none(id=number)
    if p is None:
        raise NotFound(f"proposition n° {number} introuvable", field="numéro")
    if p.item_kind == "avis" and await _own_service(actor, p):
        pass  # a draft avis: a member of its service confirms (or refuses) it
    else:
        await authorize(actor, p.roadmap_slug, Capability.EDIT)
    if p.status != "en_attente":
        by = f" par {p.decided_by}" if p.decided_by else ""
        raise ValidationError(
            f"proposition n° {number} déjà {STATUS_LABELS.get(p.status, p.status)}{by}",
            field="numéro",
        )
    return p


async def _close(p: Proposition, actor: Actor, status: str, motive: str = "") -> None:
    done = await Proposition.filter(id=p.id, status="en_attente").update(
        status=status, motive=motive, decided_by=actor.login, decided_at=now()
    )
    if not done:
        raise StaleVersion(f"proposition n° {p.id} décidée entre-temps par quelqu'un d'autre")


async def accept_proposition(actor: Actor, number: int) -> tuple[str, ...]:
    """Apply the proposed value through the use case a form calls; warnings it returns."""

    async def unit() -> tuple[str, ...]:
        p = await pending_proposition(actor, number)
        reason = who(p, actor)
        warnings: tuple[str, ...] = ()
        if p.item_kind == "action":
            action = await Action.get_or_none(roadmap__slug=p.roadmap_slug, ref=p.item_ref)
            if action is None:
                raise NotFound(f"action {p.item_ref} introuvable (supprimée depuis ?)")
            if p.field.startswith("montant:"):
                await act.set_engagement_amount(
                    actor, p.roadmap_slug, int(p.field.removeprefix("montant:")),
                    p.proposed_value, reason=reason,
                )  # fmt: skip
            elif p.field == "statut":
                await act.set_action_status(
                    actor, p.roadmap_slug, p.item_ref, action.version, p.proposed_value,
                    reason=reason,
                )  # fmt: skip
            else:
                start = p.proposed_value if p.field == "debut" else action.start_date
                end = p.proposed_value if p.field == "fin" else action.end_date
                outcome = await act.reroute_action(
                    actor, p.roadmap_slug, p.item_ref, action.version, start, end,
                    f"{p.reason} — {reason}" if p.reason else reason,
                    p.reason_kind or AdjustmentKind.CONTRAINTE.value, shift_dependents=False,
                )  # fmt: skip
                warnings = tuple(outcome.warnings)
        elif p.item_kind == "avis":
            if not await _own_service(actor, p):
                raise PermissionDenied(
                    f"un avis de {p.service_code} est confirmé par un membre de ce service"
                )
            draft = f"brouillon proposé par {p.service_code} ({p.author or 'auteur non précisé'}"
            comment = f"{p.reason} ({draft}), confirmé par {actor.login})".strip()
            await avis_decisions.give_avis(actor, p.item_ref, p.proposed_value, comment)
        elif p.item_kind == "personne":
            await reference.create_person(
                actor,
                reference.PersonInput(p.item_ref, p.proposed_value, p.reason, p.service_code),
            )
        elif p.item_kind == "indicateur":
            note = f"{p.reason}\n({reason})" if p.reason else f"({reason})"
            await obs.add_indicator_value(
                actor, p.roadmap_slug, p.item_ref, p.field.removeprefix("valeur:"),
                p.proposed_value, note,
            )  # fmt: skip
        elif p.item_kind == "qualitatif":
            source = f"{p.reason} — {p.service_code}" if p.reason else p.service_code
            await obs.add_record(
                actor, p.roadmap_slug, p.field.removeprefix("observation:"),
                f"{p.proposed_value}\n({reason})", source,
            )  # fmt: skip
        elif p.item_kind == "jalon" and p.field == "commentaire":
            await obs.add_comment(
                actor, p.roadmap_slug, f"{p.proposed_value}\n({reason})", about=p.item_ref
            )
        else:
            raise ValidationError(f"proposition n° {number} : champ « {p.field} » inconnu")
        await _close(p, actor, "acceptee")
        await journal(
            actor, roadmap=p.roadmap_slug, entity=p.item_kind, ref=p.item_ref,
            operation="proposition acceptée", field=p.field, old=p.base_value,
            new=p.proposed_value, reason=f"n° {p.id}, {reason}",
        )  # fmt: skip
        return warnings

    return await write_unit(unit)


async def refuse_proposition(actor: Actor, number: int, motive: str) -> None:
    """Refuse with a motive: kept, journaled, and shown in the service's next file."""
    why = v.reason(motive)

    async def unit() -> None:
        p = await pending_proposition(actor, number)
        await _close(p, actor, "refusee", why)
        await journal(
            actor, roadmap=p.roadmap_slug, entity=p.item_kind, ref=p.item_ref,
            operation="proposition refusée", field=p.field, old=p.base_value,
            new=p.proposed_value,
            reason=f"n° {p.id}, proposé par {p.service_code} ({p.author or 'auteur non précisé'}), "
            f"refusé par {actor.login} : {why}",
        )  # fmt: skip

    return await write_unit(unit)
