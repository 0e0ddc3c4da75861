"""What is late or at risk, for the first lines of the dashboard (issue 11).

One reading of the graph and its schedule (the same one the Revue and the marge column
use): where the plan lands against the horizon, actions waiting on a late or abandoned
prerequisite, jalons past their date and not held, open actions with nobody responsible,
overloaded people (the load thresholds of the Revue). Each line names what it leads to.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from roadmap.graph.analyses import LoadThresholds
    from roadmap.graph.schedule import Schedule


@dataclass(frozen=True)
class Risk:
    kind: str  # destination | bloquee | jalon_en_retard | sans_responsable | surcharge
    target: str  # "action:A6", "jalon:J4", "person:login", "revue": where Enter leads
    message: str
    severity: str = "avertissement"  # erreur | avertissement | information


async def roadmap_risks(
    slug: str, *, today: date | None = None, thresholds: LoadThresholds | None = None
) -> list[Risk]:
    """The roadmap's risks, most pressing kinds first (reading is open to everyone)."""
    from roadmap.graph.build import build_graph

    g = await build_graph(slug)
    return await asyncio.to_thread(risks_of, g, slug, today or date.today(), thresholds)


def risks_of(
    g: Any, slug: str, today: date, thresholds: LoadThresholds | None = None
) -> list[Risk]:
    """Pure: the risks of roadmap ``slug`` in graph ``g`` on ``today``."""
    from roadmap.graph import model as m
    from roadmap.graph.analyses import compute_load
    from roadmap.graph.schedule import compute_schedule

    s = compute_schedule(g, today)
    nodes = g.nodes
    mine = [n for n, a in g.nodes(data=True) if a.get("roadmap") == slug]
    risks = [_destination(s, slug)]
    for node in sorted(mine, key=_natural):
        a = nodes[node]
        if a.get("kind") != m.ACTION or a.get("status") not in m.OPEN_ACTION:
            continue
        waits = [why for p in sorted(s.prerequisites.get(node, [])) if (why := _late(g, s, p))]
        waits += [
            f"{nodes[p]['ref']} {'abandonnée' if nodes[p]['kind'] == m.ACTION else 'annulé'}"
            for p, keys in g.succ[node].items()
            if m.DEPENDS_ON in keys and nodes[p].get("status") in ("abandonnee", "annule")
        ]
        if waits:
            risks.append(
                Risk("bloquee", f"action:{a['ref']}", f"{a['ref']} bloquée : attend "
                     + ", ".join(waits) + f" — {a['label']}", "erreur")
            )  # fmt: skip
        elif a.get("status") == "bloquee":
            risks.append(
                Risk("bloquee", f"action:{a['ref']}", f"{a['ref']} bloquée — {a['label']}")
            )
    for node in sorted(mine, key=lambda n: (nodes[n].get("date", ""), _natural(n))):
        a = nodes[node]
        late = s.overdue(node) if a.get("kind") == m.JALON else 0
        if late:
            risks.append(
                Risk("jalon_en_retard", f"jalon:{a['ref']}", f"{a['ref']} en retard de {late} j, "
                     f"ni tenu ni reporté — {a['label']} ({m.parse_day(a['date']):%d/%m/%Y})",
                     "erreur")
            )  # fmt: skip
    for node in sorted(mine, key=_natural):
        a = nodes[node]
        if a.get("kind") == m.ACTION and a.get("status") in m.OPEN_ACTION and not a.get("owner"):
            risks.append(
                Risk("sans_responsable", f"action:{a['ref']}",
                     f"{a['ref']} sans responsable — {a['label']}")
            )  # fmt: skip
    for load in compute_load(g, today, thresholds):
        if load.kind == m.PERSON and load.overloaded:
            risks.append(
                Risk("surcharge", f"person:{nodes[load.node].get('login', '')}",
                     f"{load.label} en surcharge : " + " ; ".join(load.reasons))
            )  # fmt: skip
    return risks


def _natural(node: str) -> tuple[int, str]:
    ref = node.rsplit(":", 1)[-1]
    return (int(ref[1:]), ref) if ref[1:].isdigit() else (10**9, ref)


def _late(g: Any, s: Schedule, node: str) -> str:
    """« A5 en retard de 12 j » when the prerequisite is past due or pushed late; else ""."""
    t = s.items.get(node)
    if t is None or t.done:
        return ""
    days = max(s.overdue(node), t.delay)
    return f"{g.nodes[node]['ref']} en retard de {days} j" if days > 0 else ""


def _destination(s: Schedule, slug: str) -> Risk:
    horizon, finish = s.horizons.get(slug), s.finish(slug)
    if horizon is None or finish is None:
        return Risk("destination", "revue", "Aucune date à projeter pour l'instant", "information")
    gap = (finish - horizon).days
    where = f"Arrivée projetée le {finish:%d/%m/%Y}, horizon le {horizon:%d/%m/%Y}"
    if gap > 0:
        return Risk("destination", "revue", f"{where} : en retard de {gap} j", "erreur")
    return Risk("destination", "revue", f"{where} : tient ({-gap} j de marge)", "information")
