"""The direction's review: read the graph (with the read permission) and run every analysis.

This is what the CLI, the report and the TUI's Revue direction screen call.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from roadmap.graph import model as m
from roadmap.graph.analyses import (
    Alliance,
    Fragility,
    Issue,
    Load,
    LoadThresholds,
    SingleLink,
    alliance,
    bottlenecks,
    compute_load,
    consistency,
    cooperation_graph,
    single_links,
)
from roadmap.graph.schedule import Schedule, compute_schedule

if TYPE_CHECKING:
    import networkx as nx

    from roadmap.usecases.identity import Actor


async def read_graph(actor: Actor, slug: str | None = None) -> nx.MultiDiGraph:
    """The graph of one roadmap or of all active ones; reading is open to everyone (issue 2)."""
    from roadmap.graph.build import build_graph

    return await build_graph(slug)


@dataclass
class Review:
    graph: nx.MultiDiGraph
    schedule: Schedule
    load: list[Load]
    fragility: list[Fragility]
    alliance: Alliance
    issues: list[Issue]
    thresholds: LoadThresholds
    single_links: list[SingleLink] = field(default_factory=list)

    def label(self, node: str) -> str:
        a = self.graph.nodes[node]
        if a.get("kind") == m.DESTINATION:
            return f"Point d'arrivée ({a.get('title', '')})"
        ref = a.get("ref")
        return f"{ref} {a.get('label', '')}" if ref else str(a.get("label", node))

    @property
    def overloaded(self) -> list[Load]:
        return [x for x in self.load if x.overloaded]


def analyse(
    g: nx.MultiDiGraph,
    *,
    roadmap: str | None = None,
    today: date | None = None,
    thresholds: LoadThresholds | None = None,
) -> Review:
    """Every analysis of ``g`` (pure; restricted to ``roadmap`` for the alliance)."""
    limits = thresholds or LoadThresholds()
    schedule = compute_schedule(g, today)
    coop = cooperation_graph(g, roadmap)
    return Review(
        graph=g,
        schedule=schedule,
        load=compute_load(g, schedule.today, limits),
        fragility=bottlenecks(coop),
        alliance=alliance(g, roadmap),
        issues=consistency(g, schedule),
        thresholds=limits,
        single_links=single_links(coop),
    )


async def review_roadmap(
    actor: Actor,
    slug: str | None,
    *,
    today: date | None = None,
    thresholds: LoadThresholds | None = None,
) -> Review:
    g = await read_graph(actor, slug)
    # CPU work: in a thread so a screen's event loop keeps answering keys meanwhile.
    return await asyncio.to_thread(analyse, g, roadmap=slug, today=today, thresholds=thresholds)


async def margins_for_roadmap(slug: str, today: date | None = None) -> dict[str, int | None]:
    """Marge in days per action/jalon ref (A1, J2…) of one roadmap; None when it has none
    (finished, abandoned, cancelled, or caught in a cycle). For the Actions/Jalons screens,
    which have already checked the user may read the roadmap."""
    from roadmap.graph.build import build_graph

    g = await build_graph(slug)
    schedule = await asyncio.to_thread(compute_schedule, g, today)
    result: dict[str, int | None] = {}
    for node, a in g.nodes(data=True):
        if a.get("kind") in (m.ACTION, m.JALON):
            timing = schedule.items.get(node)
            result[str(a["ref"])] = timing.margin if timing else None
    return result
