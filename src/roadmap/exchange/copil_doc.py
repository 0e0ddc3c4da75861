"""Baselines (``references``) and the relevé de décisions in the exported files.

A baseline travels as its canonical JSON text with its SHA-256 (``empreinte``): the
import refuses a file whose content no longer matches, and restores it byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from roadmap.exchange.snapshot import Row, Snapshot
from roadmap.exchange.values import as_date, as_datetime, natural_key, prune

DIGEST_PREFIX = "sha256:"


def content_digest(content: str) -> str:
    return DIGEST_PREFIX + hashlib.sha256(content.encode("utf-8")).hexdigest()


def baselines(snap: Snapshot, roadmap_id: int) -> list[dict[str, Any]]:
    items = [
        prune(
            {
                "nom": b["name"],
                "prise_le": as_datetime(b["taken_at"]),
                "prise_par": b["taken_by"],
                "jalon": b["jalon_ref"],
                "empreinte": content_digest(b["content"]),
                "contenu": b["content"],
            }
        )
        for b in snap.of("baseline", "roadmap_id", roadmap_id)
    ]
    return sorted(items, key=lambda b: (str(b["prise_le"]), b["nom"]))


def _links(snap: Snapshot, decision_id: int) -> tuple[list[str], list[str]]:
    links = snap.of("releve_link", "decision_id", decision_id)
    actions = [snap.column("action", "ref").get(x["action_id"]) for x in links]
    jalons = [snap.column("jalon", "ref").get(x["jalon_id"]) for x in links]
    return (
        sorted((a for a in actions if a), key=natural_key),
        sorted((j for j in jalons if j), key=natural_key),
    )


def _decision(snap: Snapshot, d: Row) -> dict[str, Any]:
    actions, jalons = _links(snap, d["id"])
    return prune(
        {
            "ref": d["ref"],
            "jalon": snap.column("jalon", "ref").get(d["jalon_id"]),
            "texte": d["text"],
            "porte_par": snap.column("person", "login").get(d["carrier_id"]),
            "echeance": as_date(d["due_date"]),
            "statut": d["status"],
            "cree_par": d["created_by"],
            "cree_le": as_datetime(d["created_at"]),
            "faite_par": d["done_by"],
            "faite_le": as_datetime(d["done_at"]),
            "actions": actions,
            "jalons": jalons,
        }
    )


def releve(snap: Snapshot, roadmap_id: int) -> list[dict[str, Any]]:
    rows = snap.of("releve_decision", "roadmap_id", roadmap_id)
    return [_decision(snap, d) for d in sorted(rows, key=lambda d: natural_key(d["ref"]))]


def people_of_releve(snap: Snapshot, roadmap_id: int) -> list[int]:
    """Carriers of decisions: the referential lists them so the import can resolve them."""
    rows = snap.of("releve_decision", "roadmap_id", roadmap_id)
    return [d["carrier_id"] for d in rows if d["carrier_id"] is not None]


# --- service files -------------------------------------------------------------------------


def service_decisions(
    snap: Snapshot, service_id: int, actions: set[int], jalons: set[int]
) -> list[dict[str, Any]]:
    """Decisions carried by someone of the service, or about its actions or jalons."""
    items = []
    for d in snap.rows("releve_decision"):
        carrier = snap.get("person", d["carrier_id"])
        links = snap.of("releve_link", "decision_id", d["id"])
        concerned = (carrier is not None and carrier["service_id"] == service_id) or any(
            x["action_id"] in actions or x["jalon_id"] in jalons for x in links
        )
        if concerned:
            item = _decision(snap, d)
            item["feuille_de_route"] = snap.column("roadmap", "slug").get(d["roadmap_id"])
            items.append(item)
    return sorted(items, key=lambda i: (str(i["feuille_de_route"]), natural_key(i["ref"])))


class LatestBaselines:
    """Per roadmap, the latest baseline's name, date and action end dates (parsed once)."""

    def __init__(self, snap: Snapshot) -> None:
        self.latest: dict[int, Row] = {}
        for b in snap.rows("baseline"):
            current = self.latest.get(b["roadmap_id"])
            if current is None or (str(as_datetime(b["taken_at"])), b["name"]) > (
                str(as_datetime(current["taken_at"])),
                current["name"],
            ):
                self.latest[b["roadmap_id"]] = b
        self._ends: dict[int, dict[str, date | None]] = {}

    def end_of(self, roadmap_id: int, ref: str) -> date | None:
        if roadmap_id not in self.latest:
            return None
        if roadmap_id not in self._ends:
            try:
                plan = json.loads(self.latest[roadmap_id]["content"])
                actions = plan.get("actions", {})
                self._ends[roadmap_id] = {
                    r: as_date(a.get("fin")) for r, a in actions.items() if isinstance(a, dict)
                }
            except (ValueError, AttributeError):
                self._ends[roadmap_id] = {}  # a tampered baseline: `baseline verify` says so
        return self._ends[roadmap_id].get(ref)

    def described(self, roadmap_ids: set[int], snap: Snapshot) -> list[dict[str, Any]]:
        items = [
            {
                "feuille_de_route": snap.column("roadmap", "slug")[rid],
                "nom": self.latest[rid]["name"],
                "prise_le": as_datetime(self.latest[rid]["taken_at"]),
            }
            for rid in roadmap_ids
            if rid in self.latest
        ]
        return sorted(items, key=lambda i: str(i["feuille_de_route"]))
