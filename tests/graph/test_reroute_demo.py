"""Issue 11, one schedule: what the Revue simulator shows is what is stored after confirming."""

from __future__ import annotations

from datetime import date, timedelta

from roadmap.graph import model as m
from roadmap.graph.build import build_graph
from roadmap.graph.review import analyse
from roadmap.graph.schedule import simulate_slip
from roadmap.models import Action, Jalon
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases import actions as act
from roadmap.usecases.demo import DEMO_SLUG, build_demo
from roadmap.usecases.identity import current_actor

TODAY = date(2026, 3, 2)


async def _stored_end(node: str) -> date:
    ref = m.short_ref(node)
    if node.startswith("jalon:"):
        return (await Jalon.get(ref=ref)).current_date
    a = await Action.get(ref=ref)
    return a.end_date or a.start_date


async def _move(ref: str, days: int, *, shift: bool) -> None:
    me = await current_actor()
    a = await Action.get(ref=ref)
    step = timedelta(days=days)
    await act.reroute_action(
        me, DEMO_SLUG, ref, a.version, a.start_date + step, a.end_date + step,
        "Le prestataire a pris du retard", "contrainte", shift_dependents=shift, today=TODAY,
    )  # fmt: skip


async def test_simulated_figures_are_the_stored_ones_after_confirming(db: DatabaseLocation) -> None:
    await build_demo(await current_actor(), today=TODAY)
    # An earlier slip kept A6's dates: A6 now starts 28 days before A5 ends (the case where
    # the simulator said "+60 j" and the stored date moved 88 days).
    await _move("A5", 38, shift=False)
    review = analyse(await build_graph(DEMO_SLUG), roadmap=DEMO_SLUG, today=TODAY)
    a5, a6 = m.action_id(DEMO_SLUG, "A5"), m.action_id(DEMO_SLUG, "A6")
    assert {i.node for i in review.issues if i.kind == "dates"} == {a6}
    impact = simulate_slip(review.schedule, a5, 60)
    shown = {move.node: (move.days, move.new_end) for move in impact.moves}
    assert shown[a5][0] == 60 and shown[a6][0] == 88
    before = {node: await _stored_end(node) for node in shown}

    await _move("A5", 60, shift=True)

    for node, (days, new_end) in shown.items():
        assert await _stored_end(node) == new_end, node
        assert (new_end - before[node]).days == days, node
    after = analyse(await build_graph(DEMO_SLUG), roadmap=DEMO_SLUG, today=TODAY)
    assert after.schedule.finishes() == impact.finish_after
    assert {n: t.margin for n, t in after.schedule.items.items()} == impact.margins_after
    assert not [i for i in after.issues if i.kind == "dates"]  # nothing left contradicted
