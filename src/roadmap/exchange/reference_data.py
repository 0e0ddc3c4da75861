"""The file's referentiel: territories, services, people and QPV, shared by every roadmap.

An entry already in the base must be identical (the base is never overwritten by a
file, and a difference is never ignored silently); missing entries are created only
for an administrator, each journaled.
"""

from __future__ import annotations

from typing import Any

from roadmap import models as m
from roadmap.domain.demo_reference import DEMO_SLUG, is_demo_person, is_demo_service
from roadmap.exchange.import_rights import require_reference_creator
from roadmap.exchange.problems import Problems
from roadmap.usecases.base import journal
from roadmap.usecases.identity import Actor

_WHY = "le référentiel ne se modifie pas par import (formulaire Référentiel, administrateurs)"
_DEMO = (
    "cette entrée de la base vient de la démonstration : un administrateur la retire avec "
    "`roadmap demo --supprimer` (les vraies feuilles de route restent), puis réimportez"
)


def _differs(
    out: Problems, path: str, key: str, stored: Any, given: Any, demo: bool = False
) -> None:
    if stored != given:
        why = _DEMO if demo else _WHY
        out.add(f"{path}.{key}", f"diffère de la base (« {stored} » dans la base) : {why}")


async def _check_demo_leak(doc: dict[str, Any], services: dict[str, Any], out: Problems) -> None:
    """A new roadmap from a file never lands on the demo's invented services."""
    road = doc.get("feuille_de_route", {})
    slug = road.get("slug", "")
    if slug == DEMO_SLUG or await m.Roadmap.exists(slug=slug):
        return
    for key in ("service_politique_de_la_ville", "service_droit_commun"):
        row = services.get(road.get(key))
        if row is not None and is_demo_service(row.code, row.name):
            out.add(
                f"feuille_de_route.{key}",
                f"« {row.code} » est un service inventé de la démonstration : {_DEMO}",
            )


async def check_reference(doc: dict[str, Any], out: Problems) -> list[str]:
    """Problems for entries that differ from the base; the entries to create, named."""
    ref = doc.get("referentiel", {})
    services = {s.id: s for s in await m.Service.all()}
    by_code = {s.code: s for s in services.values()}
    missing: list[str] = []
    territoires = {t.code: t for t in await m.Territoire.all()}
    for i, t in enumerate(ref.get("territoires", [])):
        row = territoires.get(t["code"])
        if row is None:
            missing.append(f"territoire {t['code']}")
            continue
        _differs(out, f"referentiel.territoires[{i}]", "nom", row.name, t["nom"])
    for i, s in enumerate(ref.get("services", [])):
        row = by_code.get(s["code"])
        path = f"referentiel.services[{i}]"
        if row is None:
            missing.append(f"service {s['code']}")
            continue
        parent = services.get(row.parent_id)  # type: ignore[attr-defined]
        demo = is_demo_service(row.code, row.name)
        _differs(out, path, "nom", row.name, s["nom"], demo)
        _differs(out, path, "nature", str(row.kind.value), s["nature"], demo)
        _differs(out, path, "parent", parent.code if parent else None, s.get("parent"))
        _differs(out, path, "archive", bool(row.archived), s.get("archive", False))
    await _check_demo_leak(doc, by_code, out)
    people = {p.login: p for p in await m.Person.all()}
    for i, p in enumerate(ref.get("personnes", [])):
        row = people.get(p["login"])
        path = f"referentiel.personnes[{i}]"
        if row is None:
            missing.append(f"personne {p['login']}")
            continue
        service = services.get(row.service_id)  # type: ignore[attr-defined]
        demo = is_demo_person(row.login, row.name, service.code if service else None)
        _differs(out, path, "nom", row.name, p["nom"], demo)
        _differs(out, path, "service", service.code if service else None, p.get("service"))
        _differs(out, path, "actif", bool(row.active), p.get("actif", True))
        if "courriel" in p:  # exported only with --with-contacts
            _differs(out, path, "courriel", row.email, p["courriel"])
    qpv = {q.code: q for q in await m.Qpv.all()}
    for i, q in enumerate(ref.get("qpv", [])):
        row = qpv.get(q["code"])
        path = f"referentiel.qpv[{i}]"
        if row is None:
            missing.append(f"QPV {q['code']}")
            continue
        _differs(out, path, "nom", row.name, q["nom"])
        _differs(out, path, "commune", row.commune, q.get("commune", ""))
    return missing


async def create_missing(actor: Actor, doc: dict[str, Any], filename: str) -> list[str]:
    """Create what the base lacks (administrators only); returns what was created."""
    ref = doc.get("referentiel", {})
    reason = f"import de {filename}"
    rows = {s.code: s for s in await m.Service.all()}
    created: list[dict[str, Any]] = [s for s in ref.get("services", []) if s["code"] not in rows]
    people = {p.login for p in await m.Person.all()}
    new_people = [p for p in ref.get("personnes", []) if p["login"] not in people]
    qpv = {q.code for q in await m.Qpv.all()}
    new_qpv = [q for q in ref.get("qpv", []) if q["code"] not in qpv]
    territoires = set(await m.Territoire.all().values_list("code", flat=True))
    new_territoires = [t for t in ref.get("territoires", []) if t["code"] not in territoires]
    names = [f"territoire {t['code']}" for t in new_territoires]
    names += [f"service {s['code']}" for s in created]
    names += [f"personne {p['login']}" for p in new_people]
    names += [f"QPV {q['code']}" for q in new_qpv]
    if not names:
        return []
    await require_reference_creator(actor, names)
    for t in new_territoires:
        await m.Territoire.create(code=t["code"], name=t["nom"], updated_by=actor.login)
        await journal(
            actor, entity="territoire", ref=t["code"], operation="création", new=t["nom"],
            reason=reason,
        )  # fmt: skip
    for s in created:
        rows[s["code"]] = await m.Service.create(
            code=s["code"],
            name=s["nom"],
            kind=s["nature"],
            archived=s.get("archive", False),
            updated_by=actor.login,
        )
    for s in created:  # parents once every new service exists
        if "parent" in s:
            await m.Service.filter(id=rows[s["code"]].id).update(parent_id=rows[s["parent"]].id)
        await journal(
            actor,
            entity="service",
            ref=s["code"],
            operation="création",
            new=s["nom"],
            reason=reason,
        )
    for p in new_people:
        service = rows.get(p.get("service", ""))
        await m.Person.create(
            login=p["login"],
            name=p["nom"],
            email=p.get("courriel", ""),
            service_id=service.id if service else None,
            active=p.get("actif", True),
            updated_by=actor.login,
        )
        await journal(
            actor,
            entity="personne",
            ref=p["login"],
            operation="création",
            new=p["nom"],
            reason=reason,
        )
    for q in new_qpv:
        await m.Qpv.create(
            code=q["code"], name=q["nom"], commune=q.get("commune", ""), updated_by=actor.login
        )
        await journal(
            actor, entity="qpv", ref=q["code"], operation="création", new=q["nom"], reason=reason
        )
    return names
