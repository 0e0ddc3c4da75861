"""Instruction conjointe: AAP campaigns, dossiers, avis, decisions, private annotations.

Conventions of the other use cases: inputs validated first (French messages naming the
field), then one ``write_unit`` that checks permissions, writes and journals. Every
journal row about a dossier carries the dossier's reference as ``entity_ref`` so that the
history of a dossier is one query.

Private annotations are reachable only through ``private_annotations(actor, ref)``, which
needs an actor from an instructing service: no query here returns them otherwise, and the
journal records that a note was added, never its text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from roadmap.domain import validation as v
from roadmap.domain.enums import (
    AvisValue,
    DecisionOutcome,
    DossierState,
    Pillar,
    Role,
    ServiceKind,
)
from roadmap.domain.errors import NotFound, PermissionDenied, ValidationError
from roadmap.domain.instruction import (
    AVIS_STATES,
    EDITABLE_STATES,
    REVISABLE_STATES,
    ZERO,
    DossierFacts,
    FinancementFact,
    InstructionAlert,
    allowed_next,
    avis_state,
    check_avis,
    check_bilan,
    check_decision,
    check_manual_transition,
    check_transition,
    dossier_alerts,
)
from roadmap.domain.permissions import Capability, allowed, require
from roadmap.models import (
    Action,
    Annotation,
    Avis,
    Axe,
    Campagne,
    CampagneInstructor,
    CampagneRoadmap,
    Decision,
    Dossier,
    DossierInstructor,
    DossierQpv,
    Engagement,
    FinancementLine,
    JournalEntry,
    Membership,
    Person,
    Qpv,
    Roadmap,
    Service,
)
from roadmap.usecases.base import (
    authorize,
    journal,
    journal_changes,
    now,
    show,
    stale_error,
    update_versioned,
    write_unit,
)
from roadmap.usecases.check import Alert, Level
from roadmap.usecases.identity import Actor

MIN_YEAR, MAX_YEAR = 2000, 2100

# --- input validation (pure) -------------------------------------------------------------


def parse_year(value: int | str | None, field: str = "année") -> int:
    raw = str(value if value is not None else "").strip()
    if not raw.isdigit() or not MIN_YEAR <= int(raw) <= MAX_YEAR:
        raise ValidationError(
            f"« {raw} » n'est pas une année de campagne ({MIN_YEAR}-{MAX_YEAR})", field=field
        )
    return int(raw)


def _codes(values: Sequence[str] | None) -> list[str]:
    """Deduplicated, stripped codes in their given order."""
    seen: list[str] = []
    for raw in values or ():
        code = (raw or "").strip()
        if code and code not in seen:
            seen.append(code)
    return seen


@dataclass(frozen=True)
class CampagneInput:
    year: int | str
    opens_on: str | date
    closes_on: str | date
    roadmaps: Sequence[str]  # slugs of the roadmaps served
    title: str = ""
    axes: Sequence[str] = ()  # axe refs ("AX1"), or "slug/AX1" when several roadmaps
    instructors: Sequence[str] = ()  # service codes instructing by default


@dataclass(frozen=True)
class _CleanCampagne:
    year: int
    title: str
    opens_on: date
    closes_on: date
    roadmaps: list[str]
    axes: list[str]
    instructors: list[str]


def _clean_campagne(data: CampagneInput) -> _CleanCampagne:
    year = parse_year(data.year)
    title = v.text(data.title or f"AAP {year}", "titre")
    opens_on = v.parse_date(data.opens_on, "ouverture", required=True)
    closes_on = v.parse_date(data.closes_on, "clôture", required=True)
    assert opens_on and closes_on
    v.date_range(opens_on, closes_on, start_field="ouverture", end_field="clôture")
    roadmaps = _codes(data.roadmaps)
    if not roadmaps:
        raise ValidationError(
            "une campagne sert au moins une feuille de route", field="feuilles de route"
        )
    return _CleanCampagne(
        year, title, opens_on, closes_on, roadmaps, _codes(data.axes), _codes(data.instructors)
    )


@dataclass(frozen=True)
class FinancementInput:
    financeur: str  # service code
    asked: str | int | Decimal


@dataclass(frozen=True)
class DossierInput:
    porteur: str
    title: str
    summary: str = ""
    roadmap: str | None = None  # defaults to the campaign's roadmap when it serves only one
    action: str | None = None  # action ref in the roadmap
    axe: str | None = None  # axe ref; defaults to the action's axe
    qpvs: Sequence[str] = ()
    pillar: str | None = None
    total_budget: str | int | Decimal = 0
    instructors: Sequence[str] | None = None  # None: the campaign's default services
    avis_deadline: str | date | None = None


@dataclass(frozen=True)
class CleanDossier:
    porteur: str
    title: str
    summary: str
    roadmap: str | None
    action: str | None
    axe: str | None
    qpvs: list[str]
    pillar: Pillar | None
    total_budget: Decimal
    instructors: list[str] | None
    avis_deadline: date | None


def clean_dossier(data: DossierInput) -> CleanDossier:
    budget = v.amount(data.total_budget, "budget total", required=False) or ZERO
    return CleanDossier(
        porteur=v.text(data.porteur, "porteur"),
        title=v.text(data.title, "titre"),
        summary=v.text(data.summary, "résumé", max_length=4000, required=False),
        roadmap=(data.roadmap or "").strip() or None,
        action=(data.action or "").strip().upper() or None,
        axe=(data.axe or "").strip().upper() or None,
        qpvs=_codes(data.qpvs),
        pillar=Pillar.parse(data.pillar.strip(), "pilier") if data.pillar else None,  # type: ignore[assignment]
        total_budget=budget,
        instructors=None if data.instructors is None else _codes(data.instructors),
        avis_deadline=v.parse_date(data.avis_deadline, "date limite des avis"),
    )


def clean_financements(lines: Sequence[FinancementInput]) -> dict[str, Decimal]:
    result: dict[str, Decimal] = {}
    for line in lines:
        code = (line.financeur or "").strip()
        if not code:
            raise ValidationError("financeur manquant", field="plan de financement")
        if code in result:
            raise ValidationError(
                f"le financeur {code} apparaît deux fois", field="plan de financement"
            )
        amount = v.amount(line.asked, f"montant demandé à {code}")
        assert amount is not None
        result[code] = amount
    return result


def _check_budget(total_budget: Decimal, asked_total: Decimal) -> None:
    if total_budget and asked_total > total_budget:
        raise ValidationError(
            f"le budget total ({show(total_budget)} €) est inférieur aux montants demandés "
            f"({show(asked_total)} €)",
            field="budget total",
        )


# --- loading helpers ---------------------------------------------------------------------


async def campagne_by_year(year: int | str) -> Campagne:
    y = parse_year(year, "campagne")
    campagne = await Campagne.get_or_none(year=y)
    if campagne is None:
        raise NotFound(f"aucune campagne AAP {y}", field="campagne")
    return campagne


async def latest_campagne() -> Campagne | None:
    return await Campagne.all().order_by("-year").first()


async def dossier_by_ref(ref: str, *, lock: bool = False) -> Dossier:
    query = Dossier.filter(ref=(ref or "").strip().upper())
    if lock:
        query = query.select_for_update()  # serialises avis on PostgreSQL
    dossier = await query.first()
    if dossier is None:
        raise NotFound(f"dossier « {ref} » introuvable", field="dossier")
    return dossier


async def _roadmap(slug: str, field: str) -> Roadmap:
    roadmap = await Roadmap.get_or_none(slug=slug)
    if roadmap is None:
        raise NotFound(f"feuille de route « {slug} » introuvable", field=field)
    return roadmap


async def _campagne_slugs(campagne_id: int) -> list[str]:
    rows = await CampagneRoadmap.filter(campagne_id=campagne_id).values_list(
        "roadmap__slug", flat=True
    )
    return sorted({str(r) for r in rows})


async def _linked_slugs(dossier: Dossier) -> list[str]:
    """The dossier's roadmap first, then the other roadmaps of its campaign."""
    slugs = await _campagne_slugs(dossier.campagne_id)  # type: ignore[attr-defined]
    if dossier.roadmap_id:  # type: ignore[attr-defined]
        own = await Roadmap.get(id=dossier.roadmap_id).values_list("slug", flat=True)  # type: ignore[attr-defined]
        slugs = [str(own)] + [s for s in slugs if s != own]
    return slugs


