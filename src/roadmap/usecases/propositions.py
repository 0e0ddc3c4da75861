"""Deciding on what services proposed through their file: accept (through the same use
cases as a form, with both names in the journal) or refuse with a motive (issue 17)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tortoise.expressions import Q

from roadmap.domain import validation as v
from roadmap.domain.enums import Role
from roadmap.domain.errors import NotFound, StaleVersion, ValidationError
from roadmap.domain.permissions import Capability, allowed
from roadmap.domain.proposals import (
    ADD_ENGAGEMENT,
    AMOUNT,
    REMOVE_ENGAGEMENT,
    engagement_id,
    engagement_of,
    engagement_words,
    is_date_move,
)
from roadmap.models import Action, Engagement, Membership, Proposition
from roadmap.usecases.base import authorize, journal, now, write_unit
from roadmap.usecases.identity import Actor
from roadmap.usecases.instruction_common import home_service
from roadmap.usecases.proposition_apply import Accepted, apply_proposition

STATUS_LABELS = {"en_attente": "en attente", "acceptee": "acceptée", "refusee": "refusée"}
FIELD_LABELS = {
    "statut": "statut",
    "debut": "début",
    "fin": "fin",
    "commentaire": "commentaire",
    "responsable": "responsable",
    "contact": "nouveau contact",
    "nom": "nom du contact",
    "courriel": "courriel du contact",
    ADD_ENGAGEMENT: "ajout d'engagement",
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
    engagement: str = ""  # nature, period, description of the commitment it is about

    @property
    def conflict(self) -> bool:
        return self.current != self.base

    @property
    def field_label(self) -> str:
        return field_words(self.field, self.engagement)

    @property
    def date_move(self) -> bool:
        return is_date_move(self.kind, self.field)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


def field_words(field: str, engagement: str = "") -> str:
    """A proposed field as the trinôme and the service read it (no stored row number)."""
    if field.startswith(AMOUNT):
        return f"montant de l'engagement {engagement}" if engagement else "montant d'engagement"
    if field.startswith(REMOVE_ENGAGEMENT):
        return f"retrait de l'engagement {engagement}" if engagement else "retrait d'engagement"
    if field == ADD_ENGAGEMENT and engagement:
        return f"ajout de l'engagement {engagement}"
    kind, _, day = field.partition(":")
    if kind in ("valeur", "observation") and day:
        return f"{kind} du {day[8:10]}/{day[5:7]}/{day[:4]}"
    return FIELD_LABELS.get(field, field)


def _row(p: Proposition, stored: dict[int, str] | None = None) -> PropositionRow:
    row_id = engagement_id(p.field)
    words = engagement_words(engagement_of(p.field, p.base_value, p.proposed_value))
    if not words and row_id is not None:
        words = (stored or {}).get(row_id, "")
    return PropositionRow(
        p.id, p.service_code, p.author, p.roadmap_slug, p.item_kind, p.item_ref, p.field,
        p.base_value, p.proposed_value, p.current_value, p.reason, p.status, p.motive,
        p.decided_by, p.received_at, words,
    )  # fmt: skip


async def engagement_names(props: list[Proposition]) -> dict[int, str]:
    """The nature, period and description of the stored commitments ``props`` name."""
    ids = {i for p in props if (i := engagement_id(p.field)) is not None}
    if not ids:
        return {}
    rows = await Engagement.filter(id__in=sorted(ids)).values_list(
        "id", "kind", "period_start", "period_end", "description"
    )
    return {
        int(i): engagement_words({"nature": k, "debut": s, "fin": e, "description": d})
        for i, k, s, e, d in rows
    }


async def deciding_roadmaps(actor: Actor) -> set[str]:
    """The roadmaps where the actor may decide on (and receive) proposals."""
    if actor.person_id is None:
        return set()
    rows = await Membership.filter(person_id=actor.person_id).values_list("roadmap__slug", "role")
    return {str(slug) for slug, role in rows if allowed(Role(role), Capability.EDIT)}


async def list_propositions(actor: Actor, *, pending_only: bool = False) -> list[PropositionRow]:
    """The proposals on the roadmaps where the actor may decide, by service then number."""
    slugs = await deciding_roadmaps(actor)
    service = await home_service(actor)
    mine = Q(roadmap_slug__in=sorted(slugs))
    if service is not None:  # the draft avis its service may confirm
        mine |= Q(item_kind="avis", service_code=service.code)
    query = Proposition.filter(mine)
    if pending_only:
        query = query.filter(status="en_attente")
    found = await query
    stored = await engagement_names(found)
    rows = [_row(p, stored) for p in found]
    return sorted(rows, key=lambda r: (r.service, r.id))


@dataclass(frozen=True)
class DateMove:
    """A proposed date as the action's new span, to preview what it moves before accepting."""

    ref: str
    start: date | None
    end: date | None
    new_start: date | None
    new_end: date | None


async def date_move(row: PropositionRow) -> DateMove | None:
    """The action's dates now and once the proposed date is accepted (None: not a date)."""
    if not row.date_move:
        return None
    action = await Action.get_or_none(roadmap__slug=row.roadmap, ref=row.ref)
    if action is None:
        return None
    proposed = date.fromisoformat(row.proposed)
    start, end = action.start_date, action.end_date
    return DateMove(
        row.ref, start, end,
        proposed if row.field == "debut" else start, proposed if row.field == "fin" else end,
    )  # fmt: skip


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


async def accept_proposition(
    actor: Actor, number: int, *, shift_dependents: bool | None = None
) -> Accepted:
    """Apply the proposed value through the use case a form calls.

    For a moved date, ``shift_dependents`` is the form's choice: shift the dependents
    (each with its adjustment pointing at the cause) or keep their dates (warnings)."""

    async def unit() -> Accepted:
        p = await pending_proposition(actor, number)
        reason = who(p, actor)
        accepted = await apply_proposition(actor, p, reason, shift_dependents=shift_dependents)
        await _close(p, actor, "acceptee")
        await journal(
            actor, roadmap=p.roadmap_slug, entity=p.item_kind, ref=p.item_ref,
            operation="proposition acceptée", field=p.field, old=p.base_value,
            new=p.proposed_value, reason=f"n° {p.id}, {reason}",
        )  # fmt: skip
        return accepted

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
