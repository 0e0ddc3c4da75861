"""Build the ``<slug>.toml`` document of one roadmap from a snapshot.

Items refer to each other by stable references (slug, code, login, ref, year), never row
ids. Lists are sorted in Python, not by SQL collation, so both backends give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from roadmap.exchange import copil_doc
from roadmap.exchange.metadata import KIND_ROADMAP, ExportOptions, header
from roadmap.exchange.snapshot import Row, Snapshot
from roadmap.exchange.values import (
    as_date,
    as_datetime,
    money,
    natural_key,
    number,
    prune,
    sorted_few,
)


class _Refs:
    """Row id → stable reference, and the reference data a document mentions.

    It also holds the snapshot's lookups its items make, fetched once per document
    rather than once per item (thousands of items per roadmap).
    """

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        self.services: set[int] = set()
        self.people: set[int] = set()
        self.qpv: set[int] = set()
        self.territoires: set[int] = set()
        self._codes = snap.column("service", "code")
        self._logins = snap.column("person", "login")
        self._qpv_codes = snap.column("qpv", "code")
        self._refs = {t: snap.column(t, "ref") for t in ("action", "jalon", "axe")}
        self._years: dict[int, int] = {}
        of = snap.index
        self.dependencies = {c: of("dependency", c) for c in ("action_id", "jalon_id")}
        self.adjustments = {c: of("adjustment", c) for c in ("action_id", "jalon_id")}
        self.comments = {c: of("comment", c) for c in ("action_id", "jalon_id")}
        self.contributors = of("action_contributor", "action_id")
        self.action_qpv = of("action_qpv", "action_id")
        self.engagements = of("engagement", "action_id")
        self.invites = of("jalon_invite", "jalon_id")
        self.financements = of("financement_line", "dossier_id")
        self.avis = of("avis", "dossier_id")
        self.decisions = of("decision", "dossier_id")
        self.dossier_qpv = of("dossier_qpv", "dossier_id")
        self.instructors = of("dossier_instructor", "dossier_id")

    def service(self, sid: int | None) -> str | None:
        if sid is None:
            return None
        self.services.add(sid)
        return self._codes[sid]  # type: ignore[no-any-return]

    def person(self, pid: int | None) -> str | None:
        if pid is None:
            return None
        self.people.add(pid)
        return self._logins[pid]  # type: ignore[no-any-return]

    def territoire(self, tid: int | None) -> str | None:
        if tid is None:
            return None
        self.territoires.add(tid)
        return self.snap.column("territoire", "code")[tid]  # type: ignore[no-any-return]

    def qpv_code(self, qid: int) -> str:
        self.qpv.add(qid)
        return self._qpv_codes[qid]  # type: ignore[no-any-return]

    def ref(self, table: str, row_id: int | None) -> str | None:
        return self._refs[table].get(row_id)  # type: ignore[arg-type]

    def year(self, campagne_id: int) -> int:
        year = self._years.get(campagne_id)
        if year is None:
            campagne = self.snap.get("campagne", campagne_id)
            assert campagne is not None
            year = self._years[campagne_id] = int(campagne["year"])
        return year


def _sorted_refs(values: list[str | None]) -> list[str]:
    return sorted({v for v in values if v}, key=natural_key)


def _adjustments(rows: Sequence[Row]) -> list[dict[str, Any]]:
    items = [
        prune(
            {
                "champ": r["field"],
                "ancienne_valeur": r["old_value"],
                "nouvelle_valeur": r["new_value"],
                "motif": r["reason"],
                "cause": r["cause"],
                "nature": r["kind"],
                "auteur": r["author"],
                "le": as_datetime(r["created_at"]),
            }
        )
        for r in rows
    ]
    return sorted_few(items, _chrono_key)


def _comments(rows: Sequence[Row]) -> list[dict[str, Any]]:
    items = [
        prune(
            {
                "nature": r["kind"],
                "texte": r["text"],
                "auteur": r["author"],
                "le": as_datetime(r["created_at"]),
            }
        )
        for r in rows
    ]
    return sorted_few(items, _chrono_key)


def _chrono_key(item: dict[str, Any]) -> tuple[Any, ...]:
    """Date first, then every other value as text: total and backend-independent."""
    when = item.get("le") or item.get("date")
    return (str(when), sorted((k, str(v)) for k, v in item.items()))


def _dependencies(snap: Snapshot, refs: _Refs, column: str, item_id: int) -> dict[str, Any]:
    deps = refs.dependencies[column].get(item_id, ())
    if not deps:
        return {"depend_des_actions": [], "depend_des_jalons": []}
    return {
        "depend_des_actions": _sorted_refs([refs.ref("action", d["on_action_id"]) for d in deps]),
        "depend_des_jalons": _sorted_refs([refs.ref("jalon", d["on_jalon_id"]) for d in deps]),
    }


def _action(snap: Snapshot, refs: _Refs, a: Row, margins: dict[str, int] | None) -> dict[str, Any]:
    aid = a["id"]
    engagements = refs.engagements.get(aid)
    adjustments = refs.adjustments["action_id"].get(aid)
    comments = refs.comments["action_id"].get(aid)
    item = {
        "ref": a["ref"],
        "titre": a["title"],
        "axe": refs.ref("axe", a["axe_id"]),
        "description": a["description"],
        "service_pilote": refs.service(a["pilot_service_id"]),
        "responsable": refs.person(a["owner_id"]),
        "statut": a["status"],
        "debut": as_date(a["start_date"]),
        "fin": as_date(a["end_date"]),
        "pilier": a["pillar"],
        "services_contributeurs": sorted(
            [refs.service(c["service_id"]) or "" for c in refs.contributors.get(aid, ())]
        ),
        "qpv": sorted([refs.qpv_code(q["qpv_id"]) for q in refs.action_qpv.get(aid, ())]),
        **_dependencies(snap, refs, "action_id", aid),
        "marge_jours": (margins or {}).get(a["ref"]),
        # most actions have none of these three: no list built, no call made
        "engagements": sorted_few(
            [
                prune(
                    {
                        "service": refs.service(e["service_id"]),
                        "nature": e["kind"],
                        "montant": money(e["amount"]),
                        "debut": as_date(e["period_start"]),
                        "fin": as_date(e["period_end"]),
                        "description": e["description"],
                    }
                )
                for e in engagements
            ],
            lambda e: sorted((k, str(v)) for k, v in e.items()),
        )
        if engagements
        else None,
        "ajustements": _adjustments(adjustments) if adjustments else None,
        "commentaires": _comments(comments) if comments else None,
    }
    return prune(item)


def _jalon(snap: Snapshot, refs: _Refs, j: Row, margins: dict[str, int] | None) -> dict[str, Any]:
    jid = j["id"]
    invites = refs.invites.get(jid, ())
    item = {
        "ref": j["ref"],
        "titre": j["title"],
        "nature": j["kind"],
        "date_prevue": as_date(j["planned_date"]),
        "date_actuelle": as_date(j["current_date"]),
        "statut": j["status"],
        "description": j["description"],
        "services_invites": sorted({refs.service(i["service_id"]) or "" for i in invites} - {""}),
        "personnes_invitees": sorted({refs.person(i["person_id"]) or "" for i in invites} - {""}),
        **_dependencies(snap, refs, "jalon_id", jid),
        "marge_jours": (margins or {}).get(j["ref"]),
        "ajustements": _adjustments(refs.adjustments["jalon_id"].get(jid, ())),
        "commentaires": _comments(refs.comments["jalon_id"].get(jid, ())),
    }
    return prune(item)


def _indicator(snap: Snapshot, refs: _Refs, i: Row) -> dict[str, Any]:
    values = [
        prune(
            {
                "date": as_date(v["observed_on"]),
                "valeur": number(v["value"]),
                "commentaire": v["comment"],
                "auteur": v["author"],
                "le": as_datetime(v["created_at"]),
            }
        )
        for v in snap.of("indicator_value", "indicator_id", i["id"])
    ]
    return prune(
        {
            "ref": i["ref"],
            "nom": i["name"],
            "unite": i["unit"],
            "axe": refs.ref("axe", i["axe_id"]),
            "description": i["description"],
            "valeurs": sorted(values, key=lambda v: (str(v["date"]), _chrono_key(v))),
        }
    )


def dossier_roadmap_id(snap: Snapshot, d: Row) -> int | None:
    """The roadmap a dossier belongs to: its own link, else its action's or axe's."""
    if d["roadmap_id"] is not None:
        return int(d["roadmap_id"])
    for table, column in (("action", "action_id"), ("axe", "axe_id")):
        row = snap.get(table, d[column])
        if row is not None:
            return int(row["roadmap_id"])
    return None


def _dossier(snap: Snapshot, refs: _Refs, d: Row) -> dict[str, Any]:
    did = d["id"]
    financements = [
        prune(
            {
                "financeur": refs.service(f["financeur_id"]),
                "demande": money(f["asked"]),
                "accorde": money(f["granted"]),
            }
        )
        for f in refs.financements.get(did, ())
    ]
    avis = [
        prune(
            {
                "service": refs.service(a["service_id"]),
                "personne": refs.person(a["person_id"]),
                "avis": a["value"],
                "commentaire": a["comment"],
                "le": as_datetime(a["given_at"]),
                "en_vigueur": bool(a["current"]),
            }
        )
        for a in refs.avis.get(did, ())
    ]
    decisions = [
        prune(
            {
                "issue": r["outcome"],
                "motivation": r["motivation"],
                "motif_revision": r["revision_reason"],
                "decide_par": r["decided_by"],
                "le": as_datetime(r["decided_at"]),
                "en_vigueur": bool(r["current"]),
            }
        )
        for r in refs.decisions.get(did, ())
    ]
    # Private annotations (models.Annotation) are never read: they are not in the snapshot.
    return prune(
        {
            "ref": d["ref"],
            "campagne": refs.year(d["campagne_id"]),
            "porteur": d["porteur"],
            "titre": d["title"],
            "resume": d["summary"],
            "action": refs.ref("action", d["action_id"]),
            "axe": refs.ref("axe", d["axe_id"]),
            "pilier": d["pillar"],
            "budget_total": money(d["total_budget"]),
            "montant_demande": money(d["amount_asked"]),
            "etat": d["state"],
            "date_limite_avis": as_date(d["avis_deadline"]),
            "motif_etat": d["state_reason"],
            "qpv": sorted([refs.qpv_code(q["qpv_id"]) for q in refs.dossier_qpv.get(did, ())]),
            "services_instructeurs": sorted(
                [refs.service(i["service_id"]) or "" for i in refs.instructors.get(did, ())]
            ),
            "financements": sorted_few(financements, _financeur),
            "avis": sorted_few(avis, _chrono_key),
            "decisions": sorted_few(decisions, _chrono_key),
        }
    )


def _financeur(item: dict[str, Any]) -> Any:
    return item["financeur"]


def _campaigns(
    snap: Snapshot, refs: _Refs, roadmap_id: int, dossiers: list[Row]
) -> list[dict[str, Any]]:
    links = snap.of("campagne_roadmap", "roadmap_id", roadmap_id)
    ids = {link["campagne_id"] for link in links} | {d["campagne_id"] for d in dossiers}
    items = []
    for cid in ids:
        c = snap.get("campagne", cid)
        assert c is not None
        own = [link for link in links if link["campagne_id"] == cid]
        items.append(
            prune(
                {
                    "annee": int(c["year"]),
                    "titre": c["title"],
                    "ouverture": as_date(c["opens_on"]),
                    "cloture": as_date(c["closes_on"]),
                    "services_instructeurs": sorted(
                        refs.service(i["service_id"]) or ""
                        for i in snap.of("campagne_instructor", "campagne_id", cid)
                    ),
                    "sert_la_feuille_de_route": any(link["axe_id"] is None for link in own),
                    "axes": _sorted_refs([refs.ref("axe", link["axe_id"]) for link in own]),
                }
            )
        )
    return sorted(items, key=lambda c: c["annee"])


def _reference(snap: Snapshot, refs: _Refs, options: ExportOptions) -> dict[str, Any]:
    # People first: their home service joins the services listed.
    people = []
    for pid in refs.people:
        p = snap.get("person", pid)
        assert p is not None
        people.append(
            prune(
                {
                    "login": p["login"],
                    "nom": p["name"],
                    "service": refs.service(p["service_id"]),
                    "actif": bool(p["active"]),
                    "courriel": p["email"] if options.with_contacts else None,
                }
            )
        )
    pending = list(refs.services)
    while pending:  # parents of listed services are listed too
        row = snap.get("service", pending.pop())
        if row and row["parent_id"] is not None and row["parent_id"] not in refs.services:
            refs.services.add(row["parent_id"])
            pending.append(row["parent_id"])
    services = []
    for sid in refs.services:
        s = snap.get("service", sid)
        assert s is not None
        parent = snap.get("service", s["parent_id"])
        services.append(
            prune(
                {
                    "code": s["code"],
                    "nom": s["name"],
                    "nature": s["kind"],
                    "parent": parent["code"] if parent else None,
                    "archive": True if s["archived"] else None,
                }
            )
        )
    qpv = []
    for qid in refs.qpv:
        q = snap.get("qpv", qid)
        assert q is not None
        qpv.append(prune({"code": q["code"], "nom": q["name"], "commune": q["commune"]}))
    territoires = []
    for tid in refs.territoires:
        t = snap.get("territoire", tid)
        assert t is not None
        territoires.append({"code": t["code"], "nom": t["name"]})
    return prune(
        {
            "territoires": sorted(territoires, key=lambda t: t["code"]),
            "services": sorted(services, key=lambda s: s["code"]),
            "personnes": sorted(people, key=lambda p: p["login"]),
            "qpv": sorted(qpv, key=lambda q: q["code"]),
        }
    )


def referentiel_services(
    snap: Snapshot, roadmap: Row, dossiers: list[Row] | None = None
) -> set[int]:
    """Ids of the services the document's ``[[referentiel.services]]`` lists, without
    building it: an export of one roadmap writes their files, and knowing them at once
    lets its helper process start on them while this one builds the document (issue 15).

    The same mentions as build_roadmap_document's ``refs.service`` and ``refs.person``
    calls, then _reference's closure (people's home services, parents); any service or
    person the builder learns to mention must be added here too (test_referentiel.py
    compares both on random snapshots).
    """
    rid = roadmap["id"]
    if dossiers is None:
        dossiers = roadmap_dossiers(snap, rid)
    of = snap.index
    services = {roadmap["pv_service_id"], roadmap["dc_service_id"]}
    people = {m["person_id"] for m in snap.of("membership", "roadmap_id", rid)}
    people.update(copil_doc.people_of_releve(snap, rid))
    contributors, engagements = of("action_contributor", "action_id"), of("engagement", "action_id")
    for a in snap.of("action", "roadmap_id", rid):
        services.add(a["pilot_service_id"])
        people.add(a["owner_id"])
        services.update(c["service_id"] for c in contributors.get(a["id"], ()))
        services.update(e["service_id"] for e in engagements.get(a["id"], ()))
    invites = of("jalon_invite", "jalon_id")
    for j in snap.of("jalon", "roadmap_id", rid):
        for i in invites.get(j["id"], ()):
            services.add(i["service_id"])
            people.add(i["person_id"])
    financements, avis = of("financement_line", "dossier_id"), of("avis", "dossier_id")
    instructors = of("dossier_instructor", "dossier_id")
    campagnes = {link["campagne_id"] for link in snap.of("campagne_roadmap", "roadmap_id", rid)}
    for d in dossiers:
        did = d["id"]
        campagnes.add(d["campagne_id"])
        services.update(f["financeur_id"] for f in financements.get(did, ()))
        services.update(i["service_id"] for i in instructors.get(did, ()))
        for a in avis.get(did, ()):
            services.add(a["service_id"])
            people.add(a["person_id"])
    for cid in campagnes:
        services.update(i["service_id"] for i in snap.of("campagne_instructor", "campagne_id", cid))
    people.discard(None)
    for pid in people:
        person = snap.get("person", pid)
        assert person is not None
        services.add(person["service_id"])
    services.discard(None)
    pending = list(services)
    while pending:  # parents of listed services are listed too
        row = snap.get("service", pending.pop())
        if row and row["parent_id"] is not None and row["parent_id"] not in services:
            services.add(row["parent_id"])
            pending.append(row["parent_id"])
    return services  # type: ignore[return-value]


def roadmap_dossiers(snap: Snapshot, roadmap_id: int) -> list[Row]:
    return [d for d in snap.rows("dossier") if dossier_roadmap_id(snap, d) == roadmap_id]


def build_roadmap_document(
    snap: Snapshot, roadmap: Row, options: ExportOptions, dossiers: list[Row] | None = None
) -> dict[str, Any]:
    refs = _Refs(snap)
    rid = roadmap["id"]
    margins = (options.margins or {}).get(roadmap["slug"])
    if dossiers is None:
        dossiers = roadmap_dossiers(snap, rid)
    roadmap_level = [
        r
        for r in snap.of("adjustment", "roadmap_id", rid)
        if r["action_id"] is None and r["jalon_id"] is None
    ]
    general_comments = [
        r
        for r in snap.of("comment", "roadmap_id", rid)
        if r["action_id"] is None and r["jalon_id"] is None
    ]
    members = [
        {"login": refs.person(m["person_id"]), "role": m["role"], "cote": m["side"]}
        for m in snap.of("membership", "roadmap_id", rid)
    ]
    axes = sorted(
        snap.of("axe", "roadmap_id", rid), key=lambda a: (a["position"], natural_key(a["ref"]))
    )
    records = [
        prune(
            {
                "date": as_date(r["observed_on"]),
                "texte": r["text"],
                "source": r["source"],
                "axe": refs.ref("axe", r["axe_id"]),
                "auteur": r["author"],
                "le": as_datetime(r["created_at"]),
            }
        )
        for r in snap.of("qualitative_record", "roadmap_id", rid)
    ]
    sources = [roadmap["slug"]]
    document = header(
        KIND_ROADMAP, sources, options, journal=snap.journal.for_roadmap(roadmap["slug"])
    )
    body = {
        "slug": roadmap["slug"],
        "titre": roadmap["title"],
        "point_arrivee": roadmap["destination"],
        "horizon": as_date(roadmap["horizon"]),
        "statut": roadmap["status"],
        # its campaigns (by year) are this territory's: a restore lands there (schema 2)
        "territoire": refs.territoire(roadmap["territoire_id"]),
        "service_politique_de_la_ville": refs.service(roadmap["pv_service_id"]),
        "service_droit_commun": refs.service(roadmap["dc_service_id"]),
        "ajustements": _adjustments(roadmap_level),
        "equipe": sorted(members, key=lambda m: str(m["login"])),
        "axes": [
            prune({"ref": a["ref"], "titre": a["title"], "description": a["description"]})
            for a in axes
        ],
        "actions": [
            _action(snap, refs, a, margins)
            for a in sorted(
                snap.of("action", "roadmap_id", rid), key=lambda a: natural_key(a["ref"])
            )
        ],
        "jalons": [
            _jalon(snap, refs, j, margins)
            for j in sorted(
                snap.of("jalon", "roadmap_id", rid), key=lambda j: natural_key(j["ref"])
            )
        ],
        "commentaires": _comments(general_comments),
        "indicateurs": [
            _indicator(snap, refs, i)
            for i in sorted(
                snap.of("indicator", "roadmap_id", rid), key=lambda i: natural_key(i["ref"])
            )
        ],
        "observations_qualitatives": sorted(records, key=_chrono_key),
        "campagnes": _campaigns(snap, refs, rid, dossiers),
        "dossiers": [
            _dossier(snap, refs, d) for d in sorted(dossiers, key=lambda d: natural_key(d["ref"]))
        ],
        "references": copil_doc.baselines(snap, rid),
        "releve_decisions": copil_doc.releve(snap, rid),
    }
    for pid in copil_doc.people_of_releve(snap, rid):
        refs.person(pid)  # carriers are listed in the referential
    # Everything sits in tables so that schema_version and [generation] open the file.
    document["feuille_de_route"] = prune(body)
    document["referentiel"] = _reference(snap, refs, options)
    return document
