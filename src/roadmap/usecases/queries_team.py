"""Small read models for the Jalons, Équipe, Observations and Journal screens."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from roadmap.domain.enums import Role
from roadmap.domain.errors import RoadmapError
from roadmap.models import JournalEntry
from roadmap.usecases.base import get_roadmap, role_in
from roadmap.usecases.identity import Actor

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoadmapHeader:
    """What a roadmap screen shows in its title line, and the actor's role there."""

    slug: str
    title: str
    horizon: date
    role: Role | None


async def roadmap_header(actor: Actor, slug: str) -> RoadmapHeader:
    roadmap = await get_roadmap(slug)
    return RoadmapHeader(
        slug=roadmap.slug,
        title=roadmap.title,
        horizon=roadmap.horizon,
        role=await role_in(actor, roadmap),
    )


@dataclass(frozen=True)
class JournalFacets:
    """The values the journal's filters offer: who wrote, and which kinds of entity."""

    actors: tuple[str, ...]
    entities: tuple[str, ...]


async def journal_facets(slug: str) -> JournalFacets:
    await get_roadmap(slug)  # a clear NotFound rather than empty lists
    actors = await JournalEntry.filter(roadmap_slug=slug).distinct().values_list("actor", flat=True)
    entities = (
        await JournalEntry.filter(roadmap_slug=slug).distinct().values_list("entity", flat=True)
    )
    return JournalFacets(
        actors=tuple(sorted({str(a) for a in actors})),
        entities=tuple(sorted({str(e) for e in entities})),
    )


# --- marges and slip impact, from the graph engineer's schedule when it is there -----------


@dataclass(frozen=True)
class SlipSummary:
    """What moving one action or jalon would change: the dates stored after confirming
    (the item and the dependents shifted, with their cause), the dependencies left
    contradicted, and whether the horizon still holds."""

    days: int
    pushed: tuple[tuple[str, int], ...]  # (ref, days) of the other items that move
    finish_before: date | None
    finish_after: date | None
    horizon: date | None
    causes: tuple[str, ...] = ()  # ref of what pushes each item of ``pushed``
    conflicts: tuple[str, ...] = ()  # contradicted dependencies, both items named
    shifted: bool = True

    @property
    def horizon_missed(self) -> bool:
        return bool(self.horizon and self.finish_after and self.finish_after > self.horizon)

    @property
    def was_missed(self) -> bool:
        """The plan already missed the horizon before this slip."""
        return bool(self.horizon and self.finish_before and self.finish_before > self.horizon)


def summarize(g: Any, slug: str, impact: Any) -> SlipSummary:
    """A ``SlipImpact`` in references and French messages (the TUI, the CLI, the tests)."""
    from roadmap.graph import model
    from roadmap.usecases.itinerary import conflict_message

    others = [m for m in impact.moves if m.node != impact.node]
    return SlipSummary(
        days=impact.days,
        pushed=tuple((model.short_ref(m.node), m.days) for m in others),
        finish_before=impact.finish_before.get(slug),
        finish_after=impact.finish_after.get(slug),
        horizon=impact.horizons.get(slug),
        causes=tuple(model.short_ref(m.cause or impact.node) for m in others),
        conflicts=tuple(conflict_message(g, c) for c in impact.conflicts),
        shifted=impact.shifted,
    )


@dataclass
class MarginView:
    """Marges by reference (None: done or unknown); ``available`` is False without the graph."""

    available: bool
    by_ref: dict[str, int | None]
    slug: str = ""
    schedule: Any = None  # roadmap.graph.schedule.Schedule, kept to simulate a slip
    graph: Any = None
    late: dict[str, int] = field(default_factory=dict)  # open jalons past their date: days late

    def text(self, ref: str) -> str:
        if ref in self.late:  # past due and not held: late, no marge to speak of
            return "en retard"
        margin = self.by_ref.get(ref)
        if margin is None:
            return ""
        return f"{margin} j" if margin >= 0 else f"⚠{margin} j"

    def slip(self, kind: str, ref: str, days: int) -> SlipSummary | None:
        """Simulate moving the action or jalon ``ref`` by ``days`` (pure, no database)."""
        if not self.available or self.schedule is None or not days:
            return None
        from roadmap.graph import model
        from roadmap.graph.schedule import simulate_slip

        node = (model.jalon_id if kind == "jalon" else model.action_id)(self.slug, ref)
        try:
            impact = simulate_slip(self.schedule, node, days)
        except KeyError:  # a cancelled jalon is out of the schedule
            return None
        return summarize(self.graph, self.slug, impact)

    def reroute(
        self,
        kind: str,
        ref: str,
        new_start: date | None,
        new_end: date | None,
        *,
        shift_dependents: bool,
    ) -> SlipSummary | None:
        """The same computation the use case runs when the move is confirmed (pure)."""
        if not self.available or self.schedule is None:
            return None
        from roadmap.graph import model
        from roadmap.graph.schedule import plan_move

        node = (model.jalon_id if kind == "jalon" else model.action_id)(self.slug, ref)
        try:
            impact = plan_move(
                self.schedule, node, new_start, new_end, shift_dependents=shift_dependents
            )
        except KeyError:
            return None
        return summarize(self.graph, self.slug, impact)


async def load_margins(slug: str, today: date | None = None) -> MarginView:
    """Marges of the roadmap's items, or an unavailable view when the graph is not built yet."""
    try:
        from roadmap.graph import model
        from roadmap.graph.build import build_graph
        from roadmap.graph.schedule import compute_schedule
    except ImportError:
        return MarginView(available=False, by_ref={})
    try:
        g = await build_graph(slug)
        schedule = compute_schedule(g, today=today)
    except RoadmapError:
        raise
    except Exception:  # an optional column must never take the Jalons screen down
        logger.exception("marges indisponibles pour %s", slug)
        return MarginView(available=False, by_ref={})
    by_ref = {
        model.short_ref(node): timing.margin
        for node, timing in schedule.items.items()
        if timing.roadmap == slug
    }
    late = {
        model.short_ref(node): schedule.overdue(node)
        for node, timing in schedule.items.items()
        if timing.roadmap == slug and node.startswith("jalon:") and schedule.overdue(node)
    }
    return MarginView(
        available=True, by_ref=by_ref, slug=slug, schedule=schedule, graph=g, late=late
    )


async def preview_reroute(
    slug: str,
    entity: str,
    ref: str,
    new_start: date | None,
    new_end: date | None,
    *,
    shift_dependents: bool,
    today: date | None = None,
) -> SlipSummary | None:
    """What confirming this move would store, before it is confirmed (reading is open)."""
    view = await load_margins(slug, today)
    return view.reroute(entity, ref, new_start, new_end, shift_dependents=shift_dependents)
