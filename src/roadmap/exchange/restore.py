"""Restore a roadmap into a base where it does not exist yet (migration, restoration).

Only here does the file's history (decisions, avis, adjustments, observations,
comments) enter the base with its recorded authors and dates; each such record gets a
journal row saying so ("restauré depuis FICHIER, auteur d'origine X"). Reference data
and campaigns already in the base are never changed: the caller checked that the file
agrees with them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from roadmap import models as m
from roadmap.exchange.copil_import import write_copil
from roadmap.exchange.problems import Problems
from roadmap.exchange.reference_data import create_missing
from roadmap.usecases.base import append_journal, journal, now
from roadmap.usecases.identity import Actor

_LABELS = {"Axe": "axes", "Action": "actions", "Jalon": "jalons", "Indicator": "indicateurs"}


def _money(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


async def restore(
    actor: Actor, doc: dict[str, Any], filename: str, territoire: str | None
) -> tuple[dict[str, int], list[str]]:
    """Write the whole file into a base that lacks its roadmap; (counts, new reference).

    ``territoire``: the code ``restore_territory`` settled on (None: « principal »)."""
    writer = _Writer(actor, doc, filename)
    writer.territoire = territoire
    return await writer.run()


class _Writer:
    def __init__(self, actor: Actor, doc: dict[str, Any], filename: str) -> None:
        self.actor = actor
        self.doc = doc
        self.restored: list[m.JournalEntry] = []
        self.road = doc["feuille_de_route"]
        self.ref = doc.get("referentiel", {})
        self.filename = filename
        self.services: dict[str, int] = {}
        self.people: dict[str, int] = {}
        self.qpv: dict[str, int] = {}
        self.new_reference: list[str] = []
        self.counts: dict[str, int] = {}
        self.territoire: str | None = None  # code, from restore_territory

    async def run(self) -> tuple[dict[str, int], list[str]]:
        slug = self.road["slug"]
        self.new_reference = await create_missing(self.actor, self.doc, self.filename)
        self.services = dict(await m.Service.all().values_list("code", "id"))
        self.people = dict(await m.Person.all().values_list("login", "id"))
        self.qpv = dict(await m.Qpv.all().values_list("code", "id"))
        roadmap = await self._roadmap()
        rid = roadmap.id
        await m.Membership.filter(roadmap_id=rid).delete()
        # The importer's own seat first: on PostgreSQL row-level security lets a team role
        # write a roadmap's team only while it has none, or as its trinôme or direction.
        team = sorted(self.road.get("equipe", []), key=lambda x: x["login"] != self.actor.login)
        await m.Membership.bulk_create(
            [
                m.Membership(
                    roadmap_id=rid,
                    person_id=self.people[x["login"]],
                    role=x["role"],
                    side=x.get("cote", "autre"),
                    updated_by=self.actor.login,
                )
                for x in team
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
        self.counts.update(
            await write_copil(
                self.actor, self.road, rid, self.people, actions, jalons, self.filename
            )
        )
        await journal(
            self.actor,
            roadmap=slug,
            entity="feuille de route",
            ref=slug,
            operation="import",
            new=", ".join(f"{n} {k}" for k, n in self.counts.items() if n),
            reason=f"restauré depuis {self.filename} (la feuille de route n'existait pas)",
        )
        await append_journal(self.restored)  # chained like every journal row (issue 10)
        return self.counts, self.new_reference

    def _restored(self, entity: str, ref: str, author: str, new: Any, when: Any) -> None:
        """A history record entering the base with its original author and date."""
        self.restored.append(
            m.JournalEntry(
                at=now(),
                actor=self.actor.login,
                roadmap_slug=self.road["slug"],
                entity=entity,
                entity_ref=ref,
                operation="restauration",
                field="",
                old_value="",
                new_value=str(new)[:200],
                reason=f"restauré depuis {self.filename}, auteur d'origine {author}, "
                f"le {when.isoformat() if hasattr(when, 'isoformat') else when}",
            )
        )

    async def _roadmap(self) -> m.Roadmap:
        values = {
            "title": self.road["titre"],
            "destination": self.road["point_arrivee"],
            "horizon": self.road["horizon"],
            "status": self.road.get("statut", "active"),
            "pv_service_id": self.services[self.road["service_politique_de_la_ville"]],
            "dc_service_id": self.services[self.road["service_droit_commun"]],
            "updated_by": self.actor.login,
        }
        return await m.Roadmap.create(slug=self.road["slug"], **values)

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
                    cause=a.get("cause", ""),
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
        for item, _link in owners:
            ref = item.get("ref") or item.get("slug", "")
            for a in item.get("ajustements", []):
                old, new = a.get("ancienne_valeur", ""), a.get("nouvelle_valeur", "")
                text = f"{a['champ']} : {old} → {new}"
                self._restored("ajustement", ref, a["auteur"], text, a["le"])
            for c in item.get("commentaires", []):
                self._restored("commentaire", ref, c["auteur"], c["texte"], c["le"])
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
        for x in self.road.get("indicateurs", []):
            for v in x.get("valeurs", []):
                self._restored(
                    "valeur", x["ref"], v["auteur"], f"{v['date']} : {v['valeur']}", v["le"]
                )
        for r in self.road.get("observations_qualitatives", []):
            self._restored("observation", r.get("source", ""), r["auteur"], r["texte"], r["le"])

    async def _territoire_id(self, rid: int) -> int:
        """The file's territory (created beforehand from [referentiel] if new), the one
        chosen with --territoire, else the base's only one, else « principal » (format 1)."""
        territoire = (
            await m.Territoire.get_or_none(code=self.territoire) if self.territoire else None
        )
        if territoire is None:
            territoire = await m.Territoire.create(
                code=DEFAULT_TERRITORY[0], name=DEFAULT_TERRITORY[1], updated_by=self.actor.login
            )
            self.new_reference.append(f"territoire {territoire.code}")
            await journal(
                self.actor,
                entity="territoire",
                ref=territoire.code,
                operation="création",
                new=territoire.name,
                reason=f"restauré depuis {self.filename}",
            )
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
                await journal(
                    self.actor,
                    roadmap=self.road["slug"],
                    entity="campagne",
                    ref=f"AAP{c['annee']}",
                    operation="création",
                    new=c["titre"],
                    reason=f"restauré depuis {self.filename}",
                )
                await m.CampagneInstructor.bulk_create(
                    [
                        m.CampagneInstructor(campagne_id=row.id, service_id=self.services[s])
                        for s in c.get("services_instructeurs", [])
                    ]
                )
            else:  # shared and checked identical beforehand: only this roadmap's link is new
                await journal(
                    self.actor,
                    roadmap=self.road["slug"],
                    entity="campagne",
                    ref=f"AAP{c['annee']}",
                    operation="rattachement",
                    new=self.road["slug"],
                    reason=f"restauré depuis {self.filename}",
                )
            cid = campaigns[c["annee"]]
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
            for a in d.get("avis", []):
                self._restored(
                    "avis",
                    d["ref"],
                    a.get("personne", a["service"]),
                    f"{a['service']} : {a['avis']}",
                    a["le"],
                )
            for r in d.get("decisions", []):
                self._restored("décision", d["ref"], r["decide_par"], r["issue"], r["le"])
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


