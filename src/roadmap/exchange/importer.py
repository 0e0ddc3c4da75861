"""``roadmap import``: check the whole file, then write it in one journaled transaction.

Items are matched by their stable references: a roadmap already in the base is updated
(rows kept, so private annotations on its dossiers survive), a new one is created.
Reference data (services, people, QPV) and campaigns are created when missing, never
overwritten: they are shared by every roadmap.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from tortoise.exceptions import IntegrityError

from roadmap import models as m
from roadmap.domain.errors import StorageError
from roadmap.domain.permissions import Capability, require
from roadmap.exchange.integrity import check_header, check_references
from roadmap.exchange.problems import Problems
from roadmap.exchange.schema import DOCUMENT, check_table
from roadmap.exchange.toml_input import MAX_FILE_BYTES, load_toml, oversized_integers
from roadmap.usecases.base import journal, role_in, write_unit
from roadmap.usecases.identity import Actor


@dataclass
class ImportResult:
    slug: str
    created: bool
    counts: dict[str, int]
    new_reference: list[str]

    def summary(self) -> str:
        parts = ", ".join(f"{n} {k}" for k, n in self.counts.items() if n)
        return parts or "rien"


async def validate_file(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> dict[str, Any]:
    """Parse and check everything; raise ImportRefused listing every problem found."""
    doc, index = load_toml(path, max_bytes=max_bytes)
    out = Problems(path, index)
    for key_path in oversized_integers(doc):
        out.add(key_path, "entier trop grand (64 bits au plus)")
    out.raise_if_any()
    if not check_header(doc, out):
        out.raise_if_any()
    check_table(doc, DOCUMENT, "", out)
    out.raise_if_any()
    await check_references(doc, out)
    out.raise_if_any()
    return doc


async def import_file(actor: Actor, path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> ImportResult:
    doc = await validate_file(path, max_bytes=max_bytes)

    async def unit() -> ImportResult:
        return await _Writer(actor, doc, path.name).run()

    try:
        return await write_unit(unit)
    except IntegrityError as exc:
        # Checked beforehand; only a concurrent writer can get here. The transaction rolled back.
        raise StorageError(
            f"import de {path.name} annulé, rien n'a été écrit : une autre écriture a créé "
            f"les mêmes éléments entre-temps ({exc}) ; relancez l'import"
        ) from None


_LABELS = {"Axe": "axes", "Action": "actions", "Jalon": "jalons", "Indicator": "indicateurs"}


def _money(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


class _Writer:
    def __init__(self, actor: Actor, doc: dict[str, Any], filename: str) -> None:
        self.actor = actor
        self.road = doc["feuille_de_route"]
        self.ref = doc.get("referentiel", {})
        self.filename = filename
        self.services: dict[str, int] = {}
        self.people: dict[str, int] = {}
        self.qpv: dict[str, int] = {}
        self.new_reference: list[str] = []
        self.counts: dict[str, int] = {}

    async def run(self) -> ImportResult:
        slug = self.road["slug"]
        existing = await m.Roadmap.get_or_none(slug=slug)
        if existing is not None:
            require(await role_in(self.actor, existing), Capability.EDIT, roadmap=slug)
        await self._reference()
        roadmap = await self._roadmap(existing)
        rid = roadmap.id
        await m.Membership.filter(roadmap_id=rid).delete()
        await m.Membership.bulk_create(
            [
                m.Membership(
                    roadmap_id=rid,
                    person_id=self.people[x["login"]],
                    role=x["role"],
                    side=x.get("cote", "autre"),
                    updated_by=self.actor.login,
                )
                for x in self.road.get("equipe", [])
            ]
        )
        axes = await self._upsert(
            m.Axe,
            rid,
            self.road.get("axes", []),
            lambda x, i: {
                "title": x["titre"],
                "description": x.get("description", ""),
                "position": i,
            },
        )
        actions = await self._upsert(
            m.Action,
            rid,
            self.road.get("actions", []),
            lambda x, i: {
                "title": x["titre"],
                "axe_id": axes.get(x.get("axe", "")),
                "description": x.get("description", ""),
                "pilot_service_id": self.services[x["service_pilote"]],
                "owner_id": self.people.get(x.get("responsable", "")),
                "status": x.get("statut", "idee"),
                "start_date": x.get("debut"),
                "end_date": x.get("fin"),
                "pillar": x.get("pilier"),
            },
        )
        jalons = await self._upsert(
            m.Jalon,
            rid,
            self.road.get("jalons", []),
            lambda x, i: {
                "title": x["titre"],
                "kind": x.get("nature", "autre"),
                "planned_date": x["date_prevue"],
                "current_date": x["date_actuelle"],
                "status": x.get("statut", "prevu"),
                "description": x.get("description", ""),
            },
        )
        await self._action_links(rid, actions)
        await self._jalon_links(rid, jalons)
        await self._dependencies(rid, actions, jalons)
        await self._follow_up(rid, actions, jalons)
        await self._observations(rid, axes)
        await self._instruction(rid, axes, actions)
        await journal(
            self.actor,
            roadmap=slug,
            entity="feuille de route",
            ref=slug,
            operation="import",
            new=", ".join(f"{n} {k}" for k, n in self.counts.items() if n),
            reason=f"import de {self.filename}",
        )
        return ImportResult(slug, existing is None, self.counts, self.new_reference)

    async def _reference(self) -> None:
        # Services: create missing ones, then link the parents of those just created.
        rows = {s.code: s for s in await m.Service.all()}
        created: list[dict[str, Any]] = []
        for s in self.ref.get("services", []):
            if s["code"] not in rows:
                rows[s["code"]] = await m.Service.create(
                    code=s["code"],
                    name=s["nom"],
                    kind=s["nature"],
                    archived=s.get("archive", False),
                    updated_by=self.actor.login,
                )
                created.append(s)
        for s in created:
            if "parent" in s:
                await m.Service.filter(id=rows[s["code"]].id).update(parent_id=rows[s["parent"]].id)
            self.new_reference.append(f"service {s['code']}")
            await journal(
                self.actor,
                entity="service",
                ref=s["code"],
                operation="création",
                new=s["nom"],
                reason=f"import de {self.filename}",
            )
        self.services = {code: s.id for code, s in rows.items()}
        people = {p.login: p.id for p in await m.Person.all()}
        for p in self.ref.get("personnes", []):
            if p["login"] not in people:
                person = await m.Person.create(
                    login=p["login"],
                    name=p["nom"],
                    email=p.get("courriel", ""),
                    service_id=self.services.get(p.get("service", "")),
                    active=p.get("actif", True),
                    updated_by=self.actor.login,
                )
                people[p["login"]] = person.id
                self.new_reference.append(f"personne {p['login']}")
                await journal(
                    self.actor,
                    entity="personne",
                    ref=p["login"],
                    operation="création",
                    new=p["nom"],
                    reason=f"import de {self.filename}",
                )
        self.people = people
        qpv = {q.code: q.id for q in await m.Qpv.all()}
        for q in self.ref.get("qpv", []):
            if q["code"] not in qpv:
                row = await m.Qpv.create(
                    code=q["code"],
                    name=q["nom"],
                    commune=q.get("commune", ""),
                    updated_by=self.actor.login,
                )
                qpv[q["code"]] = row.id
                self.new_reference.append(f"QPV {q['code']}")
                await journal(
                    self.actor,
                    entity="qpv",
                    ref=q["code"],
                    operation="création",
                    new=q["nom"],
                    reason=f"import de {self.filename}",
                )
        self.qpv = qpv

    async def _roadmap(self, existing: m.Roadmap | None) -> m.Roadmap:
        values = {
            "title": self.road["titre"],
            "destination": self.road["point_arrivee"],
            "horizon": self.road["horizon"],
            "status": self.road.get("statut", "active"),
            "pv_service_id": self.services[self.road["service_politique_de_la_ville"]],
            "dc_service_id": self.services[self.road["service_droit_commun"]],
            "updated_by": self.actor.login,
        }
        if existing is None:
            return await m.Roadmap.create(slug=self.road["slug"], **values)
        await m.Roadmap.filter(id=existing.id).update(version=existing.version + 1, **values)
        return existing

    async def _upsert(
        self, model: Any, rid: int, items: list[dict[str, Any]], values: Any
    ) -> dict[str, int]:
        """Update rows matched by ref, create the others, delete those the file no longer has."""
        current = dict(await model.filter(roadmap_id=rid).values_list("ref", "id"))
        wanted = {x["ref"] for x in items}
        gone = [row_id for ref, row_id in current.items() if ref not in wanted]
        if gone:
            await model.filter(id__in=gone).delete()
        new = []
        for position, x in enumerate(items):
            data = values(x, position)
            if x["ref"] in current:
                await model.filter(id=current[x["ref"]]).update(**data, updated_by=self.actor.login)
            else:
                new.append(model(roadmap_id=rid, ref=x["ref"], updated_by=self.actor.login, **data))
        if new:
            await model.bulk_create(new)
        self.counts[_LABELS.get(model.__name__, model.__name__)] = len(items)
        return dict(await model.filter(roadmap_id=rid).values_list("ref", "id"))

    async def _action_links(self, rid: int, actions: dict[str, int]) -> None:
        ids = list(actions.values())
        await m.ActionContributor.filter(action_id__in=ids).delete()
        await m.ActionQpv.filter(action_id__in=ids).delete()
        await m.Engagement.filter(action_id__in=ids).delete()
        contributors, qpvs, engagements = [], [], []
        for x in self.road.get("actions", []):
            aid = actions[x["ref"]]
            contributors += [
                m.ActionContributor(action_id=aid, service_id=self.services[c])
                for c in x.get("services_contributeurs", [])
            ]
            qpvs += [m.ActionQpv(action_id=aid, qpv_id=self.qpv[q]) for q in x.get("qpv", [])]
            engagements += [
                m.Engagement(
                    action_id=aid,
                    service_id=self.services[e["service"]],
                    kind=e["nature"],
                    amount=_money(e["montant"]),
                    period_start=e.get("debut"),
                    period_end=e.get("fin"),
                    description=e.get("description", ""),
                    updated_by=self.actor.login,
                )
                for e in x.get("engagements", [])
            ]
        await m.ActionContributor.bulk_create(contributors)
        await m.ActionQpv.bulk_create(qpvs)
        await m.Engagement.bulk_create(engagements)

    async def _jalon_links(self, rid: int, jalons: dict[str, int]) -> None:
        await m.JalonInvite.filter(jalon_id__in=list(jalons.values())).delete()
        invites = []
        for x in self.road.get("jalons", []):
            jid = jalons[x["ref"]]
            invites += [
                m.JalonInvite(jalon_id=jid, service_id=self.services[s])
                for s in x.get("services_invites", [])
            ]
            invites += [
                m.JalonInvite(jalon_id=jid, person_id=self.people[p])
                for p in x.get("personnes_invitees", [])
            ]
        await m.JalonInvite.bulk_create(invites)

    async def _dependencies(
        self, rid: int, actions: dict[str, int], jalons: dict[str, int]
    ) -> None:
        await m.Dependency.filter(roadmap_id=rid).delete()
        rows = []
        for items, column, ids in (
            ("actions", "action_id", actions),
            ("jalons", "jalon_id", jalons),
        ):
            for x in self.road.get(items, []):
                own = {column: ids[x["ref"]]}
                rows += [
                    m.Dependency(roadmap_id=rid, on_action_id=actions[r], **own)
                    for r in x.get("depend_des_actions", [])
                ]
                rows += [
                    m.Dependency(roadmap_id=rid, on_jalon_id=jalons[r], **own)
                    for r in x.get("depend_des_jalons", [])
                ]
        await m.Dependency.bulk_create(rows)
        self.counts["dépendances"] = len(rows)

    async def _follow_up(self, rid: int, actions: dict[str, int], jalons: dict[str, int]) -> None:
        """Re-routings and comments: replaced as a whole by the file's history."""
        await m.Adjustment.filter(roadmap_id=rid).delete()
        await m.Comment.filter(roadmap_id=rid).delete()
        owners: list[tuple[dict[str, Any], dict[str, Any]]] = [(self.road, {})]
        owners += [(x, {"action_id": actions[x["ref"]]}) for x in self.road.get("actions", [])]
        owners += [(x, {"jalon_id": jalons[x["ref"]]}) for x in self.road.get("jalons", [])]
        adjustments, comments = [], []
        for item, link in owners:
            adjustments += [
                m.Adjustment(
                    roadmap_id=rid,
                    field=a["champ"],
                    old_value=a.get("ancienne_valeur", ""),
                    new_value=a.get("nouvelle_valeur", ""),
                    reason=a["motif"],
                    kind=a["nature"],
                    author=a["auteur"],
                    created_at=a["le"],
                    **link,
                )
                for a in item.get("ajustements", [])
            ]
            comments += [
                m.Comment(
                    roadmap_id=rid,
                    kind=c.get("nature", "commentaire"),
                    text=c["texte"],
                    author=c["auteur"],
                    created_at=c["le"],
                    **link,
                )
                for c in item.get("commentaires", [])
            ]
        await m.Adjustment.bulk_create(adjustments)
        await m.Comment.bulk_create(comments)
        self.counts["ajustements"] = len(adjustments)

    async def _observations(self, rid: int, axes: dict[str, int]) -> None:
        indicators = await self._upsert(
            m.Indicator,
            rid,
            self.road.get("indicateurs", []),
            lambda x, i: {
                "name": x["nom"],
                "unit": x.get("unite", ""),
                "axe_id": axes.get(x.get("axe", "")),
                "description": x.get("description", ""),
            },
        )
        await m.IndicatorValue.filter(indicator_id__in=list(indicators.values())).delete()
        await m.IndicatorValue.bulk_create(
            [
                m.IndicatorValue(
                    indicator_id=indicators[x["ref"]],
                    observed_on=v["date"],
                    value=Decimal(v["valeur"]),
                    comment=v.get("commentaire", ""),
                    author=v["auteur"],
                    created_at=v["le"],
                )
                for x in self.road.get("indicateurs", [])
                for v in x.get("valeurs", [])
            ]
        )
        await m.QualitativeRecord.filter(roadmap_id=rid).delete()
        await m.QualitativeRecord.bulk_create(
            [
                m.QualitativeRecord(
                    roadmap_id=rid,
                    axe_id=axes.get(r.get("axe", "")),
                    observed_on=r["date"],
                    text=r["texte"],
                    source=r.get("source", ""),
                    author=r["auteur"],
                    created_at=r["le"],
                )
                for r in self.road.get("observations_qualitatives", [])
            ]
        )

    async def _territoire_id(self, rid: int) -> int:
        """Campaigns belong to a territory: the roadmap's, else the base's only one."""
        roadmap = await m.Roadmap.get(id=rid)
        if roadmap.territoire_id:  # type: ignore[attr-defined]
            return int(roadmap.territoire_id)  # type: ignore[attr-defined]
        found = await m.Territoire.all().limit(2)
        if len(found) == 1:
            territoire = found[0]
        else:
            territoire = await m.Territoire.get_or_none(code="principal") or (
                await m.Territoire.create(
                    code="principal",
                    name="Territoire principal (à renommer)",
                    updated_by=self.actor.login,
                )
            )
            self.new_reference.append(f"territoire {territoire.code}")
        await m.Roadmap.filter(id=rid).update(territoire_id=territoire.id)
        return territoire.id

    async def _instruction(self, rid: int, axes: dict[str, int], actions: dict[str, int]) -> None:
        territoire_id = await self._territoire_id(rid)
        campaigns = {c.year: c.id for c in await m.Campagne.filter(territoire_id=territoire_id)}
        await m.CampagneRoadmap.filter(roadmap_id=rid).delete()
        links = []
        for c in self.road.get("campagnes", []):
            if c["annee"] not in campaigns:
                row = await m.Campagne.create(
                    territoire_id=territoire_id,
                    year=c["annee"],
                    title=c["titre"],
                    opens_on=c["ouverture"],
                    closes_on=c["cloture"],
                    updated_by=self.actor.login,
                )
                campaigns[c["annee"]] = row.id
                self.new_reference.append(f"campagne {c['annee']}")
            cid = campaigns[c["annee"]]
            have = set(
                await m.CampagneInstructor.filter(campagne_id=cid).values_list(
                    "service_id", flat=True
                )
            )
            await m.CampagneInstructor.bulk_create(
                [
                    m.CampagneInstructor(campagne_id=cid, service_id=self.services[s])
                    for s in c.get("services_instructeurs", [])
                    if self.services[s] not in have
                ]
            )
            if c.get("sert_la_feuille_de_route"):
                links.append(m.CampagneRoadmap(campagne_id=cid, roadmap_id=rid))
            links += [
                m.CampagneRoadmap(campagne_id=cid, roadmap_id=rid, axe_id=axes[a])
                for a in c.get("axes", [])
            ]
        await m.CampagneRoadmap.bulk_create(links)
        await self._dossiers(rid, campaigns, axes, actions)

    async def _dossiers(
        self, rid: int, campaigns: dict[int, int], axes: dict[str, int], actions: dict[str, int]
    ) -> None:
        items = self.road.get("dossiers", [])
        current = dict(
            await m.Dossier.filter(ref__in=[d["ref"] for d in items]).values_list("ref", "id")
        )
        new = []
        for d in items:
            data = {
                "campagne_id": campaigns[d["campagne"]],
                "porteur": d["porteur"],
                "title": d["titre"],
                "summary": d.get("resume", ""),
                "roadmap_id": rid,
                "action_id": actions.get(d.get("action", "")),
                "axe_id": axes.get(d.get("axe", "")),
                "pillar": d.get("pilier"),
                "total_budget": _money(d.get("budget_total", "0")),
                "amount_asked": _money(d.get("montant_demande", "0")),
                "state": d.get("etat", "depose"),
                "avis_deadline": d.get("date_limite_avis"),
                "state_reason": d.get("motif_etat", ""),
                "updated_by": self.actor.login,
            }
            if d["ref"] in current:
                await m.Dossier.filter(id=current[d["ref"]]).update(**data)
            else:
                new.append(m.Dossier(ref=d["ref"], **data))
        await m.Dossier.bulk_create(new)
        ids = dict(
            await m.Dossier.filter(ref__in=[d["ref"] for d in items]).values_list("ref", "id")
        )
        # Child rows are replaced; private annotations are not in the file and are left alone.
        for model in (m.DossierQpv, m.DossierInstructor, m.FinancementLine, m.Avis, m.Decision):
            await model.filter(dossier_id__in=list(ids.values())).delete()
        qpvs, instructors, lines, avis, decisions = [], [], [], [], []
        for d in items:
            did = ids[d["ref"]]
            qpvs += [m.DossierQpv(dossier_id=did, qpv_id=self.qpv[q]) for q in d.get("qpv", [])]
            instructors += [
                m.DossierInstructor(dossier_id=did, service_id=self.services[s])
                for s in d.get("services_instructeurs", [])
            ]
            lines += [
                m.FinancementLine(
                    dossier_id=did,
                    financeur_id=self.services[f["financeur"]],
                    asked=_money(f["demande"]),
                    granted=_money(f.get("accorde")),
                    updated_by=self.actor.login,
                )
                for f in d.get("financements", [])
            ]
            avis += [
                m.Avis(
                    dossier_id=did,
                    service_id=self.services[a["service"]],
                    person_id=self.people.get(a.get("personne", "")),
                    value=a["avis"],
                    comment=a.get("commentaire", ""),
                    given_at=a["le"],
                    current=a.get("en_vigueur", True),
                )
                for a in d.get("avis", [])
            ]
            decisions += [
                m.Decision(
                    dossier_id=did,
                    outcome=r["issue"],
                    motivation=r.get("motivation", ""),
                    revision_reason=r.get("motif_revision", ""),
                    decided_by=r["decide_par"],
                    decided_at=r["le"],
                    current=r.get("en_vigueur", True),
                )
                for r in d.get("decisions", [])
            ]
        for model, rows in (
            (m.DossierQpv, qpvs),
            (m.DossierInstructor, instructors),
            (m.FinancementLine, lines),
            (m.Avis, avis),
            (m.Decision, decisions),
        ):
            await model.bulk_create(rows)
        self.counts["dossiers"] = len(items)