async def _authorize_dossier(actor: Actor, dossier: Dossier, capability: Capability) -> str:
    """Check ``capability`` on a roadmap linked to the dossier; return the journal's slug."""
    slugs = await _linked_slugs(dossier)
    if not slugs:
        raise PermissionDenied("ce dossier n'est rattaché à aucune feuille de route")
    roles = await _roles(actor, slugs)
    for slug in slugs:
        if allowed(roles.get(slug), capability):
            return slugs[0]
    require(roles.get(slugs[0]), capability, roadmap=slugs[0])
    raise AssertionError("unreachable")


async def _roles(actor: Actor, slugs: Sequence[str]) -> dict[str, Role]:
    if actor.person_id is None:
        return {}
    rows = await Membership.filter(
        person_id=actor.person_id, roadmap__slug__in=list(slugs)
    ).values_list("roadmap__slug", "role")
    return {str(s): Role(r) for s, r in rows}


async def _instructor_ids(dossier_id: int) -> dict[int, str]:
    rows = await DossierInstructor.filter(dossier_id=dossier_id).values_list(
        "service_id", "service__code"
    )
    return {int(i): str(c) for i, c in rows}


async def _services(codes: Sequence[str], field: str) -> list[Service]:
    found = {s.code: s for s in await Service.filter(code__in=list(codes))}
    missing = [c for c in codes if c not in found]
    if missing:
        raise NotFound(f"service(s) inconnu(s) : {', '.join(missing)}", field=field)
    return [found[c] for c in codes]


async def _home_service(actor: Actor) -> Service | None:
    if actor.person_id is None:
        return None
    person = await Person.get_or_none(id=actor.person_id).prefetch_related("service")
    return person.service if person else None  # type: ignore[return-value]


# --- campaigns ---------------------------------------------------------------------------


