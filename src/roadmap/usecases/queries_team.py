"""Small read models for the Jalons, Équipe, Observations and Journal screens."""

from __future__ import annotations

import logging
from dataclasses import dataclass
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
    """What moving one jalon by ``days`` would push, and whether the horizon still holds."""

    days: int
    pushed: tuple[tuple[str, int], ...]  # (ref, days) of the other items that move
    finish_before: date | None
    finish_after: date | None
    horizon: date | None

    @property
    def horizon_missed(self) -> bool:
        return bool(self.horizon and self.finish_after and self.finish_after > self.horizon)

    @property
    def was_missed(self) -> bool:
        """The plan already missed the horizon before this slip."""
        return bool(self.horizon and self.finish_before and self.finish_before > self.horizon)


@dataclass
class MarginView:
    """Marges by reference (None: done or unknown); ``available`` is False without the graph."""

    available: bool
    by_ref: dict[str, int | None]
    slug: str = ""
    schedule: Any = None  # roadmap.graph.schedule.Schedule, kept to simulate a slip

    def text(self, ref: str) -> str:
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
        return SlipSummary(
            days=days,
            pushed=tuple((model.short_ref(m.node), m.days) for m in impact.moves if m.node != node),
            finish_before=impact.finish_before.get(self.slug),
            finish_after=impact.finish_after.get(self.slug),
            horizon=impact.horizons.get(self.slug),
        )


async def load_margins(slug: str, today: date | None = None) -> MarginView:
    """Marges of the roadmap's items, or an unavailable view when the graph is not built yet."""
    try:
        from roadmap.graph import model
        from roadmap.graph.build import build_graph
        from roadmap.graph.schedule import compute_schedule
    except ImportError:
        return MarginView(available=False, by_ref={})
    try:
        schedule = compute_schedule(await build_graph(slug), today=today)
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
    return MarginView(available=True, by_ref=by_ref, slug=slug, schedule=schedule)
