"""Critical path, marges and slip impact on small plans computed by hand."""

from __future__ import annotations

from datetime import date

import pytest

from roadmap.graph import model as m
from roadmap.graph.analyses import consistency
from roadmap.graph.schedule import compute_schedule, simulate_slip

from .helpers import SLUG, Sketch, a, example, j

JAN_1 = date(2026, 1, 1)


def test_margins_and_critical_path_by_hand() -> None:
    # A1 10/01→31/01; A2 01/02→31/03 and A3 01/02→28/02 after A1; J1 15/04 after A2, A3;
    # A4 01/05→15/06 after J1; horizon 30/06.
    # Backward: A4 may end 30/06 (marge 15) so start 16/05 → J1 by 16/05 (31) →
    # A2 ends by 16/05 (46), A3 too (77) → A2 starts by 19/03 → A1 ends by 19/03 (47).
    s = compute_schedule(example().g, JAN_1)
    margins = {t.node: t.margin for t in s.margins()}
    assert margins == {a("A4"): 15, j("J1"): 31, a("A2"): 46, a("A1"): 47, a("A3"): 77}
    assert s.critical_path == [a("A1"), a("A2"), j("J1"), a("A4"), m.destination_id(SLUG)]
    assert s.finish(SLUG) == date(2026, 6, 15)
    assert s.margins()[0].node == a("A4")


def test_slip_within_marge_keeps_the_horizon() -> None:
    s = compute_schedule(example().g, JAN_1)
    impact = simulate_slip(s, j("J1"), 20)
    # J1 → 05/05; A4 was to start 01/05, now 05/05: moves 4 days.
    assert [(x.node, x.days) for x in impact.moves] == [(j("J1"), 20), (a("A4"), 4)]
    assert impact.finish_after[SLUG] == date(2026, 6, 19)
    assert not impact.horizon_missed()


def test_slip_beyond_marge_misses_the_horizon_by_exactly_the_excess() -> None:
    s = compute_schedule(example().g, JAN_1)
    at_limit = simulate_slip(s, j("J1"), 31)
    assert at_limit.finish_after[SLUG] == date(2026, 6, 30)
    assert not at_limit.horizon_missed()
    beyond = simulate_slip(s, j("J1"), 32)
    assert beyond.finish_after[SLUG] == date(2026, 7, 1)
    assert beyond.horizon_missed(SLUG) and beyond.newly_missed(SLUG)
    # A3 has nothing to do with J1's slip.
    assert a("A3") not in {x.node for x in beyond.moves}


def test_slip_of_a_branch_with_room_moves_nothing_downstream() -> None:
    s = compute_schedule(example().g, JAN_1)
    impact = simulate_slip(s, a("A3"), 40)  # ends 09/04, J1 is 15/04
    assert [(x.node, x.days) for x in impact.moves] == [(a("A3"), 40)]


def test_a_late_open_action_ends_today_at_best_and_pushes_its_followers() -> None:
    s = compute_schedule(example().g, date(2026, 2, 15))
    a1, a2 = s.items[a("A1")], s.items[a("A2")]
    assert a1.end == date(2026, 2, 15) and a1.delay == 15
    assert (a2.start, a2.end) == (date(2026, 2, 15), date(2026, 4, 14))
    assert a2.margin == 32  # latest end 16/05 - 14/04
    assert a1.margin == 32  # A2 must start by 19/03; A1 now ends 15/02


def test_finished_items_do_not_move_and_have_no_marge() -> None:
    sketch = example()
    sketch.g.nodes[a("A1")]["status"] = "terminee"
    s = compute_schedule(sketch.g, date(2026, 2, 15))
    assert s.items[a("A1")].margin is None
    assert s.items[a("A1")].end == date(2026, 1, 31)
    assert s.items[a("A2")].start == date(2026, 2, 1)


def test_undated_items_pass_constraints_through_with_no_duration() -> None:
    sketch = example()
    sketch.action("A5", after=("A2",))  # no dates: right after A2
    sketch.action("A6", "", "2026-06-20", after=("A5",))  # end only: 0 days on 20/06
    s = compute_schedule(sketch.g, JAN_1)
    a5, a6 = s.items[a("A5")], s.items[a("A6")]
    assert (a5.start, a5.end, a5.dated) == (date(2026, 3, 31), date(2026, 3, 31), False)
    assert (a6.start, a6.end, a6.dated) == (date(2026, 6, 20), date(2026, 6, 20), True)
    # A6 may end 30/06 (marge 10); A5 may then end 30/06 too, pushing A6 there: 91.
    assert a6.margin == 10 and a5.margin == 91
    # A lone undated item sits at today.
    sketch.action("A7")
    assert compute_schedule(sketch.g, JAN_1).items[a("A7")].end == JAN_1


def test_abandoned_prerequisite_is_left_out_and_reported() -> None:
    sketch = example()
    sketch.g.nodes[a("A2")]["status"] = "abandonnee"
    s = compute_schedule(sketch.g, JAN_1)
    assert a("A2") not in s.items
    assert s.items[j("J1")].start == date(2026, 4, 15)
    issues = consistency(sketch.g, s)
    assert [(i.kind, i.node) for i in issues] == [("depend_abandon", j("J1"))]
    assert "abandonnée A2" in issues[0].message


def test_items_after_the_horizon_and_date_conflicts_are_reported() -> None:
    sketch = example()
    sketch.jalon("J9", "2026-07-15")
    sketch.action("A8", "2026-03-01", "2026-03-10", after=("A2",))  # starts before A2 ends
    issues = consistency(sketch.g)
    kinds = {(i.kind, i.node) for i in issues}
    assert ("apres_horizon", j("J9")) in kinds
    assert ("dates", a("A8")) in kinds
    [dates] = [i.message for i in issues if i.kind == "dates"]
    assert "avant la fin de A2 dont elle dépend" in dates  # an action: « elle »
    s = compute_schedule(sketch.g, JAN_1)
    assert s.items[j("J9")].margin == -15
    assert s.items[a("A8")].start == date(2026, 3, 31)  # pushed after A2


def test_a_cycle_is_reported_without_hanging() -> None:
    sketch = Sketch()
    sketch.action("A1", "2026-01-01", "2026-01-10", after=("A2",))
    sketch.action("A2", "2026-01-11", "2026-01-20", after=("A1",))
    sketch.action("A3", "2026-01-11", "2026-01-20")
    s = compute_schedule(sketch.g, JAN_1)
    assert s.in_cycle == [a("A1"), a("A2")]
    assert set(s.items) == {a("A3")}
    assert {i.kind for i in consistency(sketch.g, s)} >= {"cycle"}


def test_unknown_node_is_refused() -> None:
    s = compute_schedule(example().g, JAN_1)
    with pytest.raises(KeyError):
        simulate_slip(s, "action:essai:A99", 3)
