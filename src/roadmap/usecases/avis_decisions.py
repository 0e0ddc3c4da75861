"""Avis of the instructing services and decisions on a dossier (with revisions)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from roadmap.domain import validation as v
from roadmap.domain.enums import (
    AvisValue,
    DecisionOutcome,
    DossierState,
)
from roadmap.domain.errors import PermissionDenied, StaleVersion, ValidationError
from roadmap.domain.instruction import (
    AVIS_STATES,
    REVISABLE_STATES,
    avis_refusal,
    check_avis,
    check_decision,
    check_transition,
    decision_refusal,
)
from roadmap.domain.permissions import Capability, allowed, require
from roadmap.models import (
    Avis,
    Decision,
    Dossier,
    FinancementLine,
    Service,
)
from roadmap.usecases.admin import require_known
from roadmap.usecases.base import (
    journal,
    now,
    require_version,
    update_versioned,
    write_unit,
)
from roadmap.usecases.dossier_states import current_decision_of, sync_avis_state
from roadmap.usecases.identity import Actor
from roadmap.usecases.instruction_common import (
    authorize_dossier,
    dossier_by_ref,
    home_service,
    instructor_ids,
    linked_slugs,
    roles_of,
)

# --- avis ----------------------------------------------------------------------------------


async def avis_checks(actor: Actor, dossier: Dossier) -> Service:
    """What giving an avis asks, in order: the dossier's state (« not now », with the next
    step), then a member of an instructing service holding a role that may give one."""
    require_known(actor, "donner un avis")
    state = DossierState(dossier.state)
    if state not in AVIS_STATES:
        raise ValidationError(avis_refusal(state), field="état")
    service = await home_service(actor)
    instructors = await instructor_ids(dossier.id)
    if service is None or service.id not in instructors:
        mine = f"votre service ({service.code})" if service else "vous n'avez pas de service"
        raise PermissionDenied(
            f"{mine} n'instruit pas {dossier.ref} : seuls les services instructeurs "
            f"({', '.join(sorted(instructors.values())) or 'aucun'}) donnent un avis ; un "
            "membre du trinôme peut ajouter votre service aux instructeurs"
        )
    slugs = await linked_slugs(dossier)
    if not slugs:
        raise PermissionDenied(f"{dossier.ref} n'est rattaché à aucune feuille de route")
    roles = await roles_of(actor, slugs)
    if not any(allowed(roles.get(s), Capability.GIVE_AVIS) for s in slugs):
        require(roles.get(slugs[0]), Capability.GIVE_AVIS, roadmap=slugs[0])
    return service


async def give_avis(
    actor: Actor, ref: str, value: str, comment: str = "", *, seen: int | None = None
) -> Avis:
    """Give or change the avis of the actor's service; the previous one stays in history.

    ``seen``: how many avis the service had given on the dossier when the form opened; if a
    colleague gave one since, nothing is written (``StaleVersion``), as for a versioned row.
    """
    require_known(actor, "donner un avis")
    avis_value = AvisValue.parse(value, "avis")
    text = check_avis(avis_value, comment)  # type: ignore[arg-type]

    async def unit() -> Avis:
        dossier = await dossier_by_ref(ref, lock=True)
        service = await avis_checks(actor, dossier)
        if seen is not None:
            given = await Avis.filter(dossier_id=dossier.id, service_id=service.id).count()
            if given != seen:
                raise StaleVersion(
                    f"l'avis de {service.code} sur {dossier.ref} a été donné entre-temps par "
                    "quelqu'un d'autre de votre service : rien n'a été écrasé"
                )
        slugs = await linked_slugs(dossier)
        previous = await Avis.filter(
            dossier_id=dossier.id, service_id=service.id, current=True
        ).first()
        if previous is not None:
            await Avis.filter(dossier_id=dossier.id, service_id=service.id, current=True).update(
                current=False
            )
        avis = await Avis.create(
            dossier_id=dossier.id,
            service=service,
            person_id=actor.person_id,
            value=avis_value,
            comment=text,
            given_at=now(),
            current=True,
        )
        await journal(
            actor,
            roadmap=slugs[0],
            entity="avis",
            ref=dossier.ref,
            operation="avis" if previous is None else "changement d'avis",
            field=f"avis {service.code}",
            old=previous.value if previous else None,
            new=avis_value,
            reason=text,
        )
        await sync_avis_state(actor, dossier.id, slugs[0])
        return avis

    return await write_unit(unit)


# --- decisions -----------------------------------------------------------------------------


async def decision_checks(dossier: Dossier, *, revising: bool | None) -> None:
    """Whether the dossier's state allows a decision (``revising``: True a revision, False a
    first decision, None either); the refusal names the next possible step."""
    current = DossierState(dossier.state)
    if revising is not False and current in REVISABLE_STATES:
        return
    if revising:
        raise ValidationError(
            f"seule une décision prise (décidé ou notifié) se révise ; état : « {current.label} »",
            field="état",
        )
    if current is DossierState.EN_INSTRUCTION:
        instructors = await instructor_ids(dossier.id)
        given = set(
            await Avis.filter(dossier_id=dossier.id, current=True).values_list(
                "service_id", flat=True
            )
        )
        missing = sorted(c for i, c in instructors.items() if i not in given)
        raise ValidationError(f"la décision attend l'avis de : {', '.join(missing)}", field="état")
    if decision_refusal(current):
        raise ValidationError(decision_refusal(current), field="état")
    check_transition(current, DossierState.DECIDE)


def _clean_granted(granted: Mapping[str, Any] | None) -> dict[str, Decimal] | None:
    if granted is None:
        return None
    result: dict[str, Decimal] = {}
    for code, raw in granted.items():
        amount = v.amount(raw, f"montant accordé par {code}", required=False)
        if amount is not None:
            result[code.strip()] = amount
    return result


async def _apply_decision(
    actor: Actor,
    dossier: Dossier,
    slug: str,
    outcome: DecisionOutcome,
    motivation: str,
    granted: dict[str, Decimal] | None,
    confirm_over_asked: bool,
    revision_reason: str = "",
) -> Decision:
    lines = await FinancementLine.filter(dossier_id=dossier.id).prefetch_related("financeur")
    asked = {line.financeur.code: Decimal(line.asked) for line in lines}
    amounts = check_decision(
        outcome, motivation, asked, granted, confirm_over_asked=confirm_over_asked
    )
    decision = await Decision.create(
        dossier_id=dossier.id,
        outcome=outcome,
        motivation=motivation.strip(),
        revision_reason=revision_reason,
        decided_by=actor.login,
        decided_at=now(),
        current=True,
    )
    for line in lines:
        new = amounts[line.financeur.code]
        old = Decimal(line.granted) if line.granted is not None else None
        if old == new:
            continue
        await update_versioned(FinancementLine, line.id, line.version, actor, {"granted": new})
        await journal(
            actor,
            roadmap=slug,
            entity="financement",
            ref=dossier.ref,
            operation="montant accordé",
            field=f"accordé {line.financeur.code}",
            old=old,
            new=new,
            reason=revision_reason,
        )
    return decision


async def decide(
    actor: Actor,
    ref: str,
    version: int,
    outcome: str,
    motivation: str = "",
    granted: Mapping[str, Any] | None = None,
    *,
    confirm_over_asked: bool = False,
) -> int:
    """Record the decision once every avis is in; ``granted`` per financeur code."""
    result = DecisionOutcome.parse(outcome, "issue")
    amounts = _clean_granted(granted)
    return await _record_decision(
        actor, ref, version, result, motivation, amounts, confirm_over_asked, revision=None
    )


async def revise_decision(
    actor: Actor,
    ref: str,
    version: int,
    outcome: str,
    motivation: str,
    reason: str,
    granted: Mapping[str, Any] | None = None,
    *,
    confirm_over_asked: bool = False,
) -> int:
    """Replace the decision, with a reason; the old one stays (current=False) and both are in
    the journal. A notified decision goes back to « décidé »: the porteur must be told again."""
    result = DecisionOutcome.parse(outcome, "issue")
    why = v.reason(reason, "motif de la révision")
    amounts = _clean_granted(granted)
    return await _record_decision(
        actor, ref, version, result, motivation, amounts, confirm_over_asked, revision=why
    )


async def _record_decision(
    actor: Actor,
    ref: str,
    version: int,
    result: DecisionOutcome,
    motivation: str,
    amounts: dict[str, Decimal] | None,
    confirm_over_asked: bool,
    *,
    revision: str | None,
) -> int:
    """A first decision (``revision`` None) or a revision with its reason: one unit, the
    dossier « décidé », the amounts applied, the journal naming what it replaced."""
    revising = revision is not None
    why = revision or ""

    async def unit() -> int:
        dossier = await dossier_by_ref(ref)
        slug = await authorize_dossier(actor, dossier, Capability.EDIT)
        require_version(dossier, version)
        current = DossierState(dossier.state)
        await decision_checks(dossier, revising=revising)
        old = await current_decision_of(dossier.id) if revising else None
        new_version = await update_versioned(
            Dossier, dossier.id, version, actor, {"state": DossierState.DECIDE}
        )
        if old is not None:
            await Decision.filter(id=old.id).update(current=False)
        await _apply_decision(
            actor, dossier, slug, result, motivation, amounts, confirm_over_asked,
            revision_reason=why,
        )  # fmt: skip
        entry = {"roadmap": slug, "entity": "décision", "ref": dossier.ref}
        if not revising:
            await journal(actor, **entry, operation="décision", field="issue", new=result,
                          reason=motivation.strip())  # fmt: skip
        else:
            await journal(actor, **entry, operation="révision", field="issue",
                          old=old.outcome if old else None, new=result, reason=why)  # fmt: skip
            await journal(actor, **entry, operation="révision", field="motivation",
                          old=old.motivation if old else None, new=motivation.strip(),
                          reason=why)  # fmt: skip
        if current is not DossierState.DECIDE:  # a first decision always comes from elsewhere
            await journal(
                actor, roadmap=slug, entity="dossier", ref=dossier.ref, operation="état",
                field="état", old=current, new=DossierState.DECIDE,
                reason="décision révisée : à notifier de nouveau" if revising else "",
            )  # fmt: skip
        return new_version

    return await write_unit(unit)
