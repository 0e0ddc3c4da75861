"""Ajustements d'itinéraire: every change of a date or scope, kept with its reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from tortoise.expressions import F

from roadmap.domain.enums import AdjustmentKind
from roadmap.domain.errors import ValidationError
from roadmap.formatting import date_short
from roadmap.models import Action, Adjustment, Dependency, Jalon, Roadmap
from roadmap.usecases.base import field_label, journal, now, show
from roadmap.usecases.identity import Actor

if TYPE_CHECKING:
    from roadmap.graph.schedule import Conflict, Schedule, SlipImpact


async def record_adjustment(
    actor: Actor,
    roadmap: Roadmap,
    *,
    field: str,
    old: Any,
    new: Any,
    reason: str,
    kind: AdjustmentKind,
    action: Action | None = None,
    jalon: Jalon | None = None,
    journaled: bool = True,
    cause: str = "",
    origin: str = "",
) -> None:
    """Keep the re-routing (old → new, reason, nature, who, when) and journal it.

    ``cause``: the ref of the item whose move pushed this one (a shifted dependent), kept
    in its own column; ``origin`` the item moved by hand, when further up the chain (named
    in the journal's reason only). ``journaled=False`` when the caller journals the whole
    edit itself.
    """
    label = field_label(field)
    await Adjustment.create(
        roadmap=roadmap,
        action=action,
        jalon=jalon,
        field=label,
        old_value=show(old),
        new_value=show(new),
        reason=reason,
        kind=kind,
        author=actor.login,
        created_at=now(),
        cause=cause,
    )
    if journaled:
        target = action or jalon
        await journal(
            actor,
            roadmap=roadmap.slug,
            entity="action" if action else "jalon" if jalon else "feuille de route",
            ref=target.ref if target else roadmap.slug,
            operation="ajustement",
            field=field,
            old=old,
            new=new,
            reason=pushed_reason(reason, cause, origin),
        )


def pushed_reason(reason: str, cause: str, origin: str = "") -> str:
    """« entraîné par A6 (suite à A5) : motif » for a shifted item; the reason otherwise."""
    if not cause:
        return reason
    chain = f" (suite à {origin})" if origin and origin != cause else ""
    return f"entraîné par {cause}{chain} : {reason}"


# --- one re-routing for actions and jalons: preview, shift the dependents, or keep -------


@dataclass(frozen=True)
class Shifted:
    """A dependent moved along with the item re-routed by hand."""

    entity: str  # action | jalon
    ref: str
    days: int
    cause: str  # ref of the prerequisite that pushed it


@dataclass(frozen=True)
class RerouteOutcome:
    """What a save did to the itinerary: new version, dependents moved, dates contradicted."""

    version: int
    shifted: tuple[Shifted, ...] = ()
    warnings: tuple[str, ...] = ()


def conflict_message(g: Any, conflict: Conflict) -> str:
    """« A6 « … » commence le …, avant la fin de A5 « … » dont elle dépend (…) ».

    ``g`` is the graph, or a mapping node → attributes (ref, label, kind)."""
    nodes = getattr(g, "nodes", g)
    a, b = nodes[conflict.node], nodes[conflict.on]
    return (
        f"{a['ref']} « {a['label']} » commence le {date_short(conflict.start)}, avant la fin de "
        f"{b['ref']} « {b['label']} » dont {'il' if a['kind'] == 'jalon' else 'elle'} dépend "
        f"({date_short(conflict.end)})"
    )


async def _scheduled(
    roadmap: Roadmap, entity: str, ref: str, today: date | None
) -> tuple[Any, str, Schedule]:
    """The roadmap's graph, the item's node in it, and the schedule computed on ``today``."""
    from roadmap.graph import model as m
    from roadmap.graph.build import build_dependency_graph
    from roadmap.graph.schedule import compute_schedule

    g = await build_dependency_graph(roadmap.slug)
    node = (m.action_id if entity == "action" else m.jalon_id)(roadmap.slug, ref)
    return g, node, compute_schedule(g, today)


async def plan_reroute(
    roadmap: Roadmap,
    entity: str,
    ref: str,
    new_start: date | None,
    new_end: date | None,
    *,
    shift_dependents: bool,
    today: date | None = None,
) -> tuple[Any, SlipImpact] | None:
    """The graph and the impact of moving ``ref``, read in the caller's transaction.

    None when the item is out of the schedule (abandoned, cancelled, in a cycle).
    """
    from roadmap.graph.schedule import plan_move

    g, node, schedule = await _scheduled(roadmap, entity, ref, today)
    try:
        return g, plan_move(schedule, node, new_start, new_end, shift_dependents=shift_dependents)
    except KeyError:
        return None


def unresolved_by_keeping(g: Any, keep: SlipImpact, shift: SlipImpact) -> list[str]:
    """The dependencies keeping the dates would leave contradicted and shifting would not."""
    fixed = {(c.node, c.on) for c in shift.conflicts}
    return [conflict_message(g, c) for c in keep.conflicts if (c.node, c.on) not in fixed]


async def both_plans(
    roadmap: Roadmap,
    entity: str,
    ref: str,
    new_start: date | None,
    new_end: date | None,
    *,
    today: date | None = None,
) -> tuple[Any, SlipImpact, SlipImpact] | None:
    """The graph, and the move planned keeping the dependents' dates, then shifting them."""
    from roadmap.graph.schedule import plan_move

    g, node, schedule = await _scheduled(roadmap, entity, ref, today)
    if node not in schedule.items:
        return None
    keep = plan_move(schedule, node, new_start, new_end, shift_dependents=False)
    return g, keep, plan_move(schedule, node, new_start, new_end, shift_dependents=True)


async def require_choice(
    roadmap: Roadmap,
    entity: str,
    ref: str,
    new_start: date | None,
    new_end: date | None,
    *,
    today: date | None = None,
) -> None:
    """Refuse, naming them and the two options, a move that would contradict dependents
    when the caller has not said whether to shift them or keep their dates."""
    from roadmap.usecases.reroute_text import choice_needed

    plans = await both_plans(roadmap, entity, ref, new_start, new_end, today=today)
    if plans is None:
        return
    contradicted = unresolved_by_keeping(*plans)
    if contradicted:
        raise ValidationError(choice_needed(contradicted), field="dépendants")


async def apply_reroute(
    actor: Actor,
    roadmap: Roadmap,
    planned: tuple[Any, SlipImpact] | None,
    *,
    reason: str,
    kind: AdjustmentKind,
) -> tuple[tuple[Shifted, ...], tuple[str, ...]]:
    """Write the shifted dependents (one adjustment and one journal row per changed date,
    pointing at the cause, with the same reason) and name the contradicted dependencies."""
    if planned is None:
        return (), ()
    g, impact = planned
    shifted = await write_shifts(actor, roadmap, g, impact, lambda _origin: (reason, kind))
    return shifted, tuple(conflict_message(g, c) for c in impact.conflicts)


async def write_shifts(
    actor: Actor,
    roadmap: Roadmap,
    g: Any,
    impact: SlipImpact,
    reason_of: Callable[[str], tuple[str, AdjustmentKind]],
) -> tuple[Shifted, ...]:
    """Write each dependent ``impact`` shifts: its dates (version bumped), one adjustment per
    changed date with the cause in its column and the reason of the item moved by hand at
    the start of its chain (``reason_of(origin ref)``), one journal row each."""
    from roadmap.graph import model as m

    causes = {move.node: move.cause for move in impact.moves}

    def origin(node: str) -> str:
        while causes.get(node):
            node = str(causes[node])
        return m.short_ref(node)

    shifted: list[Shifted] = []
    for move in impact.moves:
        if move.cause is None:
            continue  # an item moved by hand: written by its own use case
        a = g.nodes[move.node]
        ref, cause_ref, first = str(a["ref"]), m.short_ref(move.cause), origin(move.node)
        reason, kind = reason_of(first)
        why: dict[str, Any] = {"reason": reason, "kind": kind, "cause": cause_ref,
                               "origin": first}  # fmt: skip
        if a["kind"] == m.ACTION:
            action = await Action.get(roadmap_id=roadmap.id, ref=ref)
            values = {"start_date": move.new_start, "end_date": move.new_end}
            await _bump(Action, action.id, actor, values)
            for name, new in values.items():
                old = getattr(action, name)
                if old != new:
                    await record_adjustment(
                        actor, roadmap, action=action, field=name, old=old, new=new, **why
                    )
        else:
            jalon = await Jalon.get(roadmap_id=roadmap.id, ref=ref)
            await _bump(Jalon, jalon.id, actor, {"current_date": move.new_end})
            await record_adjustment(
                actor, roadmap, jalon=jalon, field="current_date", old=jalon.current_date,
                new=move.new_end, **why,
            )  # fmt: skip
        shifted.append(Shifted(str(a["kind"]), ref, move.days, cause_ref))
    return tuple(shifted)


async def _bump(model: Any, obj_id: int, actor: Actor, values: dict[str, Any]) -> None:
    """Write a shifted item's dates; the version bump makes an open edit form stale."""
    await model.filter(id=obj_id).update(
        **values, version=F("version") + 1, updated_by=actor.login, updated_at=now()
    )


async def contradiction_warnings(roadmap: Roadmap, entity: str, ref: str) -> tuple[str, ...]:
    """The dependencies of ``ref`` (either way) its stored dates contradict, named in French.

    Reads only the item's own dependencies (an import calls this once per item).
    """
    from roadmap.graph.schedule import Conflict

    model = Action if entity == "action" else Jalon
    item = await model.get(roadmap_id=roadmap.id, ref=ref)
    key = f"{entity}_id"
    me = await _item_values(item.id if entity == "action" else None, item.id)
    found: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for on_action, on_jalon in await Dependency.filter(**{key: item.id}).values_list(
        "on_action_id", "on_jalon_id"
    ):
        found.append((me, await _item_values(on_action, on_jalon)))
    for action_id, jalon_id in await Dependency.filter(**{f"on_{key}": item.id}).values_list(
        "action_id", "jalon_id"
    ):
        found.append((await _item_values(action_id, jalon_id), me))
    messages = []
    for dependent, prerequisite in found:
        if dependent["status"] in _NOT_WAITING or prerequisite["status"] in _DROPPED:
            continue
        start, end = dependent["start"], prerequisite["end"]
        if start and end and start < end:
            messages.append(
                _message(dependent, prerequisite, Conflict(dependent["node"], "", start, end))
            )
    return tuple(messages)


_DROPPED = frozenset({"abandonnee", "annule"})
_NOT_WAITING = frozenset({"terminee", "tenu", *_DROPPED})


async def _item_values(action_id: int | None, jalon_id: int | None) -> dict[str, Any]:
    """Ref, title, kind, status and effective dates of one action (or else jalon)."""
    if action_id:
        ref, title, status, start, end = (
            await Action.filter(id=action_id)
            .first()
            .values_list("ref", "title", "status", "start_date", "end_date")
        )
        kind = "action"
    else:
        ref, title, status, start = (
            await Jalon.filter(id=jalon_id)
            .first()
            .values_list("ref", "title", "status", "current_date")
        )
        end, kind = start, "jalon"
    return {
        "node": ref, "ref": ref, "label": title, "kind": kind, "status": str(status),
        "start": start or end, "end": end or start,
    }  # fmt: skip


def _message(dependent: dict[str, Any], prerequisite: dict[str, Any], c: Conflict) -> str:
    return conflict_message({c.node: dependent, "": prerequisite}, c)