async def _resolve_campagne_links(
    clean: _CleanCampagne,
) -> tuple[list[Roadmap], list[tuple[Roadmap, Axe | None]], list[Service]]:
    roadmaps = [await _roadmap(slug, "feuilles de route") for slug in clean.roadmaps]
    by_slug = {r.slug: r for r in roadmaps}
    links: list[tuple[Roadmap, Axe | None]] = []
    with_axes: set[str] = set()
    for raw in clean.axes:
        slug, _, ref = raw.rpartition("/")
        if not slug:
            if len(roadmaps) > 1:
                raise ValidationError(
                    f"axe « {raw} » : précisez la feuille de route (slug/{raw})", field="axes"
                )
            slug = roadmaps[0].slug
        roadmap = by_slug.get(slug)
        if roadmap is None:
            raise ValidationError(
                f"axe « {raw} » : {slug} n'est pas une feuille de route de la campagne",
                field="axes",
            )
        axe = await Axe.get_or_none(roadmap_id=roadmap.id, ref=ref.strip().upper())
        if axe is None:
            raise NotFound(f"axe « {ref} » introuvable dans {slug}", field="axes")
        links.append((roadmap, axe))
        with_axes.add(slug)
    links.extend((r, None) for r in roadmaps if r.slug not in with_axes)
    instructors = await _services(clean.instructors, "services instructeurs")
    return roadmaps, links, instructors


async def _write_campagne_links(
    campagne: Campagne, links: list[tuple[Roadmap, Axe | None]], instructors: list[Service]
) -> None:
    await CampagneRoadmap.filter(campagne_id=campagne.id).delete()
    await CampagneInstructor.filter(campagne_id=campagne.id).delete()
    await CampagneRoadmap.bulk_create(
        [CampagneRoadmap(campagne=campagne, roadmap=r, axe=a) for r, a in links]
    )
    await CampagneInstructor.bulk_create(
        [CampagneInstructor(campagne=campagne, service=s) for s in instructors]
    )


def _links_text(links: list[tuple[Roadmap, Axe | None]]) -> str:
    return ", ".join(f"{r.slug}/{a.ref}" if a else r.slug for r, a in links)


async def create_campagne(actor: Actor, data: CampagneInput) -> Campagne:
    """Open a yearly AAP campaign: trinôme or direction of every roadmap it serves."""
    clean = _clean_campagne(data)

    async def unit() -> Campagne:
        for slug in clean.roadmaps:
            await authorize(actor, slug, Capability.EDIT)
        if await Campagne.exists(year=clean.year):
            raise ValidationError(f"la campagne {clean.year} existe déjà", field="année")
        roadmaps, links, instructors = await _resolve_campagne_links(clean)
        campagne = await Campagne.create(
            year=clean.year,
            title=clean.title,
            opens_on=clean.opens_on,
            closes_on=clean.closes_on,
            updated_by=actor.login,
        )
        await _write_campagne_links(campagne, links, instructors)
        for roadmap in roadmaps:  # each roadmap's journal shows the campaigns it takes part in
            await journal(
                actor,
                roadmap=roadmap.slug,
                entity="campagne",
                ref=f"AAP{clean.year}",
                operation="création",
                new=clean.title,
                reason=f"instructeurs : {', '.join(s.code for s in instructors) or 'aucun'}",
            )
        return campagne

    return await write_unit(unit)


async def edit_campagne(actor: Actor, year: int | str, version: int, data: CampagneInput) -> int:
    clean = _clean_campagne(data)
    if clean.year != parse_year(year, "campagne"):
        raise ValidationError("l'année d'une campagne ne change pas", field="année")

    async def unit() -> int:
        campagne = await campagne_by_year(year)
        old_slugs = await _campagne_slugs(campagne.id)
        for slug in sorted(set(old_slugs) | set(clean.roadmaps)):
            await authorize(actor, slug, Capability.EDIT)
        old_links = await CampagneRoadmap.filter(campagne_id=campagne.id).prefetch_related(
            "roadmap", "axe"
        )
        old_instructors = await CampagneInstructor.filter(campagne_id=campagne.id).values_list(
            "service__code", flat=True
        )
        roadmaps, links, instructors = await _resolve_campagne_links(clean)
        values = {
            "title": clean.title,
            "opens_on": clean.opens_on,
            "closes_on": clean.closes_on,
        }
        changes = {k: (getattr(campagne, k), x) for k, x in values.items()}
        changes = {k: c for k, c in changes.items() if c[0] != c[1]}
        new_version = await update_versioned(Campagne, campagne.id, version, actor, values)
        old_text = _links_text([(link.roadmap, link.axe) for link in old_links])
        if old_text != _links_text(links):
            changes["feuilles de route et axes"] = (old_text, _links_text(links))
        old_codes = ", ".join(sorted(str(c) for c in old_instructors))
        new_codes = ", ".join(sorted(s.code for s in instructors))
        if old_codes != new_codes:
            changes["services instructeurs"] = (old_codes, new_codes)
        await _write_campagne_links(campagne, links, instructors)
        for slug in sorted(set(old_slugs) | {r.slug for r in roadmaps}):
            await journal_changes(
                actor, roadmap=slug, entity="campagne", ref=f"AAP{clean.year}", changes=changes
            )
        return new_version

    return await write_unit(unit)


