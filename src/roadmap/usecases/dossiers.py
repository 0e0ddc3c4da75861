"""Dossiers de subvention: registration, description and plan de financement.

Every journal row about a dossier carries its reference as ``entity_ref`` so that the
history of a dossier is one query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from roadmap.domain import validation as v
from roadmap.domain.enums import (
    DossierState,
    Pillar,
)
from roadmap.domain.errors import NotFound, ValidationError
from roadmap.domain.instruction import (
    AVIS_STATES,
    EDITABLE_STATES,
    ZERO,
)
from roadmap.domain.permissions import Capability
from roadmap.formatting import agree
from roadmap.models import (
    Action,
    Avis,
    Axe,
    Campagne,
    CampagneInstructor,
    CampagneRoadmap,
    Dossier,
    DossierInstructor,
    DossierQpv,
    FinancementLine,
    Qpv,
    Roadmap,
    Service,
)
from roadmap.usecases.base import (
    authorize,
    journal,
    journal_changes,
    show,
    stale_error,
    update_versioned,
    write_unit,
)
from roadmap.usecases.dossier_states import sync_avis_state
from roadmap.usecases.identity import Actor
from roadmap.usecases.instruction_common import (
    authorize_dossier,
    campagne_by_year,
    clean_codes,
    dossier_by_ref,
    instructor_ids,
    roadmap_by_slug,
    services_by_code,
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
        qpvs=clean_codes(data.qpvs),
        pillar=Pillar.parse(data.pillar.strip(), "pilier") if data.pillar else None,  # type: ignore[assignment]
        total_budget=budget,
        instructors=None if data.instructors is None else clean_codes(data.instructors),
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
        roadmap = await roadmap_by_slug(clean.roadmap, "feuille de route")
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
        what = agree(len(missing), "QPV inconnu", "QPV inconnus")
        raise NotFound(f"{what} : {', '.join(missing)}", field="QPV")
    if clean.instructors is None:
        instructors = [
            ci.service
            for ci in await CampagneInstructor.filter(campagne_id=campagne.id)
            .order_by("id")
            .prefetch_related("service")
        ]
    else:
        instructors = await services_by_code(clean.instructors, "services instructeurs")
    financeurs: list[tuple[Service, Decimal]] = []
    if financements:
        services = await services_by_code(list(financements), "plan de financement")
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
    *,
    territoire: str | None = None,
) -> Dossier:
    """Register a dossier: trinôme or direction of the roadmap it belongs to."""
    clean = clean_dossier(data)
    plan = clean_financements(financements)

    async def unit() -> Dossier:
        campagne = await campagne_by_year(campagne_year, territoire)
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
        slug = await authorize_dossier(actor, dossier, Capability.EDIT)
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
        old_instr = await instructor_ids(dossier.id)
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
            return await sync_avis_state(actor, dossier.id, slug) or new_version
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
        slug = await authorize_dossier(actor, dossier, Capability.EDIT)
        _require_editable(dossier, "le plan de financement")
        (service,) = await services_by_code([code], "financeur")
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
        slug = await authorize_dossier(actor, dossier, Capability.EDIT)
        _require_editable(dossier, "le plan de financement")
        (service,) = await services_by_code([(financeur or "").strip()], "financeur")
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
