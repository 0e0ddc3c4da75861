"""The dashboard, the axes and the home screen count the actions' statuses in the database
(issue 15): the figures must be those the ORM's rows give, on both backends."""

from __future__ import annotations

from collections import Counter

from roadmap.domain.enums import ActionStatus
from roadmap.models import Action, Axe, Roadmap
from roadmap.usecases import actions as act
from roadmap.usecases import queries
from roadmap.usecases import roadmaps as rm
from roadmap.usecases.home import progress_of
from tests.core.conftest import Team

# Axe, status of each action: an axe with every status, one half done, one empty, none.
PLAN = [
    ("AX1", "terminee"), ("AX1", "en_cours"), ("AX1", "abandonnee"), ("AX1", "terminee"),
    ("AX1", "idee"), ("AX1", "bloquee"), ("AX1", "a_lancer"),
    ("AX2", "terminee"), ("AX2", "abandonnee"), ("AX2", "en_cours"),
    (None, "terminee"), (None, "idee"),
]  # fmt: skip


async def _plan(team: Team) -> None:
    for title in ("Un", "Deux", "Vide"):
        await rm.create_axe(team.trinome, team.slug, title)
    for axe, status in PLAN:
        await act.create_action(
            team.trinome,
            team.slug,
            act.ActionInput(title="Action", pilot_service="pv", axe_ref=axe, status=status),
        )


async def test_counts_equal_the_orm_rows(team: Team) -> None:
    await _plan(team)
    roadmap = await Roadmap.get(slug=team.slug)
    rows = await Action.filter(roadmap_id=roadmap.id).order_by("id").values_list("axe_id", "status")
    assert len(rows) == len(PLAN)
    statuses = [s for _, s in rows]

    board = await queries.dashboard(team.trinome, team.slug)
    assert board.progress == progress_of(statuses) == 4 / 10
    assert board.status_counts == dict(Counter(str(s) for s in statuses))
    assert list(board.status_counts) == ["terminee", "en_cours", "abandonnee", "idee", "bloquee",
                                         "a_lancer"]  # fmt: skip

    axes = [a for a in await Axe.filter(roadmap_id=roadmap.id).order_by("position", "id")]
    expected = []
    for axe in axes:
        mine = [s for axe_id, s in rows if axe_id == axe.id]
        done = sum(1 for s in mine if s == ActionStatus.TERMINEE)
        expected.append((axe.ref, len(mine), done, progress_of(mine)))
    shown = [(a.ref, a.action_count, a.done_count, a.progress) for a in board.axes]
    assert shown == expected
    assert [s[1:] for s in shown if s[1]] == [(7, 2, 2 / 6), (3, 1, 1 / 2)]
    assert (0, 0, 0.0) in [s[1:] for s in shown]  # an axe without action
    assert list(board.axes) == await queries.axes(team.slug)

    (summary,) = [s for s in await queries.list_my_roadmaps(team.trinome) if s.slug == team.slug]
    assert (summary.action_count, summary.progress) == (len(PLAN), progress_of(statuses))


async def test_no_action_counts_nothing(team: Team) -> None:
    board = await queries.dashboard(team.trinome, team.slug)
    assert (board.progress, board.status_counts) == (0.0, {})
    assert [(a.action_count, a.done_count, a.progress) for a in board.axes] == [(0, 0, 0.0)]
