"""An import that moves dates re-routes like the form: preview, then shift or keep.

The items whose dates the file changes are moved as the file says (each through its use
case, with its reason). Then, in the import's transaction, ``graph.schedule.plan_moves``
computes what they push, the same computation as the form's preview: with ``--decaler``
each dependent they would contradict is shifted (its own adjustment, pointing at its
cause, with the reason of the item moved by the file); with ``--garder`` their dates stay
and the contradiction is an alert. With no choice, an import that would leave dependents
contradicted is refused, naming them and both options; ``--dry-run`` shows both outcomes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from roadmap import models as m
from roadmap.domain.enums import AdjustmentKind
from roadmap.domain.errors import ValidationError
from roadmap.exchange.changeset import Plan
from roadmap.usecases.identity import Actor
from roadmap.usecases.itinerary import Shifted, unresolved_by_keeping, write_shifts
from roadmap.usecases.queries_team import SlipSummary, summarize

_DEPS = ("depend_des_actions", "depend_des_jalons")


@dataclass
class ImportItinerary:
    """What the file's dates move: each item the file moves (days), then what it pushes
    when shifting (``shift``) or the contradictions when keeping (``keep``)."""

    moved: list[tuple[str, int]]  # (ref, days its end moves) of the items the file moves
    shift: SlipSummary
    keep: SlipSummary
    choice: bool | None  # True: --decaler, False: --garder, None: not given
    unresolved: list[str] = field(default_factory=list)  # contradicted unless shifted
    shifted: tuple[Shifted, ...] = ()  # written (a real import with --decaler)


class ChoiceNeeded(ValidationError):
    """The file's dates would contradict dependents and no choice was given."""

    def __init__(self, message: str, itinerary: ImportItinerary) -> None:
        super().__init__(message, field="--decaler/--garder")
        self.itinerary = itinerary


@dataclass
class Before:
    """The schedule's state before the file is applied: what it needs to compare with."""

    roots: list[str]  # graph nodes whose dates the file changes (or creates)
    watch: list[str]  # graph nodes whose dependencies the file changes
    dates: dict[str, tuple[date | None, date | None]]
    finish: date | None
    reasons: dict[str, tuple[str, str]]  # ref → (reason, nature) given by the file


async def before_import(slug: str, plan: Plan) -> Before | None:
    """Read before applying: None when the file moves no date and no dependency."""
    from roadmap.graph import model as gm

    roots: list[str] = []
    watch: list[str] = []
    reasons: dict[str, tuple[str, str]] = {}
    for c in [*plan.of("action"), *plan.of("jalon")]:
        node = (gm.action_id if c.kind == "action" else gm.jalon_id)(slug, c.ref)
        keys = ("debut", "fin") if c.kind == "action" else ("date_actuelle",)
        if c.op == "création" or c.changed(*keys):
            roots.append(node)
            reasons[c.ref] = (c.reason, c.nature)
        if c.changed(*_DEPS) or c.op == "création":
            watch.append(node)
    if not roots and not watch:
        return None
    from roadmap.graph.build import build_dependency_graph
    from roadmap.graph.schedule import compute_schedule

    s = compute_schedule(await build_dependency_graph(slug))
    dates = {n: (t.stored_start, t.stored_end) for n, t in s.items.items() if n in roots}
    return Before(roots, watch, dates, s.finish(slug), reasons)


async def after_import(
    actor: Actor,
    slug: str,
    before: Before,
    choice: bool | None,
    *,
    motif: str,
    nature: str,
    filename: str,
    dry_run: bool,
) -> ImportItinerary | None:
    """Once the file is applied (same transaction): plan both ways, then shift, keep, or
    refuse (no choice, dependents contradicted, not a dry run)."""
    from roadmap.graph import model as gm
    from roadmap.graph.build import build_dependency_graph
    from roadmap.graph.schedule import compute_schedule, plan_moves

    g = await build_dependency_graph(slug)
    s = compute_schedule(g)
    roots = {
        n: (s.items[n].stored_start, s.items[n].stored_end) for n in before.roots if n in s.items
    }
    watch = [n for n in before.watch if n in s.items]
    if not roots and not watch:
        return None
    first = roots or {watch[0]: (s.items[watch[0]].stored_start, s.items[watch[0]].stored_end)}
    keep = plan_moves(s, first, shift_dependents=False, watch=watch)
    shift = plan_moves(s, first, shift_dependents=True, watch=watch)
    unresolved = unresolved_by_keeping(g, keep, shift)
    moved = []
    for n in before.roots:
        old, new = before.dates.get(n), roots.get(n)
        old_end = (old[1] or old[0]) if old else None
        new_end = (new[1] or new[0]) if new else None
        if old_end and new_end and old_end != new_end:
            moved.append((gm.short_ref(n), (new_end - old_end).days))
    result = ImportItinerary(
        moved=moved,
        shift=_summary(g, slug, shift, before.finish),
        keep=_summary(g, slug, keep, before.finish),
        choice=choice,
        unresolved=unresolved,
    )
    if choice is None and unresolved and not dry_run:
        from roadmap.usecases.reroute_text import choice_needed

        raise ChoiceNeeded(choice_needed(unresolved), result)
    if choice:
        roadmap = await m.Roadmap.get(slug=slug)
        fallback = (motif or f"import de {filename}", nature or "contrainte")

        def reason_of(origin: str) -> tuple[str, AdjustmentKind]:
            reason, kind = before.reasons.get(origin) or fallback
            parsed = AdjustmentKind.parse(kind or fallback[1], "nature_motif")
            return reason or fallback[0], parsed  # type: ignore[return-value]

        result.shifted = await write_shifts(actor, roadmap, g, shift, reason_of)
    return result


def _summary(g: Any, slug: str, impact: Any, finish_before: date | None) -> SlipSummary:
    """The impact in the form's words, the finish compared with the plan before the file."""
    summary = summarize(g, slug, impact)
    return dataclasses.replace(summary, finish_before=finish_before or summary.finish_before)