# --- dossiers: creation and edition ------------------------------------------------------


@dataclass
class Resolved:
    roadmap: Roadmap
    action: Action | None
    axe: Axe | None
    pillar: Pillar | None
    qpvs: list[Qpv]
    instructors: list[Service]
    financeurs: list[tuple[Service, Decimal]]


async def resolve_dossier(
    campagne: Campagne,
    clean: CleanDossier,
    financements: Mapping[str, Decimal] | None,
    *,
    fixed_roadmap: Roadmap | None = None,
) -> Resolved:
    """Resolve every reference of a dossier (reads only); raise naming the field at fault."""
    links = await CampagneRoadmap.filter(campagne_id=campagne.id).prefetch_related("roadmap", "axe")
    served = {link.roadmap.slug: link.roadmap for link in links}
    if fixed_roadmap is not None:
        roadmap = fixed_roadmap
    elif clean.roadmap:
        roadmap = await _roadmap(clean.roadmap, "feuille de route")
        if served and roadmap.slug not in served:
            raise ValidationError(
                f"la campagne {campagne.year} ne sert pas {roadmap.slug} "
                f"(elle sert : {', '.join(sorted(served))})",
                field="feuille de route",
            )
    elif len(served) == 1:
        roadmap = next(iter(served.values()))
    else:
        raise ValidationError(
            "précisez la feuille de route du dossier "
            f"(la campagne en sert plusieurs : {', '.join(sorted(served)) or 'aucune'})",
            field="feuille de route",
        )
    action = None
    if clean.action:
        action = await Action.get_or_none(roadmap_id=roadmap.id, ref=clean.action)
        if action is None:
            raise NotFound(
                f"action « {clean.action} » introuvable dans {roadmap.slug}", field="action"
            )
    axe = None
    if clean.axe:
        axe = await Axe.get_or_none(roadmap_id=roadmap.id, ref=clean.axe)
        if axe is None:
            raise NotFound(f"axe « {clean.axe} » introuvable dans {roadmap.slug}", field="axe")
        if action is not None and action.axe_id and action.axe_id != axe.id:  # type: ignore[attr-defined]
            raise ValidationError(
                f"l'action {action.ref} relève d'un autre axe que {axe.ref}", field="axe"
            )
    elif action is not None and action.axe_id:  # type: ignore[attr-defined]
        axe = await Axe.get(id=action.axe_id)  # type: ignore[attr-defined]
    served_axes = {
        link.axe_id  # type: ignore[attr-defined]
        for link in links
        if link.axe_id and link.roadmap_id == roadmap.id  # type: ignore[attr-defined]
    }
    if axe is not None and served_axes and axe.id not in served_axes:
        raise ValidationError(
            f"la campagne {campagne.year} ne sert pas l'axe {axe.ref} « {axe.title} »",
            field="axe",
        )
    qpvs = list(await Qpv.filter(code__in=clean.qpvs))
    missing = [c for c in clean.qpvs if c not in {q.code for q in qpvs}]
    if missing:
        raise NotFound(f"QPV inconnu(s) : {', '.join(missing)}", field="QPV")
    if clean.instructors is None:
        instructors = [
            ci.service
            for ci in await CampagneInstructor.filter(campagne_id=campagne.id)
            .order_by("id")
            .prefetch_related("service")
        ]
    else:
        instructors = await _services(clean.instructors, "services instructeurs")
    financeurs: list[tuple[Service, Decimal]] = []
    if financements:
        services = await _services(list(financements), "plan de financement")
        financeurs = [(s, financements[s.code]) for s in services]
        _check_budget(clean.total_budget, sum(financements.values(), ZERO))
    pillar = clean.pillar or (Pillar(action.pillar) if action and action.pillar else None)
    return Resolved(roadmap, action, axe, pillar, qpvs, instructors, financeurs)


