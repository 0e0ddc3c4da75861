"""Critical path, margins and the impact of a slip: pure functions of the graph.

The model, in days:

- An action runs from its start to its end date; a jalon is a point in time (its
  current date). ``A depends_on B`` means A cannot start before B ends.
- Abandoned actions and cancelled jalons are left out (the consistency check flags
  what still depends on them). Finished actions and held jalons stay where they are.
- Undated items: an action with one date only lasts 0 days on that date; an item with
  no date at all lasts 0 days and is placed as soon as its prerequisites end (today when
  it has none). They carry constraints through but add no time; ``dated`` is False.
- Projection (forward pass): an open item starts at its planned start or when its last
  prerequisite ends, whichever is later, keeps its duration, and cannot end before today
  (a late item ends today at best). This projected end pushes the items waiting for it.
- Marge (backward pass): the latest end of an item is the horizon of its roadmap, or the
  latest start of an item waiting for it if earlier. Marge = latest end - projected end,
  in days: how far the item can slip before the destination moves. Negative: the plan
  already misses the horizon through this item. Finished items have no marge (None).
- Re-routing (``plan_move``): moving an item changes its stored dates; when asked, each
  dependent that would then start before a prerequisite ends is shifted (both its dates,
  same duration) to start when that prerequisite ends, in dependency order. The preview,
  the Revue simulator and the use case that writes the dates all call it, and the finish
  and marges shown are a projection of the dates it returns: the figures shown are the
  figures stored after confirming.
- Critical path: per roadmap, the chain that reaches the destination with the least
  marge: from the open item with the least marge among those nothing waits for, back
  through the prerequisite with the least marge at each step (finished ones rank last).
  Its first items are where a slip costs the destination soonest.

Pure Python over adjacency dicts: a topological order (Kahn) is linear, so 20,000 items
take milliseconds; no ``nx.find_cycle`` on large graphs (RISKS 16).
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from roadmap.graph import model as m

if TYPE_CHECKING:
    import networkx as nx

DONE = frozenset({"terminee", "tenu"})
DROPPED = frozenset({"abandonnee", "annule"})


@dataclass
class Timing:
    """Planned and projected dates of one action or jalon, and its marge."""

    node: str
    roadmap: str
    planned_start: date | None
    planned_end: date | None
    own_start: date  # where it would start with no prerequisite
    duration: int
    start: date  # projected
    end: date  # projected
    done: bool
    dated: bool
    latest_end: date | None = None
    margin: int | None = None
    stored_start: date | None = None  # the dates as stored (None when missing)
    stored_end: date | None = None

    @property
    def delay(self) -> int:
        """Days between the planned end and the projected end (0 when on time)."""
        return max(0, (self.end - self.planned_end).days) if self.planned_end else 0


@dataclass
class Schedule:
    today: date
    items: dict[str, Timing]
    horizons: dict[str, date]  # roadmap slug → horizon
    critical_paths: dict[str, list[str]]  # roadmap slug → items in order, then destination
    prerequisites: dict[str, list[str]] = field(repr=False)
    dependents: dict[str, list[str]] = field(repr=False)
    order: list[str] = field(repr=False)
    in_cycle: list[str] = field(default_factory=list)

    @property
    def critical_path(self) -> list[str]:
        """The critical path of the single roadmap (or of the first one)."""
        return next(iter(self.critical_paths.values()), [])

    def finish(self, slug: str) -> date | None:
        """Projected end of the last item of the roadmap."""
        return self.finishes().get(slug)

    def finishes(self) -> dict[str, date]:
        """Projected end of the last item, per roadmap (one pass over the items)."""
        ends: dict[str, date] = {}
        for t in self.items.values():
            if t.roadmap not in ends or t.end > ends[t.roadmap]:
                ends[t.roadmap] = t.end
        return ends

    def overdue(self, node: str) -> int:
        """Days an open item is past its planned end today (0 when not, or finished)."""
        t = self.items.get(node)
        if t is None or t.done or t.planned_end is None or t.planned_end >= self.today:
            return 0
        return (self.today - t.planned_end).days

    def margins(self) -> list[Timing]:
        """Open items sorted by marge, least first (undated last among equals)."""
        return sorted(
            (t for t in self.items.values() if t.margin is not None),
            key=lambda t: (t.margin, not t.dated, t.end, t.node),
        )


def _adjacency(g: nx.MultiDiGraph, nodes: set[str]) -> tuple[dict[str, list[str]], ...]:
    prerequisites: dict[str, list[str]] = {n: [] for n in nodes}
    dependents: dict[str, list[str]] = {n: [] for n in nodes}
    succ = g.succ
    for u in nodes:  # only the items' own out-edges, not all 60k edges
        for v, keys in succ[u].items():
            if m.DEPENDS_ON in keys and v in nodes:
                prerequisites[u].append(v)
                dependents[v].append(u)
    return prerequisites, dependents


def _topological(
    nodes: Iterable[str], prerequisites: dict[str, list[str]], dependents: dict[str, list[str]]
) -> tuple[list[str], list[str]]:
    """Kahn's order, prerequisites first; the second list holds nodes caught in cycles."""
    waiting = {n: len(prerequisites[n]) for n in nodes}
    queue = deque(sorted(n for n, k in waiting.items() if k == 0))
    order: list[str] = []
    while queue:
        n = queue.popleft()
        order.append(n)
        for d in dependents[n]:
            waiting[d] -= 1
            if waiting[d] == 0:
                queue.append(d)
    return order, sorted(n for n, k in waiting.items() if k > 0)


