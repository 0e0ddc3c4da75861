"""Build ``services/<code>.toml``: what concerns one service across the active roadmaps."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Set as AbstractSet
from typing import Any

from roadmap.domain.proposals import engagement_id, engagement_of, public_field
from roadmap.exchange import copil_doc
from roadmap.exchange.metadata import KIND_SERVICE, ExportOptions, header
from roadmap.exchange.roadmap_doc import dossier_roadmap_id
from roadmap.exchange.snapshot import Row, Snapshot
from roadmap.exchange.values import as_date, money, natural_key, prune


class ServiceIndex:
    """One pass over the snapshot: for each service, the items that concern it and why."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        active = {r["id"] for r in snap.rows("roadmap") if r["status"] == "active"}
        self.actions: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.jalons: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.dossiers: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.campaigns: dict[int, set[int]] = defaultdict(set)
        # action id → its item's parts common to every service file (_action_parts)
        self.parts: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
        for a in snap.rows("action"):
            if a["roadmap_id"] in active:
                self.actions[a["pilot_service_id"]][a["id"]].add("pilote")
        for c in snap.rows("action_contributor"):
            if self._active_action(c["action_id"], active):
                self.actions[c["service_id"]][c["action_id"]].add("contributeur")
        for e in snap.rows("engagement"):
            if self._active_action(e["action_id"], active):
                self.actions[e["service_id"]][e["action_id"]].add("engagement")
        for i in snap.rows("jalon_invite"):
            jalon = snap.get("jalon", i["jalon_id"])
            if jalon is None or jalon["roadmap_id"] not in active:
                continue
            if i["service_id"] is not None:
                self.jalons[i["service_id"]][i["jalon_id"]].add("service")
            person = snap.get("person", i["person_id"])
            if person is not None and person["service_id"] is not None:
                self.jalons[person["service_id"]][i["jalon_id"]].add(person["login"])
        self.dossier_roadmap = {d["id"]: dossier_roadmap_id(snap, d) for d in snap.rows("dossier")}
        self.baselines = copil_doc.LatestBaselines(snap)

        def live(did: int) -> bool:
            rid = self.dossier_roadmap.get(did)
            return rid is None or rid in active

        for table, column, role in (
            ("dossier_instructor", "service_id", "instructeur"),
            ("financement_line", "financeur_id", "financeur"),
            ("avis", "service_id", "instructeur"),
        ):
            for r in snap.rows(table):
                if live(r["dossier_id"]):
                    self.dossiers[r[column]][r["dossier_id"]].add(role)
        # One frozen set per distinct set of roles: about 100,000 small sets otherwise
        # (an action is held by several services), 10 MiB at Métropole scale.
        shared: dict[frozenset[str], frozenset[str]] = {}
        for held in (self.actions, self.jalons, self.dossiers):
            for items in held.values():
                for key, roles in items.items():
                    frozen = frozenset(roles)
                    items[key] = shared.setdefault(frozen, frozen)  # type: ignore[assignment]
        for ci in snap.rows("campagne_instructor"):
            self.campaigns[ci["service_id"]].add(ci["campagne_id"])
        for sid, dossiers in self.dossiers.items():
            for did in dossiers:
                d = snap.get("dossier", did)
                assert d is not None
                self.campaigns[sid].add(d["campagne_id"])

    def _active_action(self, action_id: int, active: set[int]) -> bool:
        action = self.snap.get("action", action_id)
        return action is not None and action["roadmap_id"] in active

    def concerned(self) -> set[int]:
        return set(self.actions) | set(self.jalons) | set(self.dossiers) | set(self.campaigns)


def _slug(snap: Snapshot, roadmap_id: int | None) -> str | None:
    return snap.column("roadmap", "slug").get(roadmap_id)  # type: ignore[arg-type]


def _code(snap: Snapshot, service_id: int | None) -> str | None:
    return snap.column("service", "code").get(service_id)  # type: ignore[arg-type]


def _login(snap: Snapshot, person_id: int | None) -> str | None:
    return snap.column("person", "login").get(person_id)  # type: ignore[arg-type]


