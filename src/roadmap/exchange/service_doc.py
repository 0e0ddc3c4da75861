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
from roadmap.exchange.values import as_date, money, natural_key, prune, sorted_few

Held = dict[int, dict[int, frozenset[str]]]  # service id → item id → its roles there


class ServiceIndex:
    """One pass over the snapshot: for each service, the items that concern it and why."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        self._lookups(snap)
        active = {r["id"] for r in snap.rows("roadmap") if r["status"] == "active"}
        self.actions: Held = defaultdict(dict)
        self.jalons: Held = defaultdict(dict)
        self.dossiers: Held = defaultdict(dict)
        self.campaigns: dict[int, set[int]] = defaultdict(set)
        # action id → its item's parts common to every service file (_action_parts)
        self.parts: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
        # An item's roles are one shared frozen set per distinct set of roles (about
        # 100,000 small sets otherwise, 10 MiB at Métropole scale), grown one role at a
        # time through a table of (roles so far, role added) → roles after.
        grown: dict[tuple[frozenset[str] | None, str], frozenset[str]] = {}
        shared: dict[frozenset[str], frozenset[str]] = {}

        def grow(roles: frozenset[str] | None, role: str) -> frozenset[str]:
            after = frozenset(roles or ()) | {role}
            after = grown[(roles, role)] = shared.setdefault(after, after)
            return after

        after = grown.get
        live_actions = {
            aid for aid, rid in snap.column("action", "roadmap_id").items() if rid in active
        }
        actions, jalons, dossiers = self.actions, self.jalons, self.dossiers
        for a in snap.rows("action"):
            if a["roadmap_id"] in active:
                items, aid = actions[a["pilot_service_id"]], a["id"]
                roles = items.get(aid)
                items[aid] = after((roles, "pilote")) or grow(roles, "pilote")
        for table, role in (("action_contributor", "contributeur"), ("engagement", "engagement")):
            for c in snap.rows(table):
                aid = c["action_id"]
                if aid in live_actions:
                    items = actions[c["service_id"]]
                    roles = items.get(aid)
                    items[aid] = after((roles, role)) or grow(roles, role)
        jalon_roadmap = snap.column("jalon", "roadmap_id")
        people = snap.by_id["person"]
        for i in snap.rows("jalon_invite"):
            jid = i["jalon_id"]
            if jalon_roadmap.get(jid) not in active:  # unknown jalons too
                continue
            if i["service_id"] is not None:
                items = jalons[i["service_id"]]
                roles = items.get(jid)
                items[jid] = after((roles, "service")) or grow(roles, "service")
            person = people.get(i["person_id"])
            if person is not None and person["service_id"] is not None:
                items, login = jalons[person["service_id"]], person["login"]
                roles = items.get(jid)
                items[jid] = after((roles, login)) or grow(roles, login)
        self.dossier_roadmap = {d["id"]: dossier_roadmap_id(snap, d) for d in snap.rows("dossier")}
        self.baselines = copil_doc.LatestBaselines(snap)
        # Dossiers of a roadmap no longer active; those without a roadmap stay live.
        dead = {
            did
            for did, rid in self.dossier_roadmap.items()
            if rid is not None and rid not in active
        }
        for table, column, role in (
            ("dossier_instructor", "service_id", "instructeur"),
            ("financement_line", "financeur_id", "financeur"),
            ("avis", "service_id", "instructeur"),
        ):
            for r in snap.rows(table):
                did = r["dossier_id"]
                if did not in dead:
                    items = dossiers[r[column]]
                    roles = items.get(did)
                    items[did] = after((roles, role)) or grow(roles, role)
        for ci in snap.rows("campagne_instructor"):
            self.campaigns[ci["service_id"]].add(ci["campagne_id"])
        campagne_of = snap.column("dossier", "campagne_id")
        for sid, held in dossiers.items():
            self.campaigns[sid].update(campagne_of[did] for did in held)

    def _lookups(self, snap: Snapshot) -> None:
        """The snapshot's lookups every item makes, fetched once for all service files."""
        self.slugs = snap.column("roadmap", "slug")
        self.codes = snap.column("service", "code")
        self.logins = snap.column("person", "login")
        self.action_refs = snap.column("action", "ref")
        self.lines = snap.index("financement_line", "dossier_id")
        self.avis = snap.index("avis", "dossier_id")
        self.decisions = snap.index("decision", "dossier_id")
        self.instructors = snap.index("dossier_instructor", "dossier_id")
        self.engagements = snap.index("engagement", "action_id")
        self.action_roadmaps = snap.column("action", "roadmap_id")
        self.axes = snap.by_id["axe"]
        self._campagnes: dict[int, tuple[int, str | None]] = {}
        self._roles: dict[frozenset[str], list[str]] = {}

    def roles(self, roles: AbstractSet[str]) -> list[str]:
        """``sorted(roles)``: a few distinct sets of roles, each sorted once; the list is
        shared by the items with these roles (read only: rendered, never changed)."""
        found = self._roles.get(roles)  # type: ignore[call-overload]
        if found is None:
            found = self._roles[roles] = sorted(roles)  # type: ignore[index]
        return found

    def campagne(self, campagne_id: int) -> tuple[int, str | None]:
        """A campaign's year and territory code (a handful of campaigns, 20,000 dossiers)."""
        found = self._campagnes.get(campagne_id)
        if found is None:
            c = self.snap.get("campagne", campagne_id)
            assert c is not None
            found = self._campagnes[campagne_id] = (int(c["year"]), _territoire(self.snap, c))
        return found

    def concerned(self) -> set[int]:
        return set(self.actions) | set(self.jalons) | set(self.dossiers) | set(self.campaigns)


