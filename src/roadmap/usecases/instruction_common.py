"""Shared helpers of the instruction use cases: year parsing and loading campaigns,
dossiers, roadmaps, services and the actor's roles on a dossier."""

from __future__ import annotations

from collections.abc import Sequence

from roadmap.domain.enums import (
    Role,
)
from roadmap.domain.errors import NotFound, PermissionDenied, ValidationError
from roadmap.domain.permissions import Capability, allowed, require
from roadmap.formatting import agree
from roadmap.models import (
    Campagne,
    CampagneRoadmap,
    Dossier,
    DossierInstructor,
    Membership,
    Person,
    Roadmap,
    Service,
)
from roadmap.usecases.admin import require_known
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


def clean_codes(values: Sequence[str] | None) -> list[str]:
    """Deduplicated, stripped codes in their given order."""
    seen: list[str] = []
    for raw in values or ():
        code = (raw or "").strip()
        if code and code not in seen:
            seen.append(code)
    return seen


# --- loading helpers ---------------------------------------------------------------------


async def campagne_by_year(year: int | str, territoire: str | None = None) -> Campagne:
    """The campaign of ``year``; ``territoire`` (code) is needed only when several
    territories have a campaign that year."""
    y = parse_year(year, "campagne")
    query = Campagne.filter(year=y)
    code = (territoire or "").strip()
    if code:
        query = query.filter(territoire__code=code)
    found = await query.limit(2)
    if not found:
        where = f" pour le territoire « {code} »" if code else ""
        raise NotFound(f"aucune campagne AAP {y}{where}", field="campagne")
    if len(found) > 1:
        codes = await Campagne.filter(year=y).values_list("territoire__code", flat=True)
        names = ", ".join(sorted(map(str, codes)))
        raise ValidationError(
            f"plusieurs territoires ont une campagne AAP {y} ({names}) : précisez le territoire",
            field="territoire",
        )
    return found[0]


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


async def roadmap_by_slug(slug: str, field: str) -> Roadmap:
    roadmap = await Roadmap.get_or_none(slug=slug)
    if roadmap is None:
        raise NotFound(f"feuille de route « {slug} » introuvable", field=field)
    return roadmap


async def campagne_slugs(campagne_id: int) -> list[str]:
    rows = await CampagneRoadmap.filter(campagne_id=campagne_id).values_list(
        "roadmap__slug", flat=True
    )
    return sorted({str(r) for r in rows})


async def linked_slugs(dossier: Dossier) -> list[str]:
    """The dossier's roadmap first, then the other roadmaps of its campaign."""
    slugs = await campagne_slugs(dossier.campagne_id)  # type: ignore[attr-defined]
    if dossier.roadmap_id:  # type: ignore[attr-defined]
        own = await Roadmap.get(id=dossier.roadmap_id).values_list("slug", flat=True)  # type: ignore[attr-defined]
        slugs = [str(own)] + [s for s in slugs if s != own]
    return slugs


async def authorize_dossier(actor: Actor, dossier: Dossier, capability: Capability) -> str:
    """Check ``capability`` on a roadmap linked to the dossier; return the journal's slug."""
    require_known(actor, f"« {capability.value} » sur {dossier.ref}")
    slugs = await linked_slugs(dossier)
    if not slugs:
        raise PermissionDenied("ce dossier n'est rattaché à aucune feuille de route")
    roles = await roles_of(actor, slugs)
    for slug in slugs:
        if allowed(roles.get(slug), capability):
            return slugs[0]
    require(roles.get(slugs[0]), capability, roadmap=slugs[0])
    raise AssertionError("unreachable")


async def roles_of(actor: Actor, slugs: Sequence[str]) -> dict[str, Role]:
    if actor.person_id is None:
        return {}
    rows = await Membership.filter(
        person_id=actor.person_id, roadmap__slug__in=list(slugs)
    ).values_list("roadmap__slug", "role")
    return {str(s): Role(r) for s, r in rows}


async def instructor_ids(dossier_id: int) -> dict[int, str]:
    rows = await DossierInstructor.filter(dossier_id=dossier_id).values_list(
        "service_id", "service__code"
    )
    return {int(i): str(c) for i, c in rows}


async def services_by_code(codes: Sequence[str], field: str) -> list[Service]:
    found = {s.code: s for s in await Service.filter(code__in=list(codes))}
    missing = [c for c in codes if c not in found]
    if missing:
        what = agree(len(missing), "service inconnu", "services inconnus")
        raise NotFound(f"{what} : {', '.join(missing)}", field=field)
    return [found[c] for c in codes]


async def home_service(actor: Actor) -> Service | None:
    if actor.person_id is None:
        return None
    person = await Person.get_or_none(id=actor.person_id).prefetch_related("service")
    return person.service if person else None  # type: ignore[return-value]