async def _next_dossier_ref(year: int) -> str:
    prefix = f"AAP{year}-"
    refs = await Dossier.filter(ref__startswith=prefix).values_list("ref", flat=True)
    numbers = [int(r[len(prefix) :]) for r in refs if r[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


async def insert_dossier(
    actor: Actor, campagne: Campagne, clean: CleanDossier, resolved: Resolved
) -> Dossier:
    ref = await _next_dossier_ref(campagne.year)
    asked_total = sum((a for _, a in resolved.financeurs), ZERO)
    dossier = await Dossier.create(
        campagne=campagne,
        ref=ref,
        porteur=clean.porteur,
        title=clean.title,
        summary=clean.summary,
        roadmap=resolved.roadmap,
        action=resolved.action,
        axe=resolved.axe,
        pillar=resolved.pillar,
        total_budget=clean.total_budget,
        amount_asked=asked_total,
        avis_deadline=clean.avis_deadline,
        updated_by=actor.login,
    )
    await DossierQpv.bulk_create([DossierQpv(dossier=dossier, qpv=q) for q in resolved.qpvs])
    await DossierInstructor.bulk_create(
        [DossierInstructor(dossier=dossier, service=s) for s in resolved.instructors]
    )
    for service, asked in resolved.financeurs:
        await FinancementLine.create(
            dossier=dossier, financeur=service, asked=asked, updated_by=actor.login
        )
    slug = resolved.roadmap.slug
    await journal(
        actor,
        roadmap=slug,
        entity="dossier",
        ref=ref,
        operation="dépôt",
        new=f"{clean.porteur} — {clean.title}",
        reason=f"demandé : {show(asked_total)} € ; instructeurs : "
        + (", ".join(s.code for s in resolved.instructors) or "aucun"),
    )
    for service, asked in resolved.financeurs:
        await journal(
            actor,
            roadmap=slug,
            entity="financement",
            ref=ref,
            operation="création",
            field=f"demandé {service.code}",
            new=asked,
        )
    return dossier


async def create_dossier(
    actor: Actor,
    campagne_year: int | str,
    data: DossierInput,
    financements: Sequence[FinancementInput] = (),
) -> Dossier:
    """Register a dossier: trinôme or direction of the roadmap it belongs to."""
    clean = clean_dossier(data)
    plan = clean_financements(financements)

    async def unit() -> Dossier:
        campagne = await campagne_by_year(campagne_year)
        resolved = await resolve_dossier(campagne, clean, plan)
        await authorize(actor, resolved.roadmap.slug, Capability.EDIT)
        return await insert_dossier(actor, campagne, clean, resolved)

    return await write_unit(unit)


def _require_editable(dossier: Dossier, what: str) -> None:
    if dossier.state not in EDITABLE_STATES:
        raise ValidationError(
            f"{what} ne change plus une fois le dossier « {DossierState(dossier.state).label} » "
            "(révisez la décision si besoin)",
            field="état",
        )


async def edit_dossier(actor: Actor, ref: str, version: int, data: DossierInput) -> int:
    """Change the description, links, QPV, instructors or deadline (not the plan: see below)."""
    clean = clean_dossier(data)

    async def unit() -> int:
        dossier = await dossier_by_ref(ref, lock=True)
        slug = await _authorize_dossier(actor, dossier, Capability.EDIT)
        _require_editable(dossier, "le dossier")
        campagne = await Campagne.get(id=dossier.campagne_id)  # type: ignore[attr-defined]
        roadmap = await Roadmap.get_or_none(id=dossier.roadmap_id)  # type: ignore[attr-defined]
        if roadmap is None:
            raise NotFound(f"{dossier.ref} n'a plus de feuille de route", field="feuille de route")
        resolved = await resolve_dossier(campagne, clean, None, fixed_roadmap=roadmap)
        _check_budget(clean.total_budget, Decimal(dossier.amount_asked))
        values: dict[str, Any] = {
            "porteur": clean.porteur,
            "title": clean.title,
            "summary": clean.summary,
            "action_id": resolved.action.id if resolved.action else None,
            "axe_id": resolved.axe.id if resolved.axe else None,
            "pillar": resolved.pillar,
            "total_budget": clean.total_budget,
            "avis_deadline": clean.avis_deadline,
        }
        changes = {k: (getattr(dossier, k), x) for k, x in values.items()}
        changes = {k: c for k, c in changes.items() if c[0] != c[1]}
        old_qpvs = sorted(
            str(c)
            for c in await DossierQpv.filter(dossier_id=dossier.id).values_list(
                "qpv__code", flat=True
            )
        )
        new_qpvs = sorted(q.code for q in resolved.qpvs)
        if old_qpvs != new_qpvs:
            changes["QPV"] = (", ".join(old_qpvs), ", ".join(new_qpvs))
            await DossierQpv.filter(dossier_id=dossier.id).delete()
            await DossierQpv.bulk_create(
                [DossierQpv(dossier_id=dossier.id, qpv=q) for q in resolved.qpvs]
            )
        old_instr = await _instructor_ids(dossier.id)
        new_instr = {s.id: s.code for s in resolved.instructors}
        if set(old_instr) != set(new_instr):
            changes["services instructeurs"] = (
                ", ".join(sorted(old_instr.values())),
                ", ".join(sorted(new_instr.values())),
            )
            await DossierInstructor.filter(dossier_id=dossier.id).delete()
            await DossierInstructor.bulk_create(
                [DossierInstructor(dossier_id=dossier.id, service=s) for s in resolved.instructors]
            )
            # an avis of a service that no longer instructs stays in history, not current
            await (
                Avis.filter(dossier_id=dossier.id, current=True)
                .exclude(service_id__in=list(new_instr))
                .update(current=False)
            )
        new_version = await update_versioned(Dossier, dossier.id, version, actor, values)
        journal_names = {
            "porteur": "porteur",
            "title": "titre",
            "summary": "résumé",
            "action_id": "action",
            "axe_id": "axe",
            "pillar": "pilier",
            "total_budget": "budget total",
            "avis_deadline": "date limite des avis",
        }
        await journal_changes(
            actor,
            roadmap=slug,
            entity="dossier",
            ref=dossier.ref,
            changes={journal_names.get(k, k): c for k, c in changes.items()},
        )
        if dossier.state in AVIS_STATES:
            return await _sync_avis_state(actor, dossier.id, slug) or new_version
        return new_version

    return await write_unit(unit)


async def _refresh_asked(dossier_id: int) -> Decimal:
    """``amount_asked`` is a derived total: kept in step without bumping the dossier version."""
    values = await FinancementLine.filter(dossier_id=dossier_id).values_list("asked", flat=True)
    total = sum((Decimal(x) for x in values), ZERO)
    await Dossier.filter(id=dossier_id).update(amount_asked=total)
    return total


async def set_financement(
    actor: Actor, ref: str, financeur: str, asked: str | int | Decimal, version: int | None
) -> int:
    """Add (``version`` None) or change one line of the plan; return the line's version."""
    code = (financeur or "").strip()
    amount = v.amount(asked, f"montant demandé à {code or '?'}")
    assert amount is not None

    async def unit() -> int:
        dossier = await dossier_by_ref(ref)
        slug = await _authorize_dossier(actor, dossier, Capability.EDIT)
        _require_editable(dossier, "le plan de financement")
        (service,) = await _services([code], "financeur")
        line = await FinancementLine.get_or_none(dossier_id=dossier.id, financeur_id=service.id)
        if version is None:
            if line is not None:
                raise ValidationError(
                    f"{code} figure déjà au plan de financement ; modifiez sa ligne",
                    field="financeur",
                )
            line = await FinancementLine.create(
                dossier_id=dossier.id, financeur=service, asked=amount, updated_by=actor.login
            )
            old, new_version = None, line.version
        else:
            if line is None:
                raise NotFound(f"{code} ne figure pas au plan de financement", field="financeur")
            old = line.asked
            new_version = await update_versioned(
                FinancementLine, line.id, version, actor, {"asked": amount}
            )
        total = await _refresh_asked(dossier.id)
        _check_budget(Decimal(dossier.total_budget), total)
        await journal(
            actor,
            roadmap=slug,
            entity="financement",
            ref=dossier.ref,
            operation="création" if old is None else "modification",
            field=f"demandé {code}",
            old=old,
            new=amount,
        )
        return new_version

    return await write_unit(unit)


async def remove_financement(actor: Actor, ref: str, financeur: str, version: int) -> None:
    async def unit() -> None:
        dossier = await dossier_by_ref(ref)
        slug = await _authorize_dossier(actor, dossier, Capability.EDIT)
        _require_editable(dossier, "le plan de financement")
        (service,) = await _services([(financeur or "").strip()], "financeur")
        deleted = await FinancementLine.filter(
            dossier_id=dossier.id, financeur_id=service.id, version=version
        ).delete()
        if deleted == 0:
            line = await FinancementLine.get_or_none(dossier_id=dossier.id, financeur_id=service.id)
            if line is None:
                raise NotFound(
                    f"{service.code} ne figure pas au plan de financement", field="financeur"
                )
            raise stale_error(line)
        await _refresh_asked(dossier.id)
        await journal(
            actor,
            roadmap=slug,
            entity="financement",
            ref=dossier.ref,
            operation="suppression",
            field=f"demandé {service.code}",
        )

    await write_unit(unit)


# --- states ------------------------------------------------------------------------------


async def _current_decision(dossier_id: int) -> Decision | None:
    return await Decision.filter(dossier_id=dossier_id, current=True).order_by("-id").first()


async def transition(actor: Actor, ref: str, version: int, target: str, reason: str = "") -> int:
    """Move a dossier along the workflow (recevable, irrecevable, en instruction, notifié,
    bilan reçu); a move outside the graph is refused with the allowed next states."""
    new_state = DossierState.parse(target, "état")

    async def unit() -> int:
        dossier = await dossier_by_ref(ref)
        slug = await _authorize_dossier(actor, dossier, Capability.EDIT)
        current = DossierState(dossier.state)
        why = check_manual_transition(current, new_state, reason)  # type: ignore[arg-type]
        if new_state is DossierState.EN_INSTRUCTION and not await _instructor_ids(dossier.id):
            raise ValidationError(
                "aucun service instructeur : ajoutez-en avant l'instruction",
                field="services instructeurs",
            )
        if new_state is DossierState.BILAN_RECU:
            decision = await _current_decision(dossier.id)
            check_bilan(DecisionOutcome(decision.outcome) if decision else None)
        extra = {"state_reason": why} if why else {}
        return await _move_state(actor, dossier, version, slug, new_state, why, **extra)

    return await write_unit(unit)


async def _sync_avis_state(actor: Actor, dossier_id: int, slug: str) -> int | None:
    """Apply the automatic move to (or back from) ``avis_rendus``; return the new version."""
    dossier = await Dossier.get(id=dossier_id)
    instructors = set(await _instructor_ids(dossier_id))
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


# --- avis ----------------------------------------------------------------------------------


async def _require_avis_giver(actor: Actor, dossier: Dossier) -> Service:
    """A member of an instructing service holding a role that may give an avis."""
    service = await _home_service(actor)
    instructors = await _instructor_ids(dossier.id)
    if service is None or service.id not in instructors:
        mine = f"votre service : {service.code}" if service else "vous n'avez pas de service"
        raise PermissionDenied(
            f"seul un membre d'un service instructeur donne un avis sur {dossier.ref} "
            f"(services instructeurs : {', '.join(sorted(instructors.values())) or 'aucun'} ; "
            f"{mine})"
        )
    slugs = await _linked_slugs(dossier)
    if not slugs:
        raise PermissionDenied(f"{dossier.ref} n'est rattaché à aucune feuille de route")
    roles = await _roles(actor, slugs)
    if not any(allowed(roles.get(s), Capability.GIVE_AVIS) for s in slugs):
        require(roles.get(slugs[0]), Capability.GIVE_AVIS, roadmap=slugs[0])
    return service


async def give_avis(actor: Actor, ref: str, value: str, comment: str = "") -> Avis:
    """Give or change the avis of the actor's service; the previous one stays in history."""
    avis_value = AvisValue.parse(value, "avis")
    text = check_avis(avis_value, comment)  # type: ignore[arg-type]

    async def unit() -> Avis:
        dossier = await dossier_by_ref(ref, lock=True)
        state = DossierState(dossier.state)
        if state not in AVIS_STATES:
            raise ValidationError(
                f"les avis se donnent pendant l'instruction (état actuel : « {state.label} »)",
                field="état",
            )
        service = await _require_avis_giver(actor, dossier)
        slugs = await _linked_slugs(dossier)
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
        await _sync_avis_state(actor, dossier.id, slugs[0])
        return avis

    return await write_unit(unit)


# --- decisions -----------------------------------------------------------------------------


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

    async def unit() -> int:
        dossier = await dossier_by_ref(ref)
        slug = await _authorize_dossier(actor, dossier, Capability.EDIT)
        current = DossierState(dossier.state)
        if current is DossierState.EN_INSTRUCTION:
            instructors = await _instructor_ids(dossier.id)
            given = set(
                await Avis.filter(dossier_id=dossier.id, current=True).values_list(
                    "service_id", flat=True
                )
            )
            missing = sorted(c for i, c in instructors.items() if i not in given)
            raise ValidationError(
                f"la décision attend l'avis de : {', '.join(missing)}", field="état"
            )
        check_transition(current, DossierState.DECIDE)
        new_version = await update_versioned(
            Dossier, dossier.id, version, actor, {"state": DossierState.DECIDE}
        )
        await _apply_decision(
            actor,
            dossier,
            slug,
            result,
            motivation,
            amounts,
            confirm_over_asked,  # type: ignore[arg-type]
        )
        await journal(
            actor,
            roadmap=slug,
            entity="décision",
            ref=dossier.ref,
            operation="décision",
            field="issue",
            new=result,
            reason=motivation.strip(),
        )
        await journal(
            actor,
            roadmap=slug,
            entity="dossier",
            ref=dossier.ref,
            operation="état",
            field="état",
            old=current,
            new=DossierState.DECIDE,
        )
        return new_version

    return await write_unit(unit)


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

    async def unit() -> int:
        dossier = await dossier_by_ref(ref)
        slug = await _authorize_dossier(actor, dossier, Capability.EDIT)
        current = DossierState(dossier.state)
        if current not in REVISABLE_STATES:
            raise ValidationError(
                f"seule une décision prise (décidé ou notifié) se révise ; état : "
                f"« {current.label} »",
                field="état",
            )
        old = await _current_decision(dossier.id)
        new_version = await update_versioned(
            Dossier, dossier.id, version, actor, {"state": DossierState.DECIDE}
        )
        if old is not None:
            await Decision.filter(id=old.id).update(current=False)
        await _apply_decision(
            actor,
            dossier,
            slug,
            result,  # type: ignore[arg-type]
            motivation,
            amounts,
            confirm_over_asked,
            revision_reason=why,
        )
        await journal(
            actor,
            roadmap=slug,
            entity="décision",
            ref=dossier.ref,
            operation="révision",
            field="issue",
            old=old.outcome if old else None,
            new=result,
            reason=why,
        )
        await journal(
            actor,
            roadmap=slug,
            entity="décision",
            ref=dossier.ref,
            operation="révision",
            field="motivation",
            old=old.motivation if old else None,
            new=motivation.strip(),
            reason=why,
        )
        if current is not DossierState.DECIDE:
            await journal(
                actor,
                roadmap=slug,
                entity="dossier",
                ref=dossier.ref,
                operation="état",
                field="état",
                old=current,
                new=DossierState.DECIDE,
                reason="décision révisée : à notifier de nouveau",
            )
        return new_version

    return await write_unit(unit)


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


# --- private annotations -----------------------------------------------------------------


@dataclass(frozen=True)
class AnnotationView:
    author: str
    service: str
    text: str
    created_at: Any


async def _require_instructing_member(actor: Actor, dossier: Dossier) -> Service:
    service = await _home_service(actor)
    instructors = await _instructor_ids(dossier.id)
    if service is None or service.id not in instructors:
        raise PermissionDenied(
            f"les notes privées de {dossier.ref} sont réservées aux services instructeurs "
            f"({', '.join(sorted(instructors.values())) or 'aucun'})"
        )
    return service


async def add_annotation(actor: Actor, ref: str, text: str) -> None:
    """A private note for the instructors; the journal records the act, never the text."""
    body = v.text(text, "note", max_length=4000)

    async def unit() -> None:
        dossier = await dossier_by_ref(ref)
        service = await _require_instructing_member(actor, dossier)
        await Annotation.create(
            dossier_id=dossier.id,
            service=service,
            author=actor.login,
            text=body,
            created_at=now(),
        )
        slugs = await _linked_slugs(dossier)
        await journal(
            actor,
            roadmap=slugs[0] if slugs else "",
            entity="note privée",
            ref=dossier.ref,
            operation="ajout",
            field=f"note {service.code}",
        )

    await write_unit(unit)


async def private_annotations(actor: Actor, ref: str) -> list[AnnotationView]:
    """The only reader of annotations: refuses anyone outside the instructing services."""
    dossier = await dossier_by_ref(ref)
    await _require_instructing_member(actor, dossier)
    rows = await Annotation.filter(dossier_id=dossier.id).prefetch_related("service")
    return [
        AnnotationView(a.author, a.service.code if a.service else "", a.text, a.created_at)
        for a in rows
    ]


# --- queries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampagneView:
    year: int
    title: str
    opens_on: date
    closes_on: date
    version: int
    roadmaps: list[str]
    axes: list[str]  # "slug/AX1"
    instructors: list[str]
    dossiers: int


async def list_campagnes(roadmap: str | None = None) -> list[CampagneView]:
    query = Campagne.all().order_by("-year")
    if roadmap:
        query = query.filter(roadmap_links__roadmap__slug=roadmap).distinct()
    result = []
    for c in await query:
        links = await CampagneRoadmap.filter(campagne_id=c.id).values_list(
            "roadmap__slug", "axe__ref"
        )
        instructors = await CampagneInstructor.filter(campagne_id=c.id).values_list(
            "service__code", flat=True
        )
        result.append(
            CampagneView(
                year=c.year,
                title=c.title,
                opens_on=c.opens_on,
                closes_on=c.closes_on,
                version=c.version,
                roadmaps=sorted({str(s) for s, _ in links}),
                axes=sorted(f"{s}/{a}" for s, a in links if a),
                instructors=sorted(str(x) for x in instructors),
                dossiers=await Dossier.filter(campagne_id=c.id).count(),
            )
        )
    return result


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


async def _facts_and_rows(dossiers: list[Dossier], today: date) -> list[DossierRow]:
    """Batch-load what rows and alerts need: a handful of queries whatever the count."""
    if not dossiers:
        return []
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


async def list_dossiers(
    *,
    campagne: int | str | None = None,
    roadmap: str | None = None,
    state: str | None = None,
    service: str | None = None,
    late: bool = False,
    axe: str | None = None,
    today: date | None = None,
) -> list[DossierRow]:
    """Dossiers for boards and tables. ``service``: those still waiting for its avis."""
    query = Dossier.all().order_by("ref")
    if campagne is not None and str(campagne).strip():
        query = query.filter(campagne_id=(await campagne_by_year(campagne)).id)
    if roadmap:
        query = query.filter(roadmap_id=(await _roadmap(roadmap, "feuille de route")).id)
    if state:
        query = query.filter(state=DossierState.parse(state.strip(), "état"))
    if axe:
        query = query.filter(axe__ref=axe.strip().upper())
    rows = await _facts_and_rows(list(await query), today or date.today())
    if service:
        code = service.strip()
        if not await Service.exists(code=code):
            raise NotFound(f"service « {code} » inconnu", field="service")
        rows = [r for r in rows if code in r.missing_avis]
    if late:
        rows = [r for r in rows if r.late]
    return rows


async def instruction_alerts(
    roadmap_slug: str | None = None, today: date | None = None
) -> list[Alert]:
    """Alerts of every dossier (of one roadmap), for ``roadmap check`` and the dashboard."""
    query = Dossier.all().order_by("ref")
    if roadmap_slug:
        query = query.filter(roadmap__slug=roadmap_slug)
    rows = await _facts_and_rows(list(await query), today or date.today())
    return [
        Alert(Level(a.level.value), a.code, a.message, a.roadmap, a.ref)
        for r in rows
        for a in r.alerts
    ]


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

    @property
    def current_decision(self) -> DecisionView | None:
        return next((d for d in reversed(self.decisions) if d.current), None)


async def dossier_detail(ref: str, today: date | None = None) -> DossierDetail:
    """Everything the dossier view shows, except the private notes (see private_annotations)."""
    dossier = await dossier_by_ref(ref)
    (row,) = await _facts_and_rows([dossier], today or date.today())
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
    slugs = await _linked_slugs(dossier)
    roles = await _roles(actor, slugs)
    service = await _home_service(actor)
    instructs = service is not None and service.id in await _instructor_ids(dossier.id)
    return InstructionRights(
        edit=any(allowed(roles.get(s), Capability.EDIT) for s in slugs),
        give_avis=instructs and any(allowed(roles.get(s), Capability.GIVE_AVIS) for s in slugs),
        read_notes=instructs,
        service=service.code if service else "",
    )


async def home_service_code(actor: Actor) -> str:
    """The actor's home service code ("" if none): the « my service » filter of the board."""
    service = await _home_service(actor)
    return service.code if service else ""
