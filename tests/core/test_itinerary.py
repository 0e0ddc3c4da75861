"""Issue 11: one re-routing for actions and jalons (both backends)."""

from __future__ import annotations

from datetime import date

import pytest

from roadmap.domain.errors import ValidationError
from roadmap.models import Action, Adjustment, Jalon, JournalEntry
from roadmap.usecases import actions as act
from roadmap.usecases import jalons as jal
from roadmap.usecases import queries as q
from roadmap.usecases.check import check_roadmap
from roadmap.usecases.queries_team import preview_reroute
from tests.core.conftest import Team

TODAY = date(2026, 11, 1)


def action(title: str, start: str, end: str, after: tuple[str, ...] = ()) -> act.ActionInput:
    return act.ActionInput(
        title=title, pilot_service="pv", start_date=start, end_date=end, depends_on=list(after)
    )


async def _plan(team: Team) -> None:
    """A1 → A2 → J1, and A3 after A1 with room to spare."""
    me, slug = team.trinome, team.slug
    assert await act.create_action(me, slug, action("Un", "2027-01-01", "2027-03-31")) == "A1"
    await act.create_action(me, slug, action("Deux", "2027-04-01", "2027-05-31", ("A1",)))
    await act.create_action(me, slug, action("Trois", "2027-06-01", "2027-06-30", ("A1",)))
    await jal.create_jalon(
        me, slug, jal.JalonInput("COPIL", "2027-06-15", "copil", depends_on=["A2"])
    )


async def _dates(ref: str) -> tuple[date | None, date | None]:
    a = await Action.get(ref=ref)
    return a.start_date, a.end_date


async def test_moving_an_action_shifts_its_dependents(team: Team) -> None:
    await _plan(team)
    before = await preview_reroute(
        team.slug, "action", "A1", date(2027, 1, 1), date(2027, 4, 30),
        shift_dependents=True, today=TODAY,
    )  # fmt: skip
    assert before is not None
    assert before.pushed == (("A2", 29), ("J1", 14)) and before.causes == ("A1", "A2")
    version = (await q.action_detail(team.slug, "A1")).row.version
    outcome = await act.edit_action(
        team.trinome, team.slug, "A1", version, action("Un", "2027-01-01", "2027-04-30"),
        reason="Retard du prestataire", kind="contrainte", shift_dependents=True, today=TODAY,
    )  # fmt: skip
    assert [(s.ref, s.days, s.cause) for s in outcome.shifted] == [
        ("A2", 29, "A1"),
        ("J1", 14, "A2"),
    ]
    assert outcome.warnings == ()
    assert await _dates("A2") == (date(2027, 4, 30), date(2027, 6, 29))
    assert await _dates("A3") == (date(2027, 6, 1), date(2027, 6, 30))  # had room: unmoved
    jalon = await Jalon.get(ref="J1")
    assert (jalon.current_date, jalon.planned_date, jalon.version) == (
        date(2027, 6, 29), date(2027, 6, 15), 2,
    )  # fmt: skip
    rows = (
        await Adjustment.all().order_by("id").values_list("field", "new_value", "reason", "cause")
    )
    why = "Retard du prestataire"  # the same reason for each; the cause in its own column
    assert rows == [
        ("fin", "2027-04-30", why, ""),
        ("début", "2027-04-30", why, "A1"),
        ("fin", "2027-06-29", why, "A1"),
        ("date", "2027-06-29", why, "A2"),
    ]
    history = (await q.jalon_detail(team.slug, "J1")).adjustments
    assert [(a.cause, a.why) for a in history] == [("A2", f"entraîné par A2 : {why}")]
    reasons = await JournalEntry.filter(entity_ref="J1", operation="ajustement").values_list(
        "reason", flat=True
    )
    assert reasons == [f"entraîné par A2 (suite à A1) : {why}"]
    journal = await JournalEntry.filter(entity_ref__in=["A1", "A2", "J1"]).exclude(
        operation__in=["création", "dépendance"]
    ).order_by("id").values_list("entity_ref", "field", "operation")  # fmt: skip
    assert journal == [
        ("A1", "fin", "modification"),
        ("A2", "début", "ajustement"),
        ("A2", "fin", "ajustement"),
        ("J1", "date", "ajustement"),
    ]
    codes = {a.code for a in await check_roadmap(team.slug, today=TODAY)}
    assert "dependance-contredite" not in codes


async def test_keeping_the_dependents_dates_warns_and_alerts(team: Team) -> None:
    await _plan(team)
    version = (await q.action_detail(team.slug, "A1")).row.version
    outcome = await act.reroute_action(
        team.trinome, team.slug, "A1", version, "2027-01-01", "2027-04-30",
        "Retard du prestataire", "contrainte", shift_dependents=False, today=TODAY,
    )  # fmt: skip
    assert outcome.shifted == ()
    [warning] = outcome.warnings
    assert "A2 « Deux »" in warning and "A1 « Un »" in warning and "30/04/2027" in warning
    assert await _dates("A2") == (date(2027, 4, 1), date(2027, 5, 31))
    assert await Adjustment.all().count() == 1
    alerts = [
        a for a in await check_roadmap(team.slug, today=TODAY) if a.code == "dependance-contredite"
    ]
    assert [(a.ref, "A1" in a.message) for a in alerts] == [("A2", True)]


