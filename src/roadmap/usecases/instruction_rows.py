"""Dossier rows with their alerts, batch-loaded: the boards' tables, ``roadmap check``
and the dashboard (apart from the dossier view and rights of instruction_queries, so that
``check`` imports only this)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from roadmap.domain.enums import DecisionOutcome, DossierState, ServiceKind
from roadmap.models import (
    Action,
    Avis,
    Axe,
    Campagne,
    Decision,
    Dossier,
    DossierInstructor,
    Engagement,
    FinancementLine,
    Roadmap,
)

if TYPE_CHECKING:
    from roadmap.domain.instruction import InstructionAlert


@dataclass(frozen=True)
class DossierRow:
    ref: str
    version: int
    campagne: int
    porteur: str
    title: str
    state: DossierState
    roadmap: str
    axe: str  # ref, "" when none
    axe_title: str
    action: str
    asked: Decimal
    granted: Decimal | None
    avis_deadline: date | None
    instructors: tuple[str, ...]
    missing_avis: tuple[str, ...]
    outcome: DecisionOutcome | None
    late: bool
    alerts: tuple[InstructionAlert, ...]


async def facts_and_rows(dossiers: list[Dossier], today: date) -> list[DossierRow]:
    """Batch-load what rows and alerts need: a handful of queries whatever the count."""
    if not dossiers:
        return []
    # the instruction's rules load with the first dossier (2 ms: not for a roadmap without)
    from roadmap.domain.instruction import (
        AVIS_STATES,
        ZERO,
        DossierFacts,
        FinancementFact,
        dossier_alerts,
    )

    ids = [d.id for d in dossiers]
    campagnes = {c.id: c for c in await Campagne.filter(id__in={d.campagne_id for d in dossiers})}  # type: ignore[attr-defined]
    slugs = dict(await Roadmap.all().values_list("id", "slug"))
    axes = {
        a.id: a
        for a in await Axe.filter(id__in=[d.axe_id for d in dossiers if d.axe_id])  # type: ignore[attr-defined]
    }
    action_refs = dict(
        await Action.filter(id__in=[d.action_id for d in dossiers if d.action_id]).values_list(  # type: ignore[attr-defined]
            "id", "ref"
        )
    )
    lines: dict[int, list[FinancementFact]] = {i: [] for i in ids}
    for dossier_id, code, kind, asked, granted in await FinancementLine.filter(
        dossier_id__in=ids
    ).values_list("dossier_id", "financeur__code", "financeur__kind", "asked", "granted"):
        lines[dossier_id].append(
            FinancementFact(
                str(code),
                ServiceKind(kind),
                Decimal(asked),
                Decimal(granted) if granted is not None else None,
            )
        )
    instructors: dict[int, list[tuple[int, str]]] = {i: [] for i in ids}
    for dossier_id, service_id, code in await DossierInstructor.filter(
        dossier_id__in=ids
    ).values_list("dossier_id", "service_id", "service__code"):
        instructors[dossier_id].append((service_id, str(code)))
    given: set[tuple[int, int]] = set(
        await Avis.filter(dossier_id__in=ids, current=True).values_list("dossier_id", "service_id")
    )
    outcomes = dict(
        await Decision.filter(dossier_id__in=ids, current=True).values_list("dossier_id", "outcome")
    )
    action_ids = [d.action_id for d in dossiers if d.action_id]  # type: ignore[attr-defined]
    dc_engagements: dict[int, int] = {}
    for action_id in await (
        Engagement.filter(action_id__in=action_ids)
        .exclude(service__kind=ServiceKind.POLITIQUE_DE_LA_VILLE)
        .values_list("action_id", flat=True)
    ):
        dc_engagements[action_id] = dc_engagements.get(action_id, 0) + 1
    rows = []
    for d in dossiers:
        campagne = campagnes[d.campagne_id]  # type: ignore[attr-defined]
        missing = tuple(sorted(c for i, c in instructors[d.id] if (d.id, i) not in given))
        facts = DossierFacts(
            ref=d.ref,
            title=d.title,
            roadmap=str(slugs.get(d.roadmap_id, "")),  # type: ignore[attr-defined]
            state=DossierState(d.state),
            avis_deadline=d.avis_deadline,
            campagne_closes_on=campagne.closes_on,
            financements=tuple(lines[d.id]),
            missing_avis=missing,
            dc_engagements=dc_engagements.get(d.action_id, 0),  # type: ignore[attr-defined]
        )
        alerts = tuple(dossier_alerts(facts, today))
        granted_values = [f.granted for f in facts.financements if f.granted is not None]
        axe = axes.get(d.axe_id)  # type: ignore[attr-defined]
        rows.append(
            DossierRow(
                ref=d.ref,
                version=d.version,
                campagne=campagne.year,
                porteur=d.porteur,
                title=d.title,
                state=DossierState(d.state),
                roadmap=facts.roadmap,
                axe=axe.ref if axe else "",
                axe_title=axe.title if axe else "",
                action=str(action_refs.get(d.action_id, "")),  # type: ignore[attr-defined]
                asked=sum((f.asked for f in facts.financements), ZERO),
                granted=sum(granted_values, ZERO) if granted_values else None,
                avis_deadline=d.avis_deadline,
                instructors=tuple(sorted(c for _, c in instructors[d.id])),
                missing_avis=missing if facts.state in AVIS_STATES else (),
                outcome=DecisionOutcome(outcomes[d.id]) if d.id in outcomes else None,
                late=any(a.code in ("avis-en-retard", "non-decide-apres-cloture") for a in alerts),
                alerts=alerts,
            )
        )
    return rows