def _action_parts(
    snap: Snapshot, a: Row, options: ExportOptions
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What an action's item says in every service file holding it, before and after its
    roles: built once per action (an action is held by its pilot, contributors, funders)."""
    slug = _slug(snap, a["roadmap_id"])
    margins = (options.margins or {}).get(slug or "", {})
    axe = snap.get("axe", a["axe_id"])
    head = prune(
        {
            "feuille_de_route": slug,
            "ref": a["ref"],
            "titre": a["title"],
            "axe": axe["title"] if axe else None,
        }
    )
    tail = prune(
        {
            "statut": a["status"],
            "debut": as_date(a["start_date"]),
            "fin": as_date(a["end_date"]),
            "service_pilote": _code(snap, a["pilot_service_id"]),
            "responsable": _login(snap, a["owner_id"]),
            "marge_jours": margins.get(a["ref"]),
        }
    )
    return head, tail


def _action_item(
    snap: Snapshot,
    a: Row,
    sid: int,
    roles: AbstractSet[str],
    options: ExportOptions,
    parts: tuple[dict[str, Any], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    head, tail = parts or _action_parts(snap, a, options)
    engagements = [
        prune(
            {
                "nature": e["kind"],
                "montant": money(e["amount"]),
                "debut": as_date(e["period_start"]),
                "fin": as_date(e["period_end"]),
                "description": e["description"],
            }
        )
        for e in snap.of("engagement", "action_id", a["id"])
        if e["service_id"] == sid
    ]
    # The keys in the same order, pruned the same way as one dict would be.
    item = dict(head)
    if roles:
        item["roles"] = sorted(roles)
    item.update(tail)
    if engagements:
        item["engagements"] = sorted(
            engagements, key=lambda e: sorted((k, str(v)) for k, v in e.items())
        )
    return item


def _jalon_item(snap: Snapshot, j: Row, how: set[str]) -> dict[str, Any]:
    return prune(
        {
            "feuille_de_route": _slug(snap, j["roadmap_id"]),
            "ref": j["ref"],
            "titre": j["title"],
            "nature": j["kind"],
            "date": as_date(j["current_date"]),
            "date_prevue": as_date(j["planned_date"]),
            "statut": j["status"],
            "service_invite": "service" in how,
            "personnes_invitees": sorted(how - {"service"}),
        }
    )


def _territoire(snap: Snapshot, campagne: Row) -> str | None:
    """The code of the campaign's territory (contrat de ville): its year alone is ambiguous."""
    return snap.column("territoire", "code").get(campagne["territoire_id"])  # type: ignore[no-any-return]


def _dossier_item(
    snap: Snapshot, d: Row, sid: int, roles: set[str], roadmap_id: int | None
) -> dict[str, Any]:
    campagne = snap.get("campagne", d["campagne_id"])
    assert campagne is not None
    line = next(
        (f for f in snap.of("financement_line", "dossier_id", d["id"]) if f["financeur_id"] == sid),
        None,
    )
    avis = next(
        (
            a
            for a in snap.of("avis", "dossier_id", d["id"])
            if a["service_id"] == sid and a["current"]
        ),
        None,
    )
    decision = next((r for r in snap.of("decision", "dossier_id", d["id"]) if r["current"]), None)
    action = snap.get("action", d["action_id"])
    return prune(
        {
            "feuille_de_route": _slug(snap, roadmap_id),
            "ref": d["ref"],
            "campagne": int(campagne["year"]),
            "territoire": _territoire(snap, campagne),
            "porteur": d["porteur"],
            "titre": d["title"],
            "action": action["ref"] if action else None,
            "roles": sorted(roles),
            "etat": d["state"],
            "date_limite_avis": as_date(d["avis_deadline"]),
            "montant_demande": money(d["amount_asked"]),
            "demande_au_service": money(line["asked"]) if line else None,
            "accorde_par_le_service": money(line["granted"]) if line else None,
            "avis_du_service": avis["value"] if avis else None,
            "decision": decision["outcome"] if decision else None,
            "co_instructeurs": sorted(
                c
                for i in snap.of("dossier_instructor", "dossier_id", d["id"])
                if (c := _code(snap, i["service_id"])) and i["service_id"] != sid
            ),
        }
    )


_FATES = {"en_attente": "en attente", "acceptee": "acceptée", "refusee": "refusée"}


def _fate_engagement(snap: Snapshot, p: Row) -> dict[str, Any] | None:
    """The commitment an engagement proposal is about, as the service's file shows it."""
    found = engagement_of(p["field"], p["base_value"], p["proposed_value"])
    row_id = engagement_id(p["field"]) if found is None else None
    stored = snap.get("engagement", row_id) if row_id is not None else None
    if stored is not None:
        found = {
            "nature": stored["kind"],
            "debut": as_date(stored["period_start"]),
            "fin": as_date(stored["period_end"]),
            "description": stored["description"],
        }
    return prune(found) if found else None


def fates(snap: Snapshot, code: str) -> list[dict[str, Any]]:
    """What became of each proposal this service sent back (issue 17), oldest first; an
    engagement is named by its nature, period and description, never by a row number."""
    return [
        prune(
            {
                "numero": p["id"],
                "feuille_de_route": p["roadmap_slug"],
                "ref": p["item_ref"],
                "champ": public_field(p["field"]),
                "engagement": _fate_engagement(snap, p),
                "valeur_base": p["base_value"],
                "valeur_proposee": p["proposed_value"],
                "auteur": p["author"],
                "sort": _FATES.get(p["status"], p["status"]),
                "motif_refus": p["motive"],
                "decide_par": p["decided_by"],
                "decide_le": as_date(p["decided_at"]),
            }
        )
        for p in sorted(snap.rows("proposition"), key=lambda p: p["id"])
        if p["service_code"] == code
    ]


def build_service_document(
    snap: Snapshot, index: ServiceIndex, service: Row, options: ExportOptions
) -> dict[str, Any]:
    sid = service["id"]
    actions = []
    owners: set[int] = set()
    for aid, roles in index.actions.get(sid, {}).items():
        a = snap.get("action", aid)
        assert a is not None
        parts = index.parts.get(aid)
        if parts is None:
            parts = index.parts[aid] = _action_parts(snap, a, options)
        item = _action_item(snap, a, sid, roles, options, parts)
        at_baseline = index.baselines.end_of(a["roadmap_id"], a["ref"])
        if at_baseline is not None:
            item["fin_reference"] = at_baseline  # its end at the last COPIL's baseline
        actions.append(item)
        if a["owner_id"] is not None:
            owners.add(a["owner_id"])
    jalons = [
        _jalon_item(snap, snap.get("jalon", jid), how)  # type: ignore[arg-type]
        for jid, how in index.jalons.get(sid, {}).items()
    ]
    dossiers = []
    for did, roles in index.dossiers.get(sid, {}).items():
        d = snap.get("dossier", did)
        assert d is not None
        dossiers.append(_dossier_item(snap, d, sid, roles, index.dossier_roadmap.get(did)))
    deadlines = []
    for cid in index.campaigns.get(sid, set()):
        c = snap.get("campagne", cid)
        assert c is not None
        deadlines.append(
            {
                "campagne": int(c["year"]),
                "territoire": _territoire(snap, c),  # two territories may both run an AAP 2026
                "titre": c["title"],
                "ouverture": as_date(c["opens_on"]),
                "cloture": as_date(c["closes_on"]),
            }
        )
    # Its contact people: the owners of its actions, and its own active people (issue 17:
    # the service proposes changes to its own people's name and e-mail).
    owners |= {p["id"] for p in snap.rows("person") if p["service_id"] == sid and p["active"]}
    contacts = []
    for pid in owners:
        p = snap.get("person", pid)
        assert p is not None
        contacts.append(
            prune(
                {
                    "login": p["login"],
                    "nom": p["name"],
                    "service": _code(snap, p["service_id"]),
                    "courriel": p["email"] if options.with_contacts else None,
                }
            )
        )
    sources = {a.get("feuille_de_route") for a in actions + jalons + dossiers} - {None}
    parent = snap.get("service", service["parent_id"])
    slugs = sorted(str(s) for s in sources)
    document = header(
        KIND_SERVICE,
        slugs,
        options,
        journal=snap.journal.for_service(
            slugs, {"actions": actions, "jalons": jalons, "dossiers": dossiers}
        ),
        service=service["code"],
    )
    by_roadmap_ref = lambda i: (i.get("feuille_de_route", ""), natural_key(i["ref"]))  # noqa: E731
    document["service"] = prune(
        {
            "code": service["code"],
            "nom": service["name"],
            "nature": service["kind"],
            "parent": parent["code"] if parent else None,
            "actions": sorted(actions, key=by_roadmap_ref),
            "jalons": sorted(jalons, key=lambda j: (str(j["date"]), by_roadmap_ref(j))),
            "echeances_aap": sorted(
                deadlines, key=lambda c: (c["campagne"], c.get("territoire") or "")
            ),
            "dossiers": sorted(dossiers, key=lambda d: natural_key(d["ref"])),
            "contacts": sorted(contacts, key=lambda c: c["login"]),
            "references": index.baselines.described(
                {int(snap.get("action", aid)["roadmap_id"]) for aid in index.actions.get(sid, {})},  # type: ignore[index]
                snap,
            ),
            "propositions": fates(snap, service["code"]),
            "decisions_copil": copil_doc.service_decisions(
                snap, sid, set(index.actions.get(sid, {})), set(index.jalons.get(sid, {}))
            ),
        }
    )
    return document