DEFAULT_TERRITORY = ("principal", "Territoire principal (à renommer)")


async def restore_territory(road: dict[str, Any], chosen: str, out: Problems) -> str | None:
    """The territory a restored roadmap (and its campaigns, by year) lands in: the file's
    (schema 2), or ``chosen`` (--territoire), or the base's only one; None: « principal »,
    created. A file without territory is refused when the base holds several."""
    named = road.get("territoire")
    chosen = (chosen or "").strip()
    codes = sorted(await m.Territoire.all().values_list("code", flat=True))
    if named and chosen and named != chosen:
        out.add(
            "feuille_de_route.territoire",
            f"le fichier dit « {named} », --territoire dit « {chosen} » : "
            "une feuille de route relève d'un seul territoire",
        )
    if named:
        return str(named)  # in the base, or in [referentiel] (created by an administrator)
    if chosen:
        if chosen not in codes:
            out.add(
                "--territoire",
                f"territoire « {chosen} » inconnu (territoires : {', '.join(codes) or 'aucun'}) ; "
                f"un administrateur le crée : roadmap admin territoire {chosen} NOM",
            )
        return chosen
    if len(codes) > 1:
        out.add(
            "feuille_de_route",
            "le fichier (schema_version 1) ne dit pas à quel territoire appartient la feuille de "
            f"route, et la base en compte plusieurs ({', '.join(codes)}) : précisez-le avec "
            "roadmap import --territoire CODE",
        )
        return None
    if codes:
        return codes[0]
    return None


async def check_restore(road: dict[str, Any], territoire_code: str | None, out: Problems) -> None:
    """Shared rows a restoration may not touch: campaigns must agree, dossiers be new."""
    territoire = await m.Territoire.get_or_none(code=territoire_code) if territoire_code else None
    for i, c in enumerate(road.get("campagnes", [])):
        row = (
            await m.Campagne.get_or_none(year=c["annee"], territoire_id=territoire.id)
            if territoire
            else None
        )
        if row is None:
            continue
        instructors = sorted(
            await m.CampagneInstructor.filter(campagne_id=row.id).values_list(
                "service__code", flat=True
            )
        )
        stored = {
            "titre": row.title,
            "ouverture": row.opens_on,
            "cloture": row.closes_on,
            "services_instructeurs": instructors,
        }
        for key, value in stored.items():
            given = c.get(key, [] if key == "services_instructeurs" else None)
            if given != value:
                out.add(
                    f"feuille_de_route.campagnes[{i}].{key}",
                    f"la campagne {c['annee']} du territoire « {territoire.code} » existe déjà et "
                    f"diffère (base : {value}) ; une "
                    "campagne est partagée entre feuilles de route et la restauration de "
                    "l'une ne la modifie pas : reprenez dans ce fichier la valeur de la base, "
                    "puis relancez l'import",
                )
    refs = [d["ref"] for d in road.get("dossiers", [])]
    taken = dict(await m.Dossier.filter(ref__in=refs).values_list("ref", "roadmap__slug"))
    for i, d in enumerate(road.get("dossiers", [])):
        if d["ref"] in taken:
            owner = taken[d["ref"]] or "aucune feuille de route"
            out.add(
                f"feuille_de_route.dossiers[{i}].ref",
                f"le dossier « {d['ref']} » existe déjà ({owner}) : une restauration ne "
                "reprend pas un dossier existant",
            )
