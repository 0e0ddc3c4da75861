"""May this person do this, now? Asked before a form opens, answered by the use cases' own
checks run without writing (the use case runs them again when saving).

Each function returns when the act is possible and raises otherwise: ``PermissionDenied``
means « not you » (the form opens read-only with the reason), any other refusal means « not
now » (the form does not open; the message names the next possible step).
"""

from __future__ import annotations

from roadmap.domain.enums import DossierState
from roadmap.domain.errors import ValidationError
from roadmap.domain.instruction import allowed_next
from roadmap.domain.permissions import Capability
from roadmap.usecases.admin import require_known
from roadmap.usecases.annotations import require_instructing_member
from roadmap.usecases.avis_decisions import avis_checks, decision_checks
from roadmap.usecases.base import authorize
from roadmap.usecases.identity import Actor
from roadmap.usecases.instruction_common import authorize_dossier, dossier_by_ref
from roadmap.usecases.propositions import pending_proposition
from roadmap.usecases.roadmaps import removal_checks, require_may_create_roadmap


async def check_capability(actor: Actor, slug: str, capability: Capability) -> None:
    """The roadmap-wide right every simple use case checks first (``base.authorize``)."""
    await authorize(actor, slug, capability)


async def check_avis(actor: Actor, ref: str) -> None:

    await avis_checks(actor, await dossier_by_ref(ref))


async def check_decision(actor: Actor, ref: str) -> None:
    """A first decision or a revision (the form offers whichever the state allows)."""

    dossier = await dossier_by_ref(ref)
    await authorize_dossier(actor, dossier, Capability.EDIT)
    await decision_checks(dossier, revising=None)


async def check_transition(actor: Actor, ref: str) -> None:
    """A state the user may ask for exists (the automatic ones follow the avis)."""

    dossier = await dossier_by_ref(ref)
    await authorize_dossier(actor, dossier, Capability.EDIT)
    state = DossierState(dossier.state)
    automatic = (DossierState.AVIS_RENDUS, DossierState.DECIDE)
    if any(s not in automatic for s in allowed_next(state)):
        return
    hint = {
        DossierState.EN_INSTRUCTION: "il passera en « Avis rendus » avec le dernier avis",
        DossierState.AVIS_RENDUS: "enregistrez la décision (touche d)",
    }.get(state, "c'est un état final")
    raise ValidationError(f"{dossier.ref} est « {state.label} » : {hint}", field="état")


async def check_note(actor: Actor, ref: str) -> None:

    require_known(actor, "ajouter une note privée")
    await require_instructing_member(actor, await dossier_by_ref(ref))


async def check_member_removal(actor: Actor, slug: str, login: str) -> None:

    await removal_checks(actor, slug, login)


async def check_proposition(actor: Actor, number: int) -> None:
    """Still pending, and the actor may decide it."""

    await pending_proposition(actor, number)


async def check_roadmap_creation(actor: Actor) -> None:

    await require_may_create_roadmap(actor)