def _place(t: Timing, earliest: date | None, today: date) -> None:
    """Projected start/end of ``t`` given when its prerequisites end."""
    if t.done:
        t.start = t.planned_start or earliest or today
        t.end = t.planned_end or t.start
        return
    t.start = max(t.own_start, earliest) if earliest else t.own_start
    t.end = max(t.start + timedelta(days=t.duration), today)


def compute_schedule(g: nx.MultiDiGraph, today: date | None = None) -> Schedule:
    """Projected dates, marges and critical paths of every action and jalon of ``g``."""
    with m.gc_paused():
        return _compute_schedule(g, today or date.today())


def _compute_schedule(g: nx.MultiDiGraph, today: date) -> Schedule:
    data: dict[str, dict[str, Any]] = dict(g.nodes(data=True))
    horizons = {
        str(a["roadmap"]): m.parse_day(a["date"])
        for a in data.values()
        if a.get("kind") == m.DESTINATION and a.get("date")
    }
    items: dict[str, Timing] = {}
    for node, a in data.items():
        kind = a.get("kind")
        if kind not in (m.ACTION, m.JALON) or a.get("status") in DROPPED:
            continue
        start, end = m.parse_day(a.get("start")), m.parse_day(a.get("end"))
        planned_start, planned_end = start or end, end or start
        duration = (planned_end - planned_start).days if planned_start and planned_end else 0
        items[node] = Timing(
            node=node,
            roadmap=str(a.get("roadmap", "")),
            planned_start=planned_start,
            planned_end=planned_end,
            own_start=planned_start or today,
            duration=max(0, duration),
            start=today,
            end=today,
            done=a.get("status") in DONE,
            dated=planned_start is not None,
            stored_start=start,
            stored_end=end,
        )
    prerequisites, dependents = _adjacency(g, set(items))
    order, in_cycle = _topological(items, prerequisites, dependents)
    _project(items, prerequisites, dependents, order, horizons, today)
    for node in in_cycle:  # left out of the projection: keep them visible, no marge
        items.pop(node)
    schedule = Schedule(
        today=today,
        items=items,
        horizons={k: v for k, v in horizons.items() if v is not None},
        critical_paths={},
        prerequisites=prerequisites,
        dependents=dependents,
        order=order,
        in_cycle=in_cycle,
    )
    sinks: dict[str, list[Timing]] = {slug: [] for slug in horizons}
    for t in items.values():  # grouped once: 40 roadmaps x 16,000 items was the slow part
        if not t.done and t.roadmap in sinks and not any(d in items for d in dependents[t.node]):
            sinks[t.roadmap].append(t)
    schedule.critical_paths = {slug: _critical_path(schedule, slug, sinks[slug]) for slug in sinks}
    return schedule


def _project(
    items: dict[str, Timing],
    prerequisites: dict[str, list[str]],
    dependents: dict[str, list[str]],
    order: list[str],
    horizons: dict[str, date | None],
    today: date,
) -> None:
    """Forward pass (projected dates), then backward pass (latest ends and marges)."""
    for node in order:
        t = items[node]
        ends = [items[p].end for p in prerequisites[node] if p in items]
        _place(t, max(ends) if ends else None, today)
    for node in reversed(order):
        t = items[node]
        limits = [
            items[d].latest_end - timedelta(days=(items[d].end - items[d].start).days)
            for d in dependents[node]
            if d in items and items[d].latest_end is not None
        ]
        horizon = horizons.get(t.roadmap)
        if horizon is not None:
            limits.append(horizon)
        t.latest_end = min(limits) if limits else None
        if not t.done and t.latest_end is not None:
            t.margin = (t.latest_end - t.end).days


