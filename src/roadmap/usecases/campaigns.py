"""AAP campaigns: open, edit and list the yearly calls for projects.

A campaign belongs to a territory (contrat de ville): its year is unique within that
territory, so two territories' campaigns of the same year never merge. Every change is
journaled in each roadmap the campaign serves, by someone who may edit all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from roadmap.domain import validation as v
from roadmap.domain.errors import NotFound, PermissionDenied, ValidationError
from roadmap.domain.permissions import Capability
from roadmap.models import (
    Axe,
    Campagne,
    CampagneInstructor,
    CampagneRoadmap,
    Dossier,
    Roadmap,
    Service,
    Territoire,
)
from roadmap.usecases.base import (
    authorize,
    diff,
    field_label,
    journal,
    journal_changes,
    stale_error,
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
from roadmap.usecases.reference import territoire_by_code


@dataclass(frozen=True)
class CampagneInput:
    year: int | str
    opens_on: str | date
    closes_on: str | date
    roadmaps: Sequence[str]  # slugs of the roadmaps served
    title: str = ""
    axes: Sequence[str] = ()  # axe refs ("AX1"), or "slug/AX1" when several roadmaps
    instructors: Sequence[str] = ()  # service codes instructing by default
    territoire: str | None = None  # code; default: the served roadmaps' (or the only one)


@dataclass(frozen=True)
class _CleanCampagne:
    year: int
    title: str
    opens_on: date
    closes_on: date
    roadmaps: list[str]
    axes: list[str]
    instructors: list[str]
    territoire: str | None


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
        (data.territoire or "").strip() or None,
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


async def _territoire_of(code: str | None, roadmaps: list[Roadmap]) -> Territoire:
    """The campaign's territory: given, else its roadmaps', else the base's only one."""
    if code:
        territoire = await territoire_by_code(code, "territoire")
    else:
        ids = {r.territoire_id for r in roadmaps if r.territoire_id}  # type: ignore[attr-defined]
        if len(ids) > 1:
            raise ValidationError(
                "ces feuilles de route relèvent de plusieurs territoires : une campagne "
                "appartient à un seul territoire",
                field="feuilles de route",
            )
        candidates = await Territoire.filter(id__in=ids) if ids else await Territoire.all().limit(2)
        if len(candidates) != 1:
            known = ", ".join(await Territoire.all().values_list("code", flat=True))
            raise ValidationError(
                f"précisez le territoire de la campagne (territoires : {known})"
                if known
                else "aucun territoire dans la base : un administrateur en crée un "
                "(roadmap admin territoire CODE NOM)",
                field="territoire",
            )
        territoire = candidates[0]
    for roadmap in roadmaps:
        other = roadmap.territoire_id  # type: ignore[attr-defined]
        if other is not None and other != territoire.id:
            raise ValidationError(
                f"{roadmap.slug} relève d'un autre territoire que « {territoire.code} »",
                field="feuilles de route",
            )
    return territoire


def campagne_ref(campagne: Campagne, territoire_code: str) -> str:
    """The journal's reference of a campaign: AAP2026. Rows are filed under the roadmaps
    it serves, all of one territory, so the year alone is unambiguous there."""
    return f"AAP{campagne.year}"


async def create_campagne(actor: Actor, data: CampagneInput) -> Campagne:
    """Open a yearly AAP campaign: trinôme or direction of every roadmap it serves."""
    clean = _clean_campagne(data)

    async def unit() -> Campagne:
        for slug in clean.roadmaps:
            await authorize(actor, slug, Capability.EDIT)
        roadmaps, links, instructors = await _resolve_campagne_links(clean)
        territoire = await _territoire_of(clean.territoire, roadmaps)
        if await Campagne.exists(year=clean.year, territoire_id=territoire.id):
            raise ValidationError(
                f"la campagne {clean.year} du territoire « {territoire.code} » existe déjà",
                field="année",
            )
        campagne = await Campagne.create(
            territoire=territoire,
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
                ref=campagne_ref(campagne, territoire.code),
                operation="création",
                new=clean.title,
                reason=f"territoire {territoire.code} ; instructeurs : "
                + (", ".join(s.code for s in instructors) or "aucun"),
            )
        return campagne

    return await write_unit(unit)


