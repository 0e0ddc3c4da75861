"""What is late or at risk, for the first lines of the dashboard (issue 11).

One reading of the graph and its schedule (the same one the Revue and the marge column
use): where the plan lands against the horizon, actions waiting on a late or abandoned
prerequisite, jalons past their date and not held, open actions with nobody responsible,
overloaded people (the load thresholds of the Revue). Each line names what it leads to.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from roadmap.formatting import date_short

if TYPE_CHECKING:
    from roadmap.graph.analyses import LoadThresholds
    from roadmap.graph.schedule import Schedule


@dataclass(frozen=True)
class Risk:
    # destination | bloquee | jalon_en_retard | sans_responsable | surcharge | reajustement
    kind: str
    target: str  # "action:A6", "jalon:J4", "person:login", "revue": where Enter leads
    message: str
    severity: str = "avertissement"  # erreur | avertissement | information


async def roadmap_risks(
    slug: str, *, today: date | None = None, thresholds: LoadThresholds | None = None
) -> list[Risk]:
    """The roadmap's risks, most pressing kinds first (reading is open to everyone)."""
    from roadmap.graph.build import build_graph

    day = today or date.today()
    g = await build_graph(slug)
    risks = await asyncio.to_thread(risks_of, g, slug, day, thresholds)
    copil = last_copil_of(g, slug, day)
    if copil is not None:
        from roadmap.usecases.base import get_roadmap
        from roadmap.usecases.baselines import reroutings_since

        roadmap = await get_roadmap(slug)
        since = datetime.combine(copil[1], time.min, tzinfo=UTC)
        risks += reroute_risks(await reroutings_since(roadmap.id, since), *copil)
    return risks


def last_copil_of(g: Any, slug: str, today: date) -> tuple[str, date] | None:
    """The roadmap's last COPIL whose date has come (held or not), as the report reads it."""
    from roadmap.graph import model as m

    found = [
        (day, str(a["ref"]))
        for _, a in g.nodes(data=True)
        if a.get("kind") == m.JALON and a.get("roadmap") == slug
        and a.get("jalon_kind") == "copil" and a.get("status") != "annule"
        and (day := m.parse_day(a.get("date"))) is not None and day <= today
    ]  # fmt: skip
    if not found:
        return None
    day, ref = max(found)
    return ref, day


def reroute_risks(reroutings: list[Any], copil_ref: str, copil_day: date) -> list[Risk]:
    """One line per re-routing since the last COPIL, newest first, leading to its item."""
    from roadmap import formatting as fr

    lines = []
    for r in sorted(reroutings, key=lambda r: r.day, reverse=True):
        kind = "action" if r.item.startswith("A") else "jalon" if r.item.startswith("J") else ""
        change = f"{r.field} {fr.code(r.old) or '—'} → {fr.code(r.new) or '—'}"
        nature = fr.code(r.kind).lower()
        lines.append(
            Risk("reajustement", f"{kind}:{r.item}" if kind else "revue",
                 f"{r.item or 'Horizon'} réajusté depuis le {copil_ref} du "
                 f"{fr.date_short(copil_day)} : {change} ({nature}) — {r.why}", "information")
        )  # fmt: skip
    return lines


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
                     f"ni tenu ni reporté — {a['label']} ({date_short(m.parse_day(a['date']))})",
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
    where = f"Arrivée projetée le {date_short(finish)}, horizon le {date_short(horizon)}"
    if gap > 0:
        return Risk("destination", "revue", f"{where} : en retard de {gap} j", "erreur")
    return Risk("destination", "revue", f"{where} : tient ({-gap} j de marge)", "information")