def _slug(snap: Snapshot, roadmap_id: int | None) -> str | None:
    return snap.column("roadmap", "slug").get(roadmap_id)  # type: ignore[arg-type]


def _code(snap: Snapshot, service_id: int | None) -> str | None:
    return snap.column("service", "code").get(service_id)  # type: ignore[arg-type]


def _login(snap: Snapshot, person_id: int | None) -> str | None:
    return snap.column("person", "login").get(person_id)  # type: ignore[arg-type]


def _action_parts(
    snap: Snapshot, a: Row, options: ExportOptions, index: ServiceIndex | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What an action's item says in every service file holding it, before and after its
    roles: built once per action (an action is held by its pilot, contributors, funders)."""
    if index is None:
        slug = _slug(snap, a["roadmap_id"])
        axe = snap.get("axe", a["axe_id"])
        pilot, owner = _code(snap, a["pilot_service_id"]), _login(snap, a["owner_id"])
    else:  # the same lookups, fetched once for every action (issue 15)
        slug = index.slugs.get(a["roadmap_id"])
        axe = index.axes.get(a["axe_id"])
        pilot, owner = index.codes.get(a["pilot_service_id"]), index.logins.get(a["owner_id"])
    margins = (options.margins or {}).get(slug or "", {})
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
            "service_pilote": pilot,
            "responsable": owner,
            "marge_jours": margins.get(a["ref"]) if margins else None,
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
    index: ServiceIndex | None = None,
) -> dict[str, Any]:
    head, tail = parts or _action_parts(snap, a, options, index)
    engagements = (
        index.engagements if index is not None else snap.index("engagement", "action_id")
    ).get(a["id"], ())
    mine = [
        prune(
            {
                "nature": e["kind"],
                "montant": money(e["amount"]),
                "debut": as_date(e["period_start"]),
                "fin": as_date(e["period_end"]),
                "description": e["description"],
            }
        )
        for e in engagements
        if e["service_id"] == sid
    ]
    # The keys in the same order, pruned the same way as one dict would be.
    item = dict(head)
    if roles:
        item["roles"] = index.roles(roles) if index is not None else sorted(roles)
    item.update(tail)
    if mine:
        item["engagements"] = sorted_few(mine, lambda e: sorted((k, str(v)) for k, v in e.items()))
    return item


def _jalon_item(snap: Snapshot, j: Row, how: AbstractSet[str]) -> dict[str, Any]:
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
    index: ServiceIndex, d: Row, sid: int, roles: AbstractSet[str], roadmap_id: int | None
) -> dict[str, Any]:
    did = d["id"]
    year, territoire = index.campagne(d["campagne_id"])
    line = avis = decision = None
    for f in index.lines.get(did, ()):
        if f["financeur_id"] == sid:
            line = f
            break
    for a in index.avis.get(did, ()):
        if a["service_id"] == sid and a["current"]:
            avis = a
            break
    for r in index.decisions.get(did, ()):
        if r["current"]:
            decision = r
            break
    codes = index.codes
    others = [
        c
        for i in index.instructors.get(did, ())
        if (c := codes.get(i["service_id"])) and i["service_id"] != sid
    ]
    return prune(
        {
            "feuille_de_route": index.slugs.get(roadmap_id),  # type: ignore[arg-type]
            "ref": d["ref"],
            "campagne": year,
            "territoire": territoire,
            "porteur": d["porteur"],
            "titre": d["title"],
            "action": index.action_refs.get(d["action_id"]),
            "roles": sorted(roles),
            "etat": d["state"],
            "date_limite_avis": as_date(d["avis_deadline"]),
            "montant_demande": money(d["amount_asked"]),
            "demande_au_service": money(line["asked"]) if line else None,
            "accorde_par_le_service": money(line["granted"]) if line else None,
            "avis_du_service": avis["value"] if avis else None,
            "decision": decision["outcome"] if decision else None,
            "co_instructeurs": sorted(others) if len(others) > 1 else others,
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
        for p in sorted(snap.index("proposition", "service_code").get(code, ()), key=_id)
    ]


def _id(row: Row) -> Any:
    return row["id"]


def build_service_document(
    snap: Snapshot, index: ServiceIndex, service: Row, options: ExportOptions
) -> dict[str, Any]:
    sid = service["id"]
    actions = []
    owners: set[int] = set()
    action_rows = snap.by_id["action"]
    for aid, roles in index.actions.get(sid, {}).items():
        a = action_rows.get(aid)
        assert a is not None
        parts = index.parts.get(aid)
        if parts is None:
            parts = index.parts[aid] = _action_parts(snap, a, options, index)
        item = _action_item(snap, a, sid, roles, options, parts, index)
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
    dossier_rows, dossier_roadmap = snap.by_id["dossier"], index.dossier_roadmap
    for did, roles in index.dossiers.get(sid, {}).items():
        d = dossier_rows.get(did)
        assert d is not None
        dossiers.append(_dossier_item(index, d, sid, roles, dossier_roadmap.get(did)))
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
    owners |= {p["id"] for p in snap.index("person", "service_id").get(sid, ()) if p["active"]}
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
                {int(index.action_roadmaps[aid]) for aid in index.actions.get(sid, {})},
                snap,
            ),
            "propositions": fates(snap, service["code"]),
            "decisions_copil": copil_doc.service_decisions(
                snap, sid, set(index.actions.get(sid, {})), set(index.jalons.get(sid, {}))
            ),
        }
    )
    return document
