"""Start a real roadmap on a base with nothing in it: the guided start of its administrator.

A roadmap needs a territory, a service on each side and a trinôme. On a new base there is
none, so the person who created it (its first administrator) names, in one go: the
territory, their own service and its side, the service of the other side, themself, and
the roadmap. Each piece goes through its own use case (rights, validation, journal); the
whole runs in one write unit, so a refusal at the last step leaves nothing half made.
The demo's reference data is never reused: a demo service or the demo's persona is
replaced by the team's own.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from roadmap.domain import validation as v
from roadmap.domain.demo_reference import is_demo_person, is_demo_service, is_demo_territory
from roadmap.domain.enums import ServiceKind, Side
from roadmap.domain.errors import ValidationError
from roadmap.models import Person, Roadmap, Service, Territoire
from roadmap.usecases import reference as ref
from roadmap.usecases import roadmaps as rm
from roadmap.usecases.admin import require_administrator
from roadmap.usecases.base import write_unit
from roadmap.usecases.identity import Actor, actor_for

SIDES = (Side.POLITIQUE_DE_LA_VILLE.value, Side.DROIT_COMMUN.value)


@dataclass(frozen=True)
class FirstStart:
    """What the administrator types; codes are derived from the names when left empty."""

    territoire: str  # name of the contrat de ville, or the code of an existing territory
    my_name: str
    my_service: str  # name of my service
    my_side: str  # politique_de_la_ville | droit_commun
    other_service: str  # name of the other side's service
    title: str
    destination: str
    horizon: str | date


@dataclass(frozen=True)
class Started:
    slug: str
    territoire: str
    services: tuple[str, str]  # (politique de la ville, droit commun) codes


_TRAILING = {"de", "du", "des", "la", "le", "les", "l", "d", "et", "a", "au", "aux", "en"}


def code_from(name: str, limit: int = 40) -> str:
    """« Direction de la cohésion sociale » → « direction-de-la-cohesion-sociale »."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = "".join(c if c.isalnum() else " " for c in plain).split()
    kept: list[str] = []
    for word in words:
        if len("-".join([*kept, word])) > limit:
            break
        kept.append(word)
    while len(kept) > 1 and kept[-1] in _TRAILING:  # never end on « -de-la »
        kept.pop()
    return "-".join(kept) or (words[0][:limit] if words else "")


async def _free(model: Any, field: str, base: str, fallback: str) -> str:
    """A code not taken yet: ``base``, then ``base-2``, ``base-3``…"""
    base = base or fallback
    code, n = base, 1
    while await model.exists(**{field: code}):
        n += 1
        code = f"{base[:56]}-{n}"
    return code


async def needs_first_start(actor: Actor) -> bool:
    """An administrator with no real service to start from, or still the demo's persona."""
    from roadmap.usecases.admin import is_administrator

    if not await is_administrator(actor):
        return False
    person = await Person.get_or_none(login=actor.login)
    if person is not None:
        service_id = person.service_id  # type: ignore[attr-defined]
        service = await Service.get_or_none(id=service_id) if service_id else None
        if is_demo_person(person.login, person.name, service.code if service else None):
            return True
    for service in await Service.filter(kind=ServiceKind.POLITIQUE_DE_LA_VILLE, archived=False):
        if not is_demo_service(service.code, service.name):
            return False
    return True


async def first_start(actor: Actor, data: FirstStart) -> Started:
    """Create territory, both services, the person and the roadmap; return where to land."""
    side = v.text(data.my_side, "votre côté")
    if side not in SIDES:
        raise ValidationError("attendu : politique_de_la_ville ou droit_commun", field="votre côté")
    territoire_name = v.text(data.territoire, "territoire")
    my_name = v.text(data.my_name, "votre nom")
    mine = v.text(data.my_service, "votre service")
    other = v.text(data.other_service, "service de l'autre côté")
    if code_from(mine) == code_from(other):
        raise ValidationError(
            "les deux côtés doivent être deux services différents",
            field="service de l'autre côté",
        )
    title = v.text(data.title, "titre")
    v.text(data.destination, "point d'arrivée", max_length=4000)
    v.parse_date(data.horizon, "horizon", required=True)
    await require_administrator(actor, "commencer une feuille de route sur cette base")

    async def unit() -> Started:
        territoire = await _territoire(actor, territoire_name)
        pv_name, dc_name = (mine, other) if side == SIDES[0] else (other, mine)
        pv = await _service(actor, pv_name, ServiceKind.POLITIQUE_DE_LA_VILLE)
        dc = await _service(actor, dc_name, ServiceKind.DROIT_COMMUN)
        await _me(actor, my_name, pv if side == SIDES[0] else dc)
        me = await actor_for(actor.login)
        slug = await _free(Roadmap, "slug", code_from(title, 50), "feuille-de-route")
        await rm.create_roadmap(
            me,
            rm.RoadmapInput(
                slug=slug,
                title=title,
                destination=data.destination,
                horizon=data.horizon,
                pv_service=pv,
                dc_service=dc,
                territoire=territoire,
            ),
        )
        return Started(slug=slug, territoire=territoire, services=(pv, dc))

    return await write_unit(unit)


async def _territoire(actor: Actor, name: str) -> str:
    """An existing real territory named (or coded) so, or a new one."""
    for row in await Territoire.all():
        if is_demo_territory(row.code, row.name):
            continue
        if name in (row.code, row.name):
            return row.code
    code = await _free(Territoire, "code", code_from(name), "territoire")
    return (await ref.create_territoire(actor, code, name)).code


async def _service(actor: Actor, name: str, kind: ServiceKind) -> str:
    """A real service of that name and kind if the base has one, else a new one."""
    for row in await Service.filter(name=name, kind=kind, archived=False):
        if not is_demo_service(row.code, row.name):
            return row.code
    code = await _free(Service, "code", code_from(name), "service")
    return (await ref.create_service(actor, ref.ServiceInput(code, name, kind.value))).code


async def _me(actor: Actor, name: str, service_code: str) -> None:
    """The administrator's own fiche: created, or taken back from the demo's persona."""
    person = await Person.get_or_none(login=actor.login)
    if person is None:
        await ref.create_person(actor, ref.PersonInput(actor.login, name, "", service_code))
        return
    service_id = person.service_id  # type: ignore[attr-defined]
    service = await Service.get_or_none(id=service_id) if service_id else None
    if person.name != name or service is None or service.code != service_code:
        await ref.edit_person(
            actor, actor.login, person.version, name=name, service_code=service_code
        )
