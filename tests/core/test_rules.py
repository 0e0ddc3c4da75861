"""The rules of issue 2, each with a test that fails without it (both backends)."""

from __future__ import annotations

from datetime import date

import pytest
from tortoise import connections

from roadmap.domain.errors import CycleError, PermissionDenied, StaleVersion, ValidationError
from roadmap.models import Action, Adjustment, JournalEntry, Membership
from roadmap.usecases import actions as act
from roadmap.usecases import jalons as jal
from roadmap.usecases import observations as obs
from roadmap.usecases import queries as q
from roadmap.usecases import roadmaps as rm
from roadmap.usecases.check import Level, check_roadmap
from tests.core.conftest import Team


def action(title: str = "Une action", **kw: object) -> act.ActionInput:
    return act.ActionInput(title=title, pilot_service=str(kw.pop("pilot", "pv")), **kw)  # type: ignore[arg-type]


# --- permissions -------------------------------------------------------------------------


async def test_trinome_and_direction_edit(team: Team) -> None:
    assert await act.create_action(team.trinome, team.slug, action("Par le trinôme")) == "A1"
    assert await act.create_action(team.direction, team.slug, action("Par la direction")) == "A2"


@pytest.mark.parametrize("who", ["cercle", "lecteur", "stranger"])
async def test_other_roles_cannot_edit(team: Team, who: str) -> None:
    with pytest.raises(PermissionDenied) as refused:
        await act.create_action(getattr(team, who), team.slug, action())
    assert "trinôme ou direction" in str(refused.value)
    assert await Action.all().count() == 0


async def test_cercle_elargi_comments_and_observes_but_lecteur_cannot(team: Team) -> None:
    ref = await obs.create_indicator(team.trinome, team.slug, "Jardins", "jardins")
    await obs.add_comment(team.cercle, team.slug, "Une proposition", kind="proposition")
    await obs.add_indicator_value(team.cercle, team.slug, ref, "2026-01-15", "3")
    await obs.add_record(team.cercle, team.slug, "15/01/2026", "Retour d'atelier", "atelier")
    for call in (
        obs.add_comment(team.lecteur, team.slug, "Non"),
        obs.add_indicator_value(team.stranger, team.slug, ref, "2026-01-15", "3"),
    ):
        with pytest.raises(PermissionDenied) as refused:
            await call
        assert "cercle élargi" in str(refused.value)


async def test_only_direction_archives(team: Team) -> None:
    version = (await q.dashboard(team.trinome, team.slug)).version
    with pytest.raises(PermissionDenied) as refused:
        await rm.set_roadmap_status(team.trinome, team.slug, version, "archivee")
    assert "direction" in str(refused.value)
    await rm.set_roadmap_status(team.direction, team.slug, version, "archivee")
    assert (await q.dashboard(team.direction, team.slug)).status == "archivee"


# --- optimistic concurrency --------------------------------------------------------------


async def test_stale_version_is_refused_and_nothing_overwritten(team: Team) -> None:
    ref = await act.create_action(team.trinome, team.slug, action("Titre initial"))
    seen_by_both = next(r for r in await q.list_actions(team.slug) if r.ref == ref).version
    await act.update_action(team.trinome2, team.slug, ref, seen_by_both, action("Titre de Bruno"))
    with pytest.raises(StaleVersion) as refused:
        await act.update_action(team.trinome, team.slug, ref, seen_by_both, action("Titre d'Alice"))
    assert "modifié entre-temps par bruno à" in str(refused.value)
    assert (await Action.get(ref=ref)).title == "Titre de Bruno"


# --- dependencies --------------------------------------------------------------------------


async def test_cycle_is_refused_with_the_cycle_named(team: Team) -> None:
    a1 = await act.create_action(team.trinome, team.slug, action("Un"))
    a2 = await act.create_action(team.trinome, team.slug, action("Deux", depends_on=[a1]))
    j1 = await jal.create_jalon(
        team.trinome, team.slug, jal.JalonInput("COPIL", "2027-01-10", "copil", depends_on=[a2])
    )
    with pytest.raises(CycleError) as refused:
        await act.add_dependency(team.trinome, team.slug, a1, j1)
    assert refused.value.cycle == ["A1", "J1", "A2", "A1"]
    assert "A1 → J1 → A2 → A1" in str(refused.value)
    with pytest.raises(ValidationError):
        await act.add_dependency(team.trinome, team.slug, a1, a1)
    assert (await q.action_detail(team.slug, a1)).depends_on == ()