async def edit_campagne(actor: Actor, year: int | str, version: int, data: CampagneInput) -> int:
    clean = _clean_campagne(data)
    if clean.year != parse_year(year, "campagne"):
        raise ValidationError("l'année d'une campagne ne change pas", field="année")

    async def unit() -> int:
        campagne = await campagne_by_year(year, clean.territoire)
        territoire = await Territoire.get(id=campagne.territoire_id)  # type: ignore[attr-defined]
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
        await _territoire_of(territoire.code, roadmaps)
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
                actor,
                roadmap=slug,
                entity="campagne",
                ref=campagne_ref(campagne, territoire.code),
                changes=changes,
            )
        return new_version

    return await write_unit(unit)


async def update_campagne(
    actor: Actor,
    year: int | str,
    version: int,
    *,
    territoire: str | None = None,
    title: str | None = None,
    opens_on: str | date | None = None,
    closes_on: str | date | None = None,
    instructors: Sequence[str] | None = None,
) -> int:
    """Change some fields of a campaign (None: unchanged), one journal row per field.

    For doors that know only part of a campaign (an import): the roadmaps it serves and
    their axes are left alone. Needs the right to edit every roadmap the campaign serves.
    """
    new_title = v.text(title, "titre") if title is not None else None
    new_opens = v.parse_date(opens_on, "ouverture", required=True) if opens_on is not None else None
    new_closes = (
        v.parse_date(closes_on, "clôture", required=True) if closes_on is not None else None
    )
    new_codes = clean_codes(instructors) if instructors is not None else None

    async def unit() -> int:
        campagne = await campagne_by_year(year, territoire)
        code = await Territoire.get(id=campagne.territoire_id).values_list("code", flat=True)  # type: ignore[attr-defined]
        slugs = await campagne_slugs(campagne.id)
        if not slugs:
            raise PermissionDenied(
                f"la campagne {campagne.year} ne sert aucune feuille de route : "
                "personne ne peut la modifier par ce moyen"
            )
        for slug in slugs:
            await authorize(actor, slug, Capability.EDIT)
        values: dict[str, Any] = {}
        if new_title is not None:
            values["title"] = new_title
        if new_opens is not None:
            values["opens_on"] = new_opens
        if new_closes is not None:
            values["closes_on"] = new_closes
        v.date_range(
            values.get("opens_on", campagne.opens_on),
            values.get("closes_on", campagne.closes_on),
            start_field="ouverture",
            end_field="clôture",
        )
        changes = diff(campagne, values)
        new_version = campagne.version
        if changes:
            new_version = await update_versioned(Campagne, campagne.id, version, actor, values)
        elif version != campagne.version:
            raise stale_error(campagne)
        if new_codes is not None:
            old = sorted(
                str(c)
                for c in await CampagneInstructor.filter(campagne_id=campagne.id).values_list(
                    "service__code", flat=True
                )
            )
            if old != sorted(new_codes):
                services = await services_by_code(new_codes, "services instructeurs")
                await CampagneInstructor.filter(campagne_id=campagne.id).delete()
                await CampagneInstructor.bulk_create(
                    [CampagneInstructor(campagne_id=campagne.id, service=s) for s in services]
                )
                changes["services instructeurs"] = (", ".join(old), ", ".join(sorted(new_codes)))
        for slug in slugs:
            await journal_changes(
                actor,
                roadmap=slug,
                entity="campagne",
                ref=campagne_ref(campagne, str(code)),
                changes={field_label(k): c for k, c in changes.items()},
            )
        return new_version

    return await write_unit(unit)


@dataclass(frozen=True)
class CampagneView:
    territoire: str  # code
    territoire_name: str
    year: int
    title: str
    opens_on: date
    closes_on: date
    version: int
    roadmaps: list[str]
    axes: list[str]  # "slug/AX1"
    instructors: list[str]
    dossiers: int


async def list_campagnes(
    roadmap: str | None = None, territoire: str | None = None
) -> list[CampagneView]:
    query = Campagne.all().order_by("-year", "territoire__code")
    if territoire:
        query = query.filter(territoire__code=territoire.strip())
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
        territoire = await Territoire.get(id=c.territoire_id)  # type: ignore[attr-defined]
        result.append(
            CampagneView(
                territoire=territoire.code,
                territoire_name=territoire.name,
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