def _critical_path(s: Schedule, slug: str, sinks: list[Timing]) -> list[str]:
    def rank(t: Timing) -> tuple[int, int, str]:
        margin = t.margin if t.margin is not None else 10**9
        return (margin, -t.end.toordinal(), t.node)

    if not sinks:
        return [m.destination_id(slug)]
    current = min(sinks, key=rank)
    path = [current.node]
    while True:
        drivers = [s.items[p] for p in s.prerequisites[current.node] if p in s.items]
        if not drivers:
            break
        current = min(drivers, key=rank)
        path.append(current.node)
    path.reverse()
    return [*path, m.destination_id(slug)]


@dataclass(frozen=True)
class Move:
    """One item whose stored dates change: the item moved by hand, or a dependent it pushes."""

    node: str
    days: int  # how far its stored end moves (positive: later)
    new_end: date
    new_start: date | None = None
    old_start: date | None = None
    old_end: date | None = None
    cause: str | None = None  # the prerequisite that pushes it; None for the item moved by hand


@dataclass(frozen=True)
class Conflict:
    """A dependency the new dates contradict: ``node`` starts before ``on`` ends."""

    node: str
    on: str
    start: date
    end: date


@dataclass
class SlipImpact:
    """What happens if ``node`` moves: stored dates that change, conflicts, projected finish."""

    node: str
    days: int
    moves: list[Move]  # the item itself first, then what it pushes, in dependency order
    finish_before: dict[str, date]
    finish_after: dict[str, date]
    horizons: dict[str, date]
    conflicts: list[Conflict] = field(default_factory=list)
    margins_after: dict[str, int | None] = field(default_factory=dict)
    shifted: bool = True  # dependents shifted (False: they keep their dates)

    def horizon_missed(self, slug: str | None = None) -> bool:
        slugs = [slug] if slug else list(self.finish_after)
        return any(
            slug in self.horizons and self.finish_after[slug] > self.horizons[slug]
            for slug in slugs
        )

    def newly_missed(self, slug: str | None = None) -> bool:
        """Missed because of this slip (it was held before)."""
        slugs = [slug] if slug else list(self.finish_after)
        return any(
            slug in self.horizons
            and self.finish_after[slug] > self.horizons[slug] >= self.finish_before[slug]
            for slug in slugs
        )


def _start_end(start: date | None, end: date | None) -> tuple[date | None, date | None]:
    """Effective dates: an item with one date lasts 0 days on it."""
    return start or end, end or start


def simulate_slip(s: Schedule, node: str, days: int) -> SlipImpact:
    """Move ``node`` by ``days`` (both its dates) and shift whatever then starts too early."""
    if node not in s.items:
        raise KeyError(node)
    t = s.items[node]
    shift = timedelta(days=days)
    start, end = t.stored_start or t.planned_start, t.stored_end or t.planned_end
    if start is None or end is None:  # undated: place it at its projected dates, moved
        start, end = t.start, t.end
    return plan_move(s, node, start + shift if t.stored_start or not t.dated else None, end + shift)


def plan_move(
    s: Schedule,
    node: str,
    new_start: date | None,
    new_end: date | None,
    *,
    shift_dependents: bool = True,
) -> SlipImpact:
    """The stored dates after moving ``node`` to (new_start, new_end), and their projection.

    With ``shift_dependents``, every dependent (transitively) that would start before a
    moved prerequisite ends is shifted to start right when it ends, keeping its duration;
    finished and undated items never move. Without, only ``node`` moves and the dependencies
    it now contradicts are returned as conflicts.
    """
    if node not in s.items:
        raise KeyError(node)
    return plan_moves(s, {node: (new_start, new_end)}, shift_dependents=shift_dependents)


