"""Read side of the instruction: dossier rows, the dossier view and the actor's rights."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from roadmap.domain.enums import (
    AvisValue,
    DecisionOutcome,
    DossierState,
    Pillar,
    ServiceKind,
)
from roadmap.domain.errors import NotFound
from roadmap.domain.instruction import (
    allowed_next,
)
from roadmap.domain.permissions import Capability, allowed
from roadmap.models import (
    Action,
    Avis,
    Campagne,
    Decision,
    Dossier,
    DossierInstructor,
    DossierQpv,
    FinancementLine,
    JournalEntry,
    Person,
    Service,
)
from roadmap.usecases.identity import Actor
from roadmap.usecases.instruction_common import (
    campagne_by_year,
    dossier_by_ref,
    home_service,
    instructor_ids,
    linked_slugs,
    roadmap_by_slug,
    roles_of,
)
from roadmap.usecases.instruction_rows import DossierRow, facts_and_rows

# --- queries -------------------------------------------------------------------------------


async def list_dossiers(
    *,
    campagne: int | str | None = None,
    roadmap: str | None = None,
    state: str | None = None,
    service: str | None = None,
    late: bool = False,
    axe: str | None = None,
    today: date | None = None,
    territoire: str | None = None,
) -> list[DossierRow]:
    """Dossiers for boards and tables. ``service``: those still waiting for its avis."""
    query = Dossier.all().order_by("ref")
    if campagne is not None and str(campagne).strip():
        query = query.filter(campagne_id=(await campagne_by_year(campagne, territoire)).id)
    elif territoire:
        query = query.filter(campagne__territoire__code=territoire.strip())
    if roadmap:
        query = query.filter(roadmap_id=(await roadmap_by_slug(roadmap, "feuille de route")).id)
    if state:
        query = query.filter(state=DossierState.parse(state.strip(), "état"))
    if axe:
        query = query.filter(axe__ref=axe.strip().upper())
    rows = await facts_and_rows(list(await query), today or date.today())
    if service:
        code = service.strip()
        if not await Service.exists(code=code):
            raise NotFound(f"service « {code} » inconnu", field="service")
        rows = [r for r in rows if code in r.missing_avis]
    if late:
        rows = [r for r in rows if r.late]
    return rows


@dataclass(frozen=True)
class PlanLineView:
    financeur: str
    financeur_name: str
    kind: ServiceKind
    asked: Decimal
    granted: Decimal | None
    version: int


@dataclass(frozen=True)
class AvisView:
    service: str
    value: AvisValue
    comment: str
    person: str
    given_at: Any
    current: bool


@dataclass(frozen=True)
class AvisColumn:
    """One instructing service: its current avis (or None) and its earlier ones."""

    service: str
    service_name: str
    current: AvisView | None
    history: list[AvisView]


@dataclass(frozen=True)
class DecisionView:
    outcome: DecisionOutcome
    motivation: str
    revision_reason: str
    decided_by: str
    decided_at: Any
    current: bool


@dataclass(frozen=True)
class HistoryEntry:
    at: Any
    actor: str
    entity: str
    operation: str
    field: str
    old: str
    new: str
    reason: str


@dataclass
class DossierDetail:
    row: DossierRow
    campagne_title: str
    summary: str
    action_title: str
    pillar: Pillar | None
    qpvs: list[tuple[str, str]]
    total_budget: Decimal
    state_reason: str
    next_states: list[DossierState]
    plan: list[PlanLineView]
    avis: list[AvisColumn]
    decisions: list[DecisionView]
    history: list[HistoryEntry] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # login → name, for the history

    @property
    def current_decision(self) -> DecisionView | None:
        return next((d for d in reversed(self.decisions) if d.current), None)


async def names_of(logins: set[str]) -> dict[str, str]:
    from roadmap.usecases.queries import names_of as lookup

    return await lookup(logins)


async def dossier_detail(ref: str, today: date | None = None) -> DossierDetail:
    """Everything the dossier view shows, except the private notes (see private_annotations)."""
    dossier = await dossier_by_ref(ref)
    (row,) = await facts_and_rows([dossier], today or date.today())
    campagne = await Campagne.get(id=dossier.campagne_id)  # type: ignore[attr-defined]
    action = await Action.get_or_none(id=dossier.action_id) if dossier.action_id else None  # type: ignore[attr-defined]
    qpvs = await DossierQpv.filter(dossier_id=dossier.id).values_list("qpv__code", "qpv__name")
    lines = await FinancementLine.filter(dossier_id=dossier.id).prefetch_related("financeur")
    plan = [
        PlanLineView(
            line.financeur.code,
            line.financeur.name,
            ServiceKind(line.financeur.kind),
            Decimal(line.asked),
            Decimal(line.granted) if line.granted is not None else None,
            line.version,
        )
        for line in sorted(lines, key=lambda x: x.financeur.code)
    ]
    people = dict(await Person.all().values_list("id", "name"))
    all_avis = await Avis.filter(dossier_id=dossier.id).prefetch_related("service")
    columns = []
    for instr in (
        await DossierInstructor.filter(dossier_id=dossier.id)
        .prefetch_related("service")
        .order_by("service__code")
    ):
        views = [
            AvisView(
                a.service.code,
                AvisValue(a.value),
                a.comment,
                str(people.get(a.person_id, "")),  # type: ignore[attr-defined]
                a.given_at,
                a.current,
            )
            for a in all_avis
            if a.service_id == instr.service_id  # type: ignore[attr-defined]
        ]
        current = next((x for x in views if x.current), None)
        columns.append(
            AvisColumn(
                instr.service.code,
                instr.service.name,
                current,
                [x for x in views if not x.current],
            )
        )
    decisions = [
        DecisionView(
            DecisionOutcome(d.outcome),
            d.motivation,
            d.revision_reason,
            d.decided_by,
            d.decided_at,
            d.current,
        )
        for d in await Decision.filter(dossier_id=dossier.id).order_by("decided_at", "id")
    ]
    history = [
        HistoryEntry(
            e.at, e.actor, e.entity, e.operation, e.field, e.old_value, e.new_value, e.reason
        )
        for e in await JournalEntry.filter(entity_ref=dossier.ref).order_by("id")
        # only the instruction entities: an action could share nothing but be safe anyway
        if e.entity in ("dossier", "avis", "décision", "financement", "note privée")
    ]
    state = DossierState(dossier.state)
    manual = [
        s for s in allowed_next(state) if s not in (DossierState.AVIS_RENDUS, DossierState.DECIDE)
    ]
    return DossierDetail(
        row=row,
        campagne_title=campagne.title,
        summary=dossier.summary,
        action_title=action.title if action else "",
        pillar=Pillar(dossier.pillar) if dossier.pillar else None,
        qpvs=[(str(c), str(n)) for c, n in qpvs],
        total_budget=Decimal(dossier.total_budget),
        state_reason=dossier.state_reason,
        next_states=manual,
        plan=plan,
        avis=columns,
        decisions=decisions,
        history=history,
        names=await names_of({e.actor for e in history} | {d.decided_by for d in decisions}),
    )


@dataclass(frozen=True)
class InstructionRights:
    """What the actor may do on a dossier: the screen enables its buttons from this."""

    edit: bool  # edit, move the state, decide
    give_avis: bool
    read_notes: bool
    service: str  # the actor's home service code, "" if none


async def rights_on(actor: Actor, ref: str) -> InstructionRights:
    dossier = await dossier_by_ref(ref)
    slugs = await linked_slugs(dossier)
    roles = await roles_of(actor, slugs)
    service = await home_service(actor)
    instructs = service is not None and service.id in await instructor_ids(dossier.id)
    return InstructionRights(
        edit=any(allowed(roles.get(s), Capability.EDIT) for s in slugs),
        give_avis=instructs and any(allowed(roles.get(s), Capability.GIVE_AVIS) for s in slugs),
        read_notes=instructs,
        service=service.code if service else "",
    )


async def home_service_code(actor: Actor) -> str:
    """The actor's home service code ("" if none): the « my service » filter of the board."""
    service = await home_service(actor)
    return service.code if service else ""