async def test_without_a_choice_a_move_contradicting_dependents_is_refused(team: Team) -> None:
    await _plan(team)
    version = (await q.action_detail(team.slug, "A1")).row.version
    with pytest.raises(ValidationError) as refused:
        await act.reroute_action(
            team.trinome, team.slug, "A1", version, "2027-01-01", "2027-04-30",
            "Retard du prestataire", "contrainte", shift_dependents=None, today=TODAY,
        )  # fmt: skip
    message = str(refused.value)
    assert "A2 « Deux » commence le 01/04/2027" in message and "J1" not in message
    assert "--decaler" in message and "--garder" in message
    assert await _dates("A1") == (date(2027, 1, 1), date(2027, 3, 31))
    assert await Adjustment.all().count() == 0
    # nothing waits for A3: no choice to make, the move goes through
    outcome = await act.reroute_action(
        team.trinome, team.slug, "A3", 1, "2027-06-01", "2027-07-31",
        "Plus de temps", "opportunite", shift_dependents=None, today=TODAY,
    )  # fmt: skip
    assert outcome.shifted == () and outcome.warnings == ()


async def test_a_jalon_move_shifts_what_waits_for_it(team: Team) -> None:
    await _plan(team)
    await act.create_action(
        team.trinome, team.slug, action("Après le COPIL", "2027-07-01", "2027-07-31", ("J1",))
    )
    version = (await q.jalon_detail(team.slug, "J1")).row.version
    outcome = await jal.move_jalon(
        team.trinome, team.slug, "J1", version, "2027-07-15", "Préfet indisponible",
        "contrainte", shift_dependents=True, today=TODAY,
    )  # fmt: skip
    assert [(s.ref, s.days) for s in outcome.shifted] == [("A4", 14)]
    assert await _dates("A4") == (date(2027, 7, 15), date(2027, 8, 14))


async def test_a_contradicting_dependency_warns_naming_both(team: Team) -> None:
    await _plan(team)
    saved = await act.add_action(
        team.trinome, team.slug, action("Trop tôt", "2027-03-01", "2027-04-15", ("A1",))
    )
    [warning] = saved.warnings
    assert warning.startswith("A4 « Trop tôt » commence le 01/03/2027, avant la fin de A1 « Un »")
    fine = await act.add_action(
        team.trinome, team.slug, action("À temps", "2027-04-01", "2027-04-15", ("A1",))
    )
    assert fine.warnings == ()
    warnings = await act.add_dependency(team.trinome, team.slug, "A5", "A4")
    assert (
        len(warnings) == 1 and "A5 « À temps »" in warnings[0] and "A4 « Trop tôt »" in warnings[0]
    )
    created = await jal.add_jalon(
        team.trinome, team.slug, jal.JalonInput("Bilan", "2027-04-01", depends_on=["A2"])
    )
    assert "J2 « Bilan »" in created.warnings[0] and "A2 « Deux »" in created.warnings[0]


# --- passation: the successor's side and load ------------------------------------------------


async def test_passation_gives_the_successor_their_own_side_or_the_chosen_one(team: Team) -> None:
    from roadmap.domain.enums import Side
    from roadmap.models import Membership
    from roadmap.usecases import roadmaps as rm

    # bruno (PAT, droit commun) hands his trinôme seat to zoe, of the CAF.
    preview = await rm.preview_passation(team.trinome, team.slug, "bruno", "zoe")
    assert preview.to_side is Side.AUTRE  # zoe's service (CAF) is on neither side
    await rm.passation(team.trinome, team.slug, "bruno", "zoe", "départ")
    zoe = await Membership.get(person__login="zoe")
    assert (zoe.role, zoe.side) == ("trinome", Side.AUTRE)  # not bruno's droit commun
    await rm.passation(team.trinome, team.slug, "zoe", "lina", "départ", side="droit_commun")
    lina = await Membership.get(person__login="lina")
    assert (lina.role, lina.side) == ("trinome", Side.DROIT_COMMUN)
    sides = await JournalEntry.filter(field="côté", entity_ref__in=["zoe", "lina"]).values_list(
        "entity_ref", "new_value"
    )
    assert sides == [("zoe", "autre"), ("lina", "droit_commun")]


async def test_passation_warns_when_the_successor_goes_over_the_load_threshold(
    team: Team,
) -> None:
    from roadmap.usecases import roadmaps as rm

    for i in range(3):
        await act.create_action(
            team.trinome, team.slug,
            act.ActionInput(title=f"De Bruno {i}", pilot_service="pat", owner_login="bruno"),
        )  # fmt: skip
    light = await rm.preview_passation(team.trinome, team.slug, "bruno", "cyril")
    assert light.warnings == []
    for i in range(3):
        await act.create_action(
            team.trinome, team.slug,
            act.ActionInput(title=f"De Cyril {i}", pilot_service="caf", owner_login="cyril"),
        )  # fmt: skip
    heavy = await rm.preview_passation(team.trinome, team.slug, "bruno", "cyril")
    assert heavy.warnings == ["Cyril CAF porterait 6 actions ouvertes (seuil de charge 5)"]
