"""The plan of a roadmap as plain data: what a baseline freezes and what it is compared with.

Read with plain SQL (RISKS 19) so a 2,000-action roadmap is read in a few statements.
Dates are ISO text, amounts decimal text: the plan is JSON as it is, and the same on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from tortoise import connections

PLAN_FORMAT = 1
_CENT = Decimal("0.01")


def _day(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)[:10]


def _money(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return f"{Decimal(str(value)).quantize(_CENT):f}"


def _number(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return f"{Decimal(str(value)).normalize():f}"


class _Reader:
    def __init__(self) -> None:
        self.conn = connections.get("default")
        self.mark = "$1" if self.conn.capabilities.dialect == "postgres" else "?"

    async def rows(self, sql: str, roadmap_id: int) -> list[Sequence[Any]]:
        _, rows = await self.conn.execute_query(sql.replace("%s", self.mark), [roadmap_id])
        return list(rows)


async def read_plan(roadmap_id: int, *, today: date | None = None) -> dict[str, Any]:
    """The plan of one roadmap: destination, actions, jalons, engagements, dossiers, indicators.

    Marges and the projected finish come from the schedule of the dependency graph, so
    "margin to the horizon then and now" compares like with like.
    """
    r = _Reader()
    (roadmap,) = await r.rows(
        "SELECT slug, title, destination, horizon FROM roadmap WHERE id = %s", roadmap_id
    )
    slug = str(roadmap[0])
    actions = await r.rows(
        "SELECT a.id, a.ref, a.title, a.status, a.start_date, a.end_date, p.login, s.code, x.ref "
        "FROM action a JOIN service s ON s.id = a.pilot_service_id "
        "LEFT JOIN person p ON p.id = a.owner_id LEFT JOIN axe x ON x.id = a.axe_id "
        "WHERE a.roadmap_id = %s",
        roadmap_id,
    )
    jalons = await r.rows(
        'SELECT id, ref, title, kind, planned_date, "current_date", status FROM jalon '
        "WHERE roadmap_id = %s",
        roadmap_id,
    )
    deps = await r.rows(
        "SELECT action_id, jalon_id, on_action_id, on_jalon_id FROM dependency "
        "WHERE roadmap_id = %s",
        roadmap_id,
    )
    engagements = await r.rows(
        "SELECT a.ref, s.code, e.kind, e.amount FROM engagement e "
        "JOIN action a ON a.id = e.action_id JOIN service s ON s.id = e.service_id "
        "WHERE a.roadmap_id = %s",
        roadmap_id,
    )
    owner = "COALESCE(d.roadmap_id, a.roadmap_id, x.roadmap_id)"
    dossiers = await r.rows(
        "SELECT d.id, d.ref, d.title, d.porteur, d.state, d.amount_asked FROM dossier d "
        "LEFT JOIN action a ON a.id = d.action_id LEFT JOIN axe x ON x.id = d.axe_id "
        f"WHERE {owner} = %s",
        roadmap_id,
    )
    decisions = await r.rows(
        "SELECT c.dossier_id, c.outcome FROM decision c JOIN dossier d ON d.id = c.dossier_id "
        "LEFT JOIN action a ON a.id = d.action_id LEFT JOIN axe x ON x.id = d.axe_id "
        f"WHERE c.current = TRUE AND {owner} = %s",
        roadmap_id,
    )
    granted = await r.rows(
        "SELECT f.dossier_id, f.granted FROM financement_line f "
        "JOIN dossier d ON d.id = f.dossier_id "
        "LEFT JOIN action a ON a.id = d.action_id LEFT JOIN axe x ON x.id = d.axe_id "
        f"WHERE {owner} = %s",
        roadmap_id,
    )
    values = await r.rows(
        "SELECT i.ref, i.name, i.unit, v.observed_on, v.value, v.id FROM indicator i "
        "LEFT JOIN indicator_value v ON v.indicator_id = i.id WHERE i.roadmap_id = %s",
        roadmap_id,
    )
    margins, finish = await _schedule(slug, today)

    action_ref = {row[0]: str(row[1]) for row in actions}
    jalon_ref = {row[0]: str(row[1]) for row in jalons}
    waits: dict[tuple[str, int], list[str]] = defaultdict(list)
    for action_id, jalon_id, on_action, on_jalon in deps:
        item = ("a", action_id) if action_id is not None else ("j", jalon_id)
        on = action_ref.get(on_action) if on_action is not None else jalon_ref.get(on_jalon)
        if on:
            waits[item].append(on)

    plan_actions = {
        str(ref): {
            "titre": str(title),
            "statut": str(status),
            "debut": _day(start),
            "fin": _day(end),
            "responsable": login,
            "service_pilote": str(pilot),
            "axe": axe,
            "attend": sorted(waits.get(("a", aid), [])),
            "marge": margins.get(str(ref)),
        }
        for aid, ref, title, status, start, end, login, pilot, axe in actions
    }
    plan_jalons = {
        str(ref): {
            "titre": str(title),
            "nature": str(kind),
            "date_prevue": _day(planned),
            "date": _day(current),
            "statut": str(status),
            "attend": sorted(waits.get(("j", jid), [])),
            "marge": margins.get(str(ref)),
        }
        for jid, ref, title, kind, planned, current, status in jalons
    }
    totals: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for ref, service, kind, amount in engagements:
        totals[(str(ref), str(service), str(kind))] += Decimal(str(amount))
    outcome = {did: str(o) for did, o in decisions}
    granted_sum: dict[int, Decimal] = {}
    for did, value in granted:
        if value is not None:
            granted_sum[did] = granted_sum.get(did, Decimal()) + Decimal(str(value))
    latest: dict[str, dict[str, Any]] = {}
    for ref, name, unit, observed, value, _id in sorted(
        values, key=lambda v: (str(v[0]), _day(v[3]) or "", v[5] or 0)
    ):
        latest[str(ref)] = {
            "nom": str(name),
            "unite": str(unit or ""),
            "date": _day(observed),
            "valeur": _number(value),
        }
    return {
        "format": PLAN_FORMAT,
        "feuille_de_route": {
            "slug": slug,
            "titre": str(roadmap[1]),
            "point_arrivee": str(roadmap[2]),
            "horizon": _day(roadmap[3]),
            "fin_projetee": finish,
        },
        "actions": plan_actions,
        "jalons": plan_jalons,
        "engagements": {
            "/".join(key): {
                "action": key[0],
                "service": key[1],
                "nature": key[2],
                "montant": _money(total),
            }
            for key, total in totals.items()
        },
        "dossiers": {
            str(ref): {
                "titre": str(title),
                "porteur": str(porteur),
                "etat": str(state),
                "decision": outcome.get(did),
                "demande": _money(asked),
                "accorde": _money(granted_sum.get(did)),
            }
            for did, ref, title, porteur, state, asked in dossiers
        },
        "indicateurs": latest,
    }


async def _schedule(slug: str, today: date | None) -> tuple[dict[str, int | None], str | None]:
    """Marge per ref and the projected finish of the roadmap."""
    from roadmap.graph import model as gm
    from roadmap.graph.build import build_graph
    from roadmap.graph.schedule import compute_schedule

    g = await build_graph(slug)
    schedule = await asyncio.to_thread(compute_schedule, g, today)
    margins: dict[str, int | None] = {}
    for node, attrs in g.nodes(data=True):
        if attrs.get("kind") in (gm.ACTION, gm.JALON):
            timing = schedule.items.get(node)
            margins[str(attrs["ref"])] = timing.margin if timing else None
    finish = schedule.finish(slug)
    return margins, finish.isoformat() if finish else None