def plan_moves(
    s: Schedule,
    roots: dict[str, tuple[date | None, date | None]],
    *,
    shift_dependents: bool = True,
    watch: Iterable[str] = (),
) -> SlipImpact:
    """``plan_move`` for several items moved at once (an import): each root gets the dates
    given and never moves further; what they push is shifted as for one item. ``watch``
    names more items whose dependencies are checked for conflicts (e.g. new dependencies).
    The impact's ``node`` is the first root."""
    node = next(iter(roots))
    dates: dict[str, tuple[date | None, date | None]] = {
        n: d for n, d in roots.items() if n in s.items
    }
    cause: dict[str, str] = {}
    if shift_dependents:
        affected: set[str] = set()
        for root in dates:
            affected |= _descendants(s, root)
        for n in s.order:
            if n in roots or n not in affected or n not in s.items:
                continue
            t = s.items[n]
            start, _ = _start_end(t.stored_start, t.stored_end)
            if t.done or start is None:
                continue
            pushed_by: tuple[str, date] | None = None
            for p in s.prerequisites[n]:
                if p in dates and p in s.items:
                    _, end = _start_end(*dates[p])
                    if end and end > start and (pushed_by is None or end > pushed_by[1]):
                        pushed_by = (p, end)
            if pushed_by is not None:
                delta = pushed_by[1] - start
                dates[n] = (
                    t.stored_start + delta if t.stored_start else None,
                    t.stored_end + delta if t.stored_end else None,
                )
                cause[n] = pushed_by[0]
    moves: list[Move] = []
    for n in s.order:
        if n not in dates or n not in s.items:
            continue
        t = s.items[n]
        old = _start_end(t.stored_start, t.stored_end)
        new = _start_end(*dates[n])
        if new == old:
            continue
        old_end = old[1] or t.end
        new_end_n = new[1] or old_end
        moves.append(
            Move(
                n,
                (new_end_n - old_end).days,
                new_end_n,
                new_start=dates[n][0],
                old_start=t.stored_start,
                old_end=t.stored_end,
                cause=cause.get(n),
            )
        )
    after = _reproject(s, dates)
    first = moves[0] if moves and moves[0].node == node else None
    checked = dict(dates)
    for n in watch:
        if n in s.items and n not in checked:
            checked[n] = (s.items[n].stored_start, s.items[n].stored_end)
    return SlipImpact(
        node=node,
        days=first.days if first else 0,
        moves=moves,
        finish_before=s.finishes(),
        finish_after=_finishes(after),
        horizons=s.horizons,
        conflicts=_conflicts(s, checked),
        margins_after={n: t.margin for n, t in after.items()},
        shifted=shift_dependents,
    )


def _reproject(s: Schedule, dates: dict[str, tuple[date | None, date | None]]) -> dict[str, Timing]:
    """The schedule's projection again, with some stored dates replaced."""
    items: dict[str, Timing] = {}
    for n, t in s.items.items():
        c = copy.copy(t)
        c.latest_end = c.margin = None
        if n in dates:
            start, end = _start_end(*dates[n])
            c.stored_start, c.stored_end = dates[n]
            c.planned_start, c.planned_end = start, end
            c.own_start = start or s.today
            c.duration = max(0, (end - start).days) if start and end else 0
            c.dated = start is not None
        items[n] = c
    order = [n for n in s.order if n in items]
    _project(items, s.prerequisites, s.dependents, order, dict(s.horizons), s.today)
    return items


def _finishes(items: dict[str, Timing]) -> dict[str, date]:
    ends: dict[str, date] = {}
    for t in items.values():
        if t.roadmap not in ends or t.end > ends[t.roadmap]:
            ends[t.roadmap] = t.end
    return ends


def _conflicts(s: Schedule, dates: dict[str, tuple[date | None, date | None]]) -> list[Conflict]:
    """Dependencies touching a changed item whose stored dates contradict them."""

    def span(n: str) -> tuple[date | None, date | None]:
        t = s.items[n]
        return _start_end(*dates[n]) if n in dates else _start_end(t.stored_start, t.stored_end)

    found: set[tuple[str, str]] = set()
    for n in dates:
        for d in s.dependents.get(n, ()):
            found.add((d, n))
        for p in s.prerequisites.get(n, ()):
            found.add((n, p))
    result = []
    for d, p in sorted(found):
        if d not in s.items or p not in s.items or s.items[d].done:
            continue
        start, _ = span(d)
        _, end = span(p)
        if start and end and start < end:
            result.append(Conflict(d, p, start, end))
    return result


def contradictions(s: Schedule, node: str) -> list[Conflict]:
    """The dependencies of ``node`` (either way) its stored dates contradict now."""
    if node not in s.items:
        return []
    return _conflicts(s, {node: (s.items[node].stored_start, s.items[node].stored_end)})


def _descendants(s: Schedule, node: str) -> set[str]:
    seen = {node}
    stack = [node]
    while stack:
        for d in s.dependents.get(stack.pop(), ()):
            if d not in seen:
                seen.add(d)
                stack.append(d)
    return seen
