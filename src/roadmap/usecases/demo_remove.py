"""Remove the demo for good (``roadmap demo --supprimer``, Accueil): administrators only.

The demo roadmap goes as when it is replaced (``demo_replace``), and so does the
reference data it brought: its invented services, people, QPV and territory, and the
runner's seat while it still carries the demo's persona. What a real roadmap uses stays
(a restricted foreign key says so, inside a savepoint) and is named in the result. All of
it in one write unit, every deletion journaled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.transactions import in_transaction

from roadmap.domain.demo_reference import (
    DEMO_SLUG,
    is_demo_person,
    is_demo_qpv,
    is_demo_service,
    is_demo_territory,
)
from roadmap.domain.errors import NotFound
from roadmap.formatting import plural
from roadmap.models import (
    Action,
    JalonInvite,
    Membership,
    Person,
    Proposition,
    Qpv,
    ReleveDecision,
    Roadmap,
    Service,
    ServiceExport,
    Territoire,
)
from roadmap.models.instruction import Avis
from roadmap.usecases.admin import require_administrator
from roadmap.usecases.base import journal, write_unit
from roadmap.usecases.demo_replace import DemoDeletion, delete_demo, demo_deletion
from roadmap.usecases.identity import Actor

WHAT = "retirer la démonstration"
WHY = "donnée de référence de la démonstration, retirée avec elle"


@dataclass
class DemoRemoval:
    roadmap: DemoDeletion | None
    removed: list[str] = field(default_factory=list)  # « service dcs », « personne jrey »…
    kept: list[str] = field(default_factory=list)  # still used by a real roadmap

    def lines(self) -> list[str]:
        out = list(self.roadmap.lines()) if self.roadmap else []
        gone = set(self.roadmap.people) if self.roadmap else set()
        by_kind: dict[str, int] = {}
        for item in self.removed:
            kind, code = item.split(" ", 1)
            if not (kind == "personne" and code in gone):  # counted with the roadmap
                by_kind[kind] = by_kind.get(kind, 0) + 1
        words = {"personne": "personne", "service": "service", "qpv": "QPV"}
        for kind, n in by_kind.items():
            out.append(plural(n, words.get(kind, kind)) + " de la démonstration")
        return out


async def _demo_people() -> list[Person]:
    people = []
    for person in await Person.all().prefetch_related("service"):
        service = person.service
        if is_demo_person(person.login, person.name, service.code if service else None):
            people.append(person)
    return people


async def _reference_rows() -> list[tuple[str, str, object]]:
    """(kind, code, row) of the demo's reference data, people first (they use services)."""
    rows: list[tuple[str, str, object]] = [("personne", p.login, p) for p in await _demo_people()]
    rows += [("service", s.code, s) for s in await Service.all() if is_demo_service(s.code, s.name)]
    rows += [("qpv", q.code, q) for q in await Qpv.all() if is_demo_qpv(q.code, q.name)]
    rows += [
        ("territoire", t.code, t)
        for t in await Territoire.all()
        if is_demo_territory(t.code, t.name)
    ]
    return rows


async def _person_used(person_id: int) -> bool:
    """Referred to by a row that would lose its person silently (SET NULL) or refuse."""
    return (
        await Membership.exists(person_id=person_id)
        or await Action.exists(owner_id=person_id)
        or await JalonInvite.exists(person_id=person_id)
        or await Avis.exists(person_id=person_id)
        or await ReleveDecision.exists(carrier_id=person_id)
    )


async def preview_demo_removal() -> DemoRemoval:
    """What removing the demo would delete (reads only; kept rows are known only then)."""
    roadmap = None
    if await Roadmap.exists(slug=DEMO_SLUG):
        roadmap = await demo_deletion(DEMO_SLUG, [p.login for p in await _demo_people()])
    rows = await _reference_rows()
    return DemoRemoval(roadmap=roadmap, removed=[f"{kind} {code}" for kind, code, _ in rows])


async def remove_demo(actor: Actor) -> DemoRemoval:
    await require_administrator(actor, WHAT)

    async def unit() -> DemoRemoval:
        await require_administrator(actor, WHAT)
        deleted = None
        if await Roadmap.exists(slug=DEMO_SLUG):
            logins = [p.login for p in await _demo_people()]
            deleted = await delete_demo(actor, DEMO_SLUG, logins)
        result = DemoRemoval(roadmap=deleted)
        for kind, code, row in await _reference_rows():
            if kind == "personne" and await _person_used(row.id):  # type: ignore[attr-defined]
                result.kept.append(f"{kind} {code}")  # e.g. owns a real action: never unset
                continue
            try:
                async with in_transaction():  # a savepoint: a refused delete undoes only itself
                    await type(row).filter(id=row.id).delete()  # type: ignore[attr-defined]
            except (IntegrityError, OperationalError):
                result.kept.append(f"{kind} {code}")
                continue
            result.removed.append(f"{kind} {code}")
            await journal(
                actor,
                roadmap=DEMO_SLUG,
                entity=kind,
                ref=code,
                operation="suppression",
                old=str(getattr(row, "name", "")),
                reason=WHY,
            )
        await Proposition.filter(roadmap_slug=DEMO_SLUG).delete()
        demo_codes = {r.split(" ", 1)[1] for r in result.removed if r.startswith("service ")}
        await ServiceExport.filter(service_code__in=sorted(demo_codes) or [""]).delete()
        if deleted is None and not result.removed:
            raise NotFound("aucune démonstration dans cette base : rien à retirer")
        return result

    return await write_unit(unit)