async def test_cycle_through_an_edit_form_is_refused_and_rolled_back(team: Team) -> None:
    a1 = await act.create_action(team.trinome, team.slug, action("Un"))
    a2 = await act.create_action(team.trinome, team.slug, action("Deux", depends_on=[a1]))
    version = (await q.action_detail(team.slug, a1)).row.version
    with pytest.raises(CycleError):
        await act.update_action(
            team.trinome, team.slug, a1, version, action("Un modifié", depends_on=[a2])
        )
    assert (await Action.get(ref=a1)).title == "Un"  # the whole edit rolled back


# --- re-routing ------------------------------------------------------------------------------


async def test_reroute_needs_a_reason_and_keeps_history(team: Team) -> None:
    ref = await jal.create_jalon(
        team.trinome, team.slug, jal.JalonInput("Atelier", "2027-03-01", "atelier")
    )
    version = (await q.jalon_detail(team.slug, ref)).row.version
    for reason in ("", "  "):
        with pytest.raises(ValidationError) as refused:
            await jal.reroute_jalon(
                team.trinome, team.slug, ref, version, "2027-04-01", reason, "contrainte"
            )
        assert refused.value.field == "motif"
    with pytest.raises(ValidationError) as refused:
        await jal.update_jalon(
            team.trinome,
            team.slug,
            ref,
            version,
            jal.JalonInput("Atelier", "2027-04-01", "atelier"),
        )
    assert refused.value.field == "date"
    await jal.reroute_jalon(
        team.trinome, team.slug, ref, version, "2027-04-01", "Salle indisponible", "contrainte"
    )
    detail = await q.jalon_detail(team.slug, ref)
    assert detail.row.planned_date == date(2027, 3, 1)
    assert detail.row.current_date == date(2027, 4, 1)
    [change] = detail.adjustments
    assert (change.old_value, change.new_value, change.reason, change.kind) == (
        "2027-03-01",
        "2027-04-01",
        "Salle indisponible",
        "contrainte",
    )


async def test_moving_an_action_date_needs_a_reason(team: Team) -> None:
    ref = await act.create_action(
        team.trinome, team.slug, action(start_date="2027-01-01", end_date="2027-06-30")
    )
    version = (await q.action_detail(team.slug, ref)).row.version
    moved = action(start_date="2027-01-01", end_date="2027-09-30")
    with pytest.raises(ValidationError) as refused:
        await act.update_action(team.trinome, team.slug, ref, version, moved)
    assert refused.value.field == "motif"
    await act.update_action(
        team.trinome,
        team.slug,
        ref,
        version,
        moved,
        reason="Retard du prestataire",
        kind="contrainte",
    )
    [change] = (await q.action_detail(team.slug, ref)).adjustments
    assert (change.field, change.old_value, change.new_value) == (
        "fin",
        "2027-06-30",
        "2027-09-30",
    )


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (action(title="  "), "titre"),
        (action(start_date="2027-05-01", end_date="2027-04-01"), "fin"),
        (action(start_date="31/02/2027"), "début"),
        (action(end_date="2031-01-01"), "fin"),
        (action(pilot="inconnu"), "service pilote"),
        (action(status="finie"), "statut"),
        (action(owner_login="personne"), "responsable"),
        (action(contributors=["caf", "nulle-part"]), "services contributeurs"),
    ],
)
async def test_bad_action_input_names_the_field(
    team: Team, data: act.ActionInput, field: str
) -> None:
    with pytest.raises(Exception) as refused:
        await act.create_action(team.trinome, team.slug, data)
    assert getattr(refused.value, "field", None) == field, str(refused.value)
    assert await Action.all().count() == 0


async def test_negative_engagement_refused(team: Team) -> None:
    ref = await act.create_action(team.trinome, team.slug, action())
    with pytest.raises(ValidationError) as refused:
        await act.add_engagement(
            team.trinome, team.slug, ref, act.EngagementInput("pat", "budget", "-5")
        )
    assert refused.value.field == "montant"
    await act.add_engagement(
        team.trinome, team.slug, ref, act.EngagementInput("pat", "budget", "12 500,50")
    )
    [engagement] = (await q.action_detail(team.slug, ref)).engagements
    assert str(engagement.amount) == "12500.50"


async def test_trinome_has_at_most_three_members(team: Team) -> None:
    await rm.add_member(team.trinome, team.slug, "zoe", "trinome")
    with pytest.raises(ValidationError) as refused:
        await rm.change_member(team.trinome, team.slug, "cyril", 1, role="trinome", side="autre")
    assert "déjà 3 membres" in str(refused.value)


# --- passation ----------------------------------------------------------------------------------


