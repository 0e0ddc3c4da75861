"""``roadmap check`` reads its 10,000 actions and their dependencies by plain SQL (issue 15):
the rows and the alerts must be those the ORM gives, on both backends."""

from __future__ import annotations

from datetime import date

from roadmap.domain.enums import ActionStatus, JalonStatus
from roadmap.models import Action, Dependency, Jalon, Roadmap
from roadmap.usecases import actions as act
from roadmap.usecases import jalons as jal
from roadmap.usecases.check import _dependency_rows, check_roadmap, contradicted_dependencies
from roadmap.usecases.plain import days
from tests.core.conftest import Team

TODAY = date(2027, 5, 1)


def action(title: str, start: str | None, end: str | None, after: list[str]) -> act.ActionInput:
    return act.ActionInput(
        title=title, pilot_service="pv", start_date=start, end_date=end, depends_on=after
    )


async def _plan(team: Team) -> None:
    """Every kind of dependency end: action or jalon, dated or not, open or finished."""
    me, slug = team.trinome, team.slug
    await act.create_action(me, slug, action("Un", "2027-01-01", "2027-03-31", []))  # A1
    await act.create_action(me, slug, action("Deux", "2027-04-01", "2027-05-31", ["A1"]))
    await act.create_action(me, slug, action("Sans dates", None, None, ["A1"]))  # A3
    await jal.create_jalon(me, slug, jal.JalonInput("COPIL", "2027-06-15", depends_on=["A2"]))
    await act.create_action(me, slug, action("Après", "2027-06-16", "2027-07-31", ["J1"]))
    await act.create_action(me, slug, action("Fin seule", None, "2027-02-01", ["A2"]))  # A5
    await act.create_action(me, slug, action("Abandon", "2027-01-01", "2027-01-31", []))
    await act.create_action(me, slug, action("Suite", "2027-02-01", "2027-02-28", ["A6"]))
    await jal.create_jalon(me, slug, jal.JalonInput("Bilan", "2027-05-01", depends_on=["A2"]))
    # Stored dates and statuses that contradict the dependencies (an import, an edit): set
    # directly, as the use cases would refuse them.
    await Action.filter(ref="A6").update(status=ActionStatus.ABANDONNEE)
    await Action.filter(ref="A4").update(start_date=date(2027, 5, 1))  # before J1
    await Jalon.filter(ref="J1").update(current_date=date(2027, 5, 15))  # before A2's end
    await Jalon.filter(ref="J2").update(status=JalonStatus.TENU)  # finished: not contradicted


async def test_plain_dependency_rows_equal_the_orm_values(team: Team) -> None:
    await _plan(team)
    roadmap = await Roadmap.get(slug=team.slug)
    by_orm = (
        await Dependency.filter(roadmap_id=roadmap.id)
        .order_by("id")
        .values_list(
            "action__ref", "action__start_date", "action__end_date", "action__status",
            "jalon__ref", "jalon__current_date", "jalon__status",
            "on_action__ref", "on_action__start_date", "on_action__end_date",
            "on_action__status",
            "on_jalon__ref", "on_jalon__current_date", "on_jalon__status",
        )
    )  # fmt: skip
    day = days()
    dates = (1, 2, 5, 8, 9, 12)  # SQLite hands them as text: compared once converted
    plain = [
        tuple(day(v) if i in dates else v for i, v in enumerate(row))
        for row in await _dependency_rows(roadmap.id)
    ]
    assert len(plain) == 7
    assert plain == [tuple(row) for row in by_orm]
    assert sum(row[12] is not None for row in plain) == 1  # the action waiting for J1


async def test_check_names_each_contradiction_and_abandoned_prerequisite(team: Team) -> None:
    await _plan(team)
    alerts = await check_roadmap(team.slug, today=TODAY)
    found = [(a.code, a.ref, a.message) for a in alerts if a.code.startswith("depend")]
    assert found == [
        ("depend-d-une-action-abandonnee", "A7", "A7 dépend de A6, abandonnée"),
        (
            "dependance-contredite",
            "A4",
            "A4 commence le 01/05/2027, avant la fin de J1 dont elle dépend (15/05/2027)",
        ),
        (
            "dependance-contredite",
            "A5",
            "A5 commence le 01/02/2027, avant la fin de A2 dont elle dépend (31/05/2027)",
        ),
        (
            "dependance-contredite",
            "J1",
            "J1 commence le 15/05/2027, avant la fin de A2 dont il dépend (31/05/2027)",
        ),
    ]
    assert await contradicted_dependencies(team.slug) == [m for _c, _r, m in found[1:]]
    late = {a.ref for a in alerts if a.code == "action-en-retard"}
    assert late == {"A1", "A5", "A7"}  # A6 is abandoned, A3 has no end date
    assert {a.ref for a in alerts if a.code == "action-sans-responsable"} == {
        f"A{n}" for n in (1, 2, 3, 4, 5, 7)
    }


def test_days_reads_sqlite_text_and_postgres_dates_alike() -> None:
    day = days()
    assert day("2027-03-31") == date(2027, 3, 31) == day(date(2027, 3, 31))
    assert day("2027-03-31 00:00:00") == date(2027, 3, 31)
    assert day(None) is None
    assert day("2027-03-31") is day("2027-03-31")  # each text parsed once
