"""AAP campaigns: open, edit and list the yearly calls for projects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from roadmap.domain import validation as v
from roadmap.domain.errors import NotFound, ValidationError
from roadmap.domain.permissions import Capability
from roadmap.models import (
    Axe,
    Campagne,
    CampagneInstructor,
    CampagneRoadmap,
    Dossier,
    Roadmap,
    Service,
)
from roadmap.usecases.base import (
    authorize,
    journal,
    journal_changes,
    update_versioned,
    write_unit,
)
from roadmap.usecases.identity import Actor
from roadmap.usecases.instruction_common import (
    campagne_by_year,
    campagne_slugs,
    clean_codes,
    parse_year,
    roadmap_by_slug,
    services_by_code,
)


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
    roadmaps = clean_codes(data.roadmaps)
    if not roadmaps:
        raise ValidationError(
            "une campagne sert au moins une feuille de route", field="feuilles de route"
        )
    return _CleanCampagne(
        year,
        title,
        opens_on,
        closes_on,
        roadmaps,
        clean_codes(data.axes),
        clean_codes(data.instructors),
    )


# --- campaigns ---------------------------------------------------------------------------


async def _resolve_campagne_links(
    clean: _CleanCampagne,
) -> tuple[list[Roadmap], list[tuple[Roadmap, Axe | None]], list[Service]]:
    roadmaps = [await roadmap_by_slug(slug, "feuilles de route") for slug in clean.roadmaps]
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
    instructors = await services_by_code(clean.instructors, "services instructeurs")
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
        old_slugs = await campagne_slugs(campagne.id)
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