async def test_passation_moves_actions_and_seat_in_one_journaled_step(team: Team) -> None:
    refs = [
        await act.create_action(team.trinome, team.slug, action(f"Action {i}", owner_login="bruno"))
        for i in range(3)
    ]
    jalon = await jal.create_jalon(
        team.trinome,
        team.slug,
        jal.JalonInput("COPIL", "2027-02-01", "copil", invited_people=["bruno"]),
    )
    preview = await rm.preview_passation(team.trinome, team.slug, "bruno", "zoe")
    assert [r for r, _ in preview.actions] == refs
    assert preview.role == "trinome"
    before = await JournalEntry.filter(operation="passation").count()
    seen_version = (await q.list_actions(team.slug))[0].version
    await rm.passation(team.trinome, team.slug, "bruno", "zoe", "départ de Bruno")
    assert (await q.list_actions(team.slug))[0].version == seen_version + 1  # open forms go stale
    owners = {r.ref: r.owner_login for r in await q.list_actions(team.slug)}
    assert owners == dict.fromkeys(refs, "zoe")
    roles = {m.login: m.role for m in await q.members(team.slug)}
    assert roles["zoe"] == "trinome" and roles["bruno"] == "lecteur"
    assert (await q.jalon_detail(team.slug, jalon)).row.invited_people == ("zoe",)
    entries = await JournalEntry.filter(operation="passation").order_by("id")
    assert len(entries) - before == 3 + 3  # 3 actions; zoe's role and side, bruno's role
    assert all(e.reason == "départ de Bruno" for e in entries)


async def test_failed_passation_changes_nothing(team: Team) -> None:
    await act.create_action(team.trinome, team.slug, action(owner_login="bruno"))
    with pytest.raises(PermissionDenied):
        await rm.passation(team.cercle, team.slug, "bruno", "zoe")
    assert (await q.list_actions(team.slug))[0].owner_login == "bruno"
    assert not await Membership.filter(person__login="zoe").exists()


# --- journal --------------------------------------------------------------------------------


async def test_every_change_is_journaled(team: Team) -> None:
    start = await JournalEntry.all().count()
    ref = await act.create_action(team.trinome, team.slug, action("Journalisée"))
    version = (await q.action_detail(team.slug, ref)).row.version
    version = await act.set_action_status(team.trinome, team.slug, ref, version, "en_cours")
    await act.update_action(
        team.trinome,
        team.slug,
        ref,
        version,
        action("Renommée", status="en_cours", contributors=["caf"], owner_login="bruno"),
    )
    rows = await q.journal_entries(team.slug, limit=10)
    assert await JournalEntry.all().count() - start == 5
    newest_first = [(r.operation, r.field, r.old_value, r.new_value) for r in rows[:5]]
    assert ("modification", "responsable", "", "bruno") in newest_first  # a login, not a row id
    assert ("modification", "titre", "Journalisée", "Renommée") in newest_first
    assert ("modification", "contributeurs", "", "caf") in newest_first
    assert ("modification", "statut", "idee", "en_cours") in newest_first
    assert ("création", "", "", "Journalisée") in newest_first
    # PostgreSQL stamps the connection role itself (issue 10), whatever the app passes.
    conn = connections.get("default")
    stamped = "alice"
    if conn.capabilities.dialect == "postgres":
        stamped = (await conn.execute_query("SELECT current_user"))[1][0][0]
    assert all(r.actor == stamped for r in rows[:5])


async def test_adjustments_and_journal_survive_entity_deletion(team: Team) -> None:
    """The journal has no foreign key: removing a roadmap cannot cascade into it."""
    await act.create_action(team.trinome, team.slug, action())
    count = await JournalEntry.filter(roadmap_slug=team.slug).count()
    from roadmap.models import Roadmap

    await Roadmap.filter(slug=team.slug).delete()
    assert await JournalEntry.filter(roadmap_slug=team.slug).count() == count
    assert await Adjustment.all().count() == 0


# --- check --------------------------------------------------------------------------------


async def test_check_warns_about_team_and_overdue_items(team: Team) -> None:
    await act.create_action(team.trinome, team.slug, action("Sans responsable"))
    await jal.create_jalon(
        team.trinome, team.slug, jal.JalonInput("COTECH", "2026-01-10", "cotech")
    )
    alerts = await check_roadmap(team.slug, today=date(2026, 6, 1))
    codes = {(a.level, a.code) for a in alerts}
    assert (Level.AVERTISSEMENT, "trinome-incomplet") in codes
    assert (Level.AVERTISSEMENT, "portage-absent") in codes  # no direction on the droit commun side
    assert (Level.AVERTISSEMENT, "action-sans-responsable") in codes
    assert (Level.ERREUR, "jalon-depasse") in codes
    assert (Level.ERREUR, "trinome-cote-absent") not in codes  # alice pv, bruno pat
