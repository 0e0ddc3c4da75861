"""Applying one accepted proposal through the use case a form calls (issue 17).

Each kind of proposed value goes to the door the trinôme would use by hand: a date to
``reroute_action`` (with the same choice as the form: shift the dependents or keep their
dates), the responsable to ``edit_action``, a commitment to the engagement use cases, a
contact person to the reference-data use cases. ``reason`` names both people.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from roadmap.domain.enums import AdjustmentKind
from roadmap.domain.errors import NotFound, PermissionDenied, ValidationError
from roadmap.domain.proposals import (
    ADD_ENGAGEMENT,
    AMOUNT,
    CONTACT_FIELDS,
    DATE_FIELDS,
    REMOVE_ENGAGEMENT,
    parse_engagement,
)
from roadmap.models import Action, Proposition
from roadmap.usecases import actions as act
from roadmap.usecases import avis_decisions, reference
from roadmap.usecases import observations as obs
from roadmap.usecases.identity import Actor
from roadmap.usecases.instruction_common import home_service
from roadmap.usecases.itinerary import RerouteOutcome, Shifted


@dataclass(frozen=True)
class Accepted:
    """What accepting did beyond the value itself: dependents moved, conflicts kept."""

    shifted: tuple[Shifted, ...] = ()
    warnings: tuple[str, ...] = ()

    def lines(self, shown: int = 6) -> list[str]:
        """In the re-routing's own words (one wording for every door)."""
        from roadmap.usecases.reroute_text import outcome_lines

        return outcome_lines("", RerouteOutcome(0, self.shifted, self.warnings), shown)[1:]


async def _own_service(actor: Actor, code: str) -> bool:
    service = await home_service(actor)
    return service is not None and service.code == code


async def _action(p: Proposition) -> Action:
    action = await Action.get_or_none(roadmap__slug=p.roadmap_slug, ref=p.item_ref)
    if action is None:
        raise NotFound(f"action {p.item_ref} introuvable (supprimée depuis ?)")
    return action


async def _new_owner(actor: Actor, p: Proposition, reason: str) -> None:
    """The responsable through the action form's own use case, everything else as stored."""
    from roadmap.usecases.queries import action_detail

    detail = await action_detail(p.roadmap_slug, p.item_ref)
    row = detail.row
    stored = act.ActionInput(
        title=row.title, pilot_service=row.pilot_code, axe_ref=row.axe_ref or None,
        owner_login=row.owner_login or None, status=row.status.value,
        start_date=row.start_date, end_date=row.end_date, description=detail.description,
        pillar=detail.pillar, contributors=list(row.contributors), qpvs=list(detail.qpvs),
        depends_on=list(detail.depends_on),
    )  # fmt: skip
    await act.edit_action(
        actor, p.roadmap_slug, p.item_ref, row.version,
        replace(stored, owner_login=p.proposed_value or None), reason=reason,
    )  # fmt: skip


async def _on_action(
    actor: Actor, p: Proposition, reason: str, shift_dependents: bool | None
) -> Accepted:
    slug = p.roadmap_slug
    action = await _action(p)
    if p.field.startswith(AMOUNT):
        engagement_id = int(p.field.removeprefix(AMOUNT))
        await act.set_engagement_amount(actor, slug, engagement_id, p.proposed_value, reason=reason)
    elif p.field.startswith(REMOVE_ENGAGEMENT):
        engagement_id = int(p.field.removeprefix(REMOVE_ENGAGEMENT))
        await act.remove_engagement(actor, slug, engagement_id, reason=reason)
    elif p.field == ADD_ENGAGEMENT:
        e = parse_engagement(p.proposed_value)
        await act.add_engagement(
            actor, slug, p.item_ref,
            act.EngagementInput(p.service_code, e["nature"], e["montant"], e.get("debut"),
                                e.get("fin"), e.get("description", "")),
            reason=reason,
        )  # fmt: skip
    elif p.field == "statut":
        await act.set_action_status(
            actor, slug, p.item_ref, action.version, p.proposed_value, reason=reason
        )
    elif p.field == "responsable":
        await _new_owner(actor, p, reason)
    elif p.field in DATE_FIELDS:
        start = p.proposed_value if p.field == "debut" else action.start_date
        end = p.proposed_value if p.field == "fin" else action.end_date
        outcome = await act.reroute_action(
            actor, slug, p.item_ref, action.version, start, end,
            f"{p.reason} — {reason}" if p.reason else reason,
            p.reason_kind or AdjustmentKind.CONTRAINTE.value,
            shift_dependents=shift_dependents,
        )  # fmt: skip
        return Accepted(tuple(outcome.shifted), tuple(outcome.warnings))
    else:
        raise ValidationError(f"proposition n° {p.id} : champ « {p.field} » inconnu")
    return Accepted()


async def _on_person(actor: Actor, p: Proposition, reason: str) -> None:
    if p.field == "contact":  # a new contact person of the service
        await reference.create_person(
            actor, reference.PersonInput(p.item_ref, p.proposed_value, p.reason, p.service_code)
        )
        return
    if p.field not in CONTACT_FIELDS:
        raise ValidationError(f"proposition n° {p.id} : champ « {p.field} » inconnu")
    card = await reference.person_card(p.item_ref)
    values = {"name": card.name, "email": card.email}
    values[CONTACT_FIELDS[p.field]] = p.proposed_value
    await reference.edit_person(
        actor, p.item_ref, card.version, name=values["name"], email=values["email"],
        service_code=card.service_code or None, reason=reason,
    )  # fmt: skip


async def apply_proposition(
    actor: Actor, p: Proposition, reason: str, *, shift_dependents: bool | None = None
) -> Accepted:
    """Apply ``p`` as ``actor`` (inside the caller's write unit)."""
    if p.item_kind == "action":
        return await _on_action(actor, p, reason, shift_dependents)
    if p.item_kind == "avis":
        if not await _own_service(actor, p.service_code):
            raise PermissionDenied(
                f"un avis de {p.service_code} est confirmé par un membre de ce service"
            )
        draft = f"brouillon proposé par {p.service_code} ({p.author or 'auteur non précisé'}"
        comment = f"{p.reason} ({draft}), confirmé par {actor.login})".strip()
        await avis_decisions.give_avis(actor, p.item_ref, p.proposed_value, comment)
    elif p.item_kind == "personne":
        await _on_person(actor, p, reason)
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
        raise ValidationError(f"proposition n° {p.id} : champ « {p.field} » inconnu")
    return Accepted()
