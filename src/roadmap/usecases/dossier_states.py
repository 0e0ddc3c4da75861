"""The workflow of a dossier: manual moves and the automatic « avis rendus » step."""

from __future__ import annotations

from typing import Any

from roadmap.domain.enums import (
    DecisionOutcome,
    DossierState,
)
from roadmap.domain.errors import ValidationError
from roadmap.domain.instruction import (
    avis_state,
    check_bilan,
    check_manual_transition,
)
from roadmap.domain.permissions import Capability
from roadmap.models import (
    Avis,
    Decision,
    Dossier,
)
from roadmap.usecases.base import (
    journal,
    require_version,
    update_versioned,
    write_unit,
)
from roadmap.usecases.identity import Actor
from roadmap.usecases.instruction_common import authorize_dossier, dossier_by_ref, instructor_ids

# --- states ------------------------------------------------------------------------------


async def current_decision_of(dossier_id: int) -> Decision | None:
    return await Decision.filter(dossier_id=dossier_id, current=True).order_by("-id").first()


async def transition(actor: Actor, ref: str, version: int, target: str, reason: str = "") -> int:
    """Move a dossier along the workflow (recevable, irrecevable, en instruction, notifié,
    bilan reçu); a move outside the graph is refused with the allowed next states."""
    new_state = DossierState.parse(target, "état")

    async def unit() -> int:
        dossier = await dossier_by_ref(ref)
        slug = await authorize_dossier(actor, dossier, Capability.EDIT)
        require_version(dossier, version)
        current = DossierState(dossier.state)
        why = check_manual_transition(current, new_state, reason)  # type: ignore[arg-type]
        if new_state is DossierState.EN_INSTRUCTION and not await instructor_ids(dossier.id):
            raise ValidationError(
                "aucun service instructeur : ajoutez-en avant l'instruction",
                field="services instructeurs",
            )
        if new_state is DossierState.BILAN_RECU:
            decision = await current_decision_of(dossier.id)
            check_bilan(DecisionOutcome(decision.outcome) if decision else None)
        extra = {"state_reason": why} if why else {}
        return await _move_state(actor, dossier, version, slug, new_state, why, **extra)

    return await write_unit(unit)


async def sync_avis_state(actor: Actor, dossier_id: int, slug: str) -> int | None:
    """Apply the automatic move to (or back from) ``avis_rendus``; return the new version."""
    dossier = await Dossier.get(id=dossier_id)
    instructors = set(await instructor_ids(dossier_id))
    with_avis = set(
        await Avis.filter(dossier_id=dossier_id, current=True).values_list("service_id", flat=True)
    )
    current = DossierState(dossier.state)
    target = avis_state(current, instructors, with_avis)
    if target is current:
        return None
    reason = (
        "automatique : tous les services instructeurs ont rendu leur avis"
        if target is DossierState.AVIS_RENDUS
        else "automatique : un service instructeur n'a pas encore rendu son avis"
    )
    return await _move_state(actor, dossier, dossier.version, slug, target, reason)


async def _move_state(
    actor: Actor,
    dossier: Dossier,
    version: int,
    slug: str,
    new_state: DossierState,
    reason: str,
    **extra: Any,
) -> int:
    """Change a dossier's state (version-checked) and journal the move."""
    new_version = await update_versioned(
        Dossier, dossier.id, version, actor, {"state": new_state, **extra}
    )
    await journal(
        actor,
        roadmap=slug,
        entity="dossier",
        ref=dossier.ref,
        operation="état",
        field="état",
        old=DossierState(dossier.state),
        new=new_state,
        reason=reason,
    )
    return new_version


async def declare_recevable(actor: Actor, ref: str, version: int) -> int:
    return await transition(actor, ref, version, DossierState.RECEVABLE)


async def declare_irrecevable(actor: Actor, ref: str, version: int, reason: str) -> int:
    return await transition(actor, ref, version, DossierState.IRRECEVABLE, reason)


async def start_instruction(actor: Actor, ref: str, version: int) -> int:
    return await transition(actor, ref, version, DossierState.EN_INSTRUCTION)


async def notify(actor: Actor, ref: str, version: int) -> int:
    return await transition(actor, ref, version, DossierState.NOTIFIE)


async def record_bilan(actor: Actor, ref: str, version: int, note: str = "") -> int:
    return await transition(actor, ref, version, DossierState.BILAN_RECU, note)
