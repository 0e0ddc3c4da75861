"""The form base's rules on every form: who may save (read-only with the reason, asked of the
core up front), and a version conflict that keeps the typing beside the other version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Select

from roadmap.domain.enums import ActionStatus, Role, Side
from roadmap.models import Avis, Decision, Dossier
from roadmap.tui.screens.form import FormScreen
from roadmap.usecases import actions as action_uc
from roadmap.usecases import instruction as instruction_uc
from roadmap.usecases import jalons as jalon_uc
from roadmap.usecases import queries
from roadmap.usecases import roadmaps as roadmap_uc
from roadmap.usecases.demo import DEMO_SLUG
from roadmap.usecases.identity import actor_for

from .helpers import demo_app, settle

WAITING = "AAP2026-007"  # demo: en instruction, waits for the avis of dapat and prefecture


def messages(app: Any) -> list[str]:
    return [m for _, m in app.notifications]


def theirs_text(form: FormScreen[Any], field_id: str) -> str:
    return str(form.query_one(f"#theirs-{field_id} .their-text").render())


async def press_form(app: Any, pilot: Any, *keys: str) -> FormScreen[Any]:
    await pilot.press(*keys)
    await settle(app, pilot)
    form = app.screen
    assert isinstance(form, FormScreen), (keys, type(form), messages(app)[-3:])
    return form


async def select_dossier(app: Any, pilot: Any, ref: str) -> None:
    screen = app.screen
    table = screen.query_one("#dossiers-table", DataTable)
    table.move_cursor(row=[r.ref for r in screen.board.rows].index(ref))
    await settle(app, pilot)
    assert screen.dossier.detail.row.ref == ref


# --- who may save: read-only with the reason, for every form ---------------------------------

# (screen, keys opening a form, whether the cercle élargi may save it)
FORMS = {
    "actions": [("enter", False), ("n", False), ("d", False), ("g", False)],
    "jalons": [("enter", False), ("n", False), ("d", False), ("s", False)],
    "observations": [("v", True), ("n", True), ("c", False)],
    "equipe": [("n", False), ("m", False), ("delete", False), ("p", False), ("c", False)],
    "commentaires": [("n", True)],
}


@pytest.mark.parametrize("login", ["sgarcia", "pdurand"])  # cercle élargi, lecteur
@pytest.mark.parametrize("screen_id", sorted(FORMS))
async def test_every_form_opens_read_only_for_who_may_not_save(
    tmp_path: Path, login: str, screen_id: str
) -> None:
    role = "cercle élargi" if login == "sgarcia" else "lecteur"
    async with demo_app(tmp_path, login=login, screen=screen_id) as (app, pilot):
        for key, circle_may in FORMS[screen_id]:
            form = await press_form(app, pilot, key)
            fields = list(form.field_widgets().values())
            if circle_may and login == "sgarcia":
                assert not form.read_only and not form.query("#form-readonly"), key
                assert all(not w.disabled for w in fields), key
            else:
                banner = str(form.query_one("#form-readonly").render())
                assert banner.startswith("Lecture seule"), (key, banner)
                # The roadmap role, or the administrators for reference data (« c »).
                assert role in banner or "administrateurs" in banner, (key, banner)
                assert all(w.disabled for w in fields), key
                assert not any(b.display for b in form.query(".save-button")), key
                assert all(b.binding.action != "save" for b in app.active_bindings.values()), key
            await pilot.press("escape")  # nothing typed: closes without asking
            await settle(app, pilot)
            assert not isinstance(app.screen, FormScreen), key


@pytest.mark.parametrize("login", ["sgarcia", "pdurand"])
async def test_instruction_forms_read_only_or_refused_with_the_next_step(
    tmp_path: Path, login: str
) -> None:
    async with demo_app(tmp_path, login=login, screen="instruction") as (app, pilot):
        await select_dossier(app, pilot, WAITING)
        for key in ("v", "d", "t", "p"):  # avis, décision, faire avancer, note privée
            form = await press_form(app, pilot, key)
            assert str(form.query_one("#form-readonly").render()).startswith("Lecture seule")
            await pilot.press("escape")
            await settle(app, pilot)


async def test_state_refusals_come_before_the_typing(tmp_path: Path) -> None:
    """A trinôme member: no avis on « Déposé », no decision before the avis, both named."""
    async with demo_app(tmp_path, login="jrey", screen="instruction") as (app, pilot):
        assert app.screen.dossier.detail.row.state == "depose"
        for key in ("v", "d"):
            await pilot.press(key)
            await settle(app, pilot)
            assert not isinstance(app.screen, FormScreen), key
        said = messages(app)
        assert any("« Recevable »" in m for m in said), said  # the avis: the next step
        assert any("passage de « Déposé » à « Décidé » impossible" in m for m in said), said
        await select_dossier(app, pilot, WAITING)
        await pilot.press("d")
        await settle(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        assert any("la décision attend l'avis de" in m for m in messages(app))


# --- conflicts: the typing stays, her version beside it, per form family --------------------


async def test_action_reroute_conflict(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        form = await press_form(app, pilot, "d")  # A1
        row = (await queries.action_detail(DEMO_SLUG, "A1")).row
        await action_uc.reroute_action(
            await actor_for("cmartin"), DEMO_SLUG, "A1", row.version,
            row.start_date, "30/06/2027", "subvention décalée", "contrainte",
            shift_dependents=False,
        )  # fmt: skip
        form.set_value("end", "15/09/2027")  # type: ignore[attr-defined]
        form.set_value("reason", "atelier reporté")  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert form.query_one("#field-end", Input).value == "15/09/2027"
        assert "30/06/2027" in theirs_text(form, "field-end")
        await pilot.press("ctrl+s")  # ours, knowingly, over her new version
        await settle(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        stored = (await queries.action_detail(DEMO_SLUG, "A1")).row
        assert stored.end_date is not None and stored.end_date.isoformat() == "2027-09-15"


async def test_jalon_status_conflict(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="jalons") as (app, pilot):
        form = await press_form(app, pilot, "s")
        ref = form.form_title.split()[2]  # type: ignore[attr-defined]
        row = next(r for r in await queries.list_jalons(DEMO_SLUG) if r.ref == ref)
        await jalon_uc.set_jalon_status(
            await actor_for("cmartin"), DEMO_SLUG, ref, row.version, "annule"
        )
        ours = "prevu" if row.status.value == "tenu" else "tenu"
        form.set_value("status", ours)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert form.query_one("#field-status", Select).value == ours
        assert "Annulé" in theirs_text(form, "field-status")
        form.query_one("#take-field-status").press()  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert form.query_one("#field-status", Select).value == "annule"


async def test_member_role_conflict(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="equipe") as (app, pilot):
        table = app.screen.query_one("#equipe-table", DataTable)
        logins = [m.login for m in app.screen.data.members]
        table.move_cursor(row=logins.index("sgarcia"))
        await settle(app, pilot)
        form = await press_form(app, pilot, "m")
        member = next(m for m in await queries.members(DEMO_SLUG) if m.login == "sgarcia")
        await roadmap_uc.change_member(
            await actor_for("cmartin"), DEMO_SLUG, "sgarcia", member.version,
            role=Role.CERCLE_ELARGI.value, side=Side.DROIT_COMMUN.value,
        )  # fmt: skip
        form.set_value("role", Role.LECTEUR.value)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert form.query_one("#field-role", Select).value == Role.LECTEUR.value
        assert Side.DROIT_COMMUN.label in theirs_text(form, "field-side")
        assert not form.query("#theirs-field-role")  # she did not change the role
        form.query_one("#take-field-side").press()  # type: ignore[attr-defined]
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        stored = next(m for m in await queries.members(DEMO_SLUG) if m.login == "sgarcia")
        assert (stored.role, stored.side) == (Role.LECTEUR, Side.DROIT_COMMUN)


async def test_avis_conflict_with_a_colleague_of_the_same_service(tmp_path: Path) -> None:
    async with demo_app(tmp_path, login="jrey", screen="instruction") as (app, pilot):
        await select_dossier(app, pilot, WAITING)
        form = await press_form(app, pilot, "v")
        # Meanwhile, from another session of his service: an avis réservé.
        await instruction_uc.give_avis(
            await actor_for("jrey"), WAITING, "reserve", "Calendrier à préciser"
        )
        form.set_value("value", "favorable")  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form  # nothing written over hers
        assert form.query_one("#field-value", Select).value == "favorable"
        assert "Réservé" in theirs_text(form, "field-value")
        assert "Calendrier à préciser" in theirs_text(form, "field-comment")
        assert await Avis.filter(dossier__ref=WAITING, service__code="dapat").count() == 1
        await pilot.press("ctrl+s")  # his own, knowingly
        await settle(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        current = await Avis.get(dossier__ref=WAITING, service__code="dapat", current=True)
        assert current.value == "favorable"


async def test_decision_conflict_shows_the_other_decision(tmp_path: Path) -> None:
    async with demo_app(tmp_path, login="jrey", screen="instruction") as (app, pilot):
        await instruction_uc.give_avis(await actor_for("jrey"), WAITING, "favorable")
        await instruction_uc.give_avis(await actor_for("molivier"), WAITING, "favorable")
        app.screen.action_reload()
        await settle(app, pilot)
        await select_dossier(app, pilot, WAITING)
        form = await press_form(app, pilot, "d")
        version = (await Dossier.get(ref=WAITING)).version
        await instruction_uc.decide(
            await actor_for("cmartin"), WAITING, version, "ajourne",
            "En attente du budget 2027 de la Métropole",
        )  # fmt: skip
        form.set_value("outcome", "accorde")  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert form.query_one("#field-outcome", Select).value == "accorde"
        assert "Ajourné" in theirs_text(form, "field-outcome")
        assert "budget 2027" in theirs_text(form, "field-motivation")
        assert (await Decision.get(dossier__ref=WAITING, current=True)).outcome == "ajourne"


async def test_transition_conflict_shows_the_state_it_is_in_now(tmp_path: Path) -> None:
    async with demo_app(tmp_path, login="jrey", screen="instruction") as (app, pilot):
        dossier = app.screen.dossier.detail.row  # « Déposé »
        form = await press_form(app, pilot, "t")
        await instruction_uc.transition(
            await actor_for("cmartin"), dossier.ref, dossier.version, "recevable"
        )
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "Recevable" in theirs_text(form, "field-state")
        assert not form.query("#take-field-state")  # not a choice offered from « Déposé »


async def test_engagement_amount_conflict(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        rows = app.screen.table.view_rows()
        details = [await queries.action_detail(DEMO_SLUG, r.ref) for r in rows]
        at = next(i for i, d in enumerate(details) if d.engagements)
        ref, engagement = details[at].row.ref, details[at].engagements[0]
        await pilot.press(*["down"] * at)
        form = await press_form(app, pilot, "g")
        assert ref in form.form_title  # type: ignore[attr-defined]
        await action_uc.set_engagement_amount(
            await actor_for("cmartin"), DEMO_SLUG, engagement.id, "7777"
        )
        form.set_value("operation", "montant")  # type: ignore[attr-defined]
        form.set_value("which", str(engagement.id))  # type: ignore[attr-defined]
        form.set_value("amount", "9000")  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert form.query_one("#field-amount", Input).value == "9000"
        assert "7777" in theirs_text(form, "field-amount")
        await pilot.press("ctrl+s")  # ours, knowingly
        await settle(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        stored = (await queries.action_detail(DEMO_SLUG, ref)).engagements[0]
        assert stored.amount == 9000


async def test_action_status_conflict_still_keeps_a1(tmp_path: Path) -> None:
    """The hand-composed action form keeps its conflict view on the shared base."""
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        form = await press_form(app, pilot, "enter")
        row = (await queries.action_detail(DEMO_SLUG, "A1")).row
        await action_uc.set_action_status(
            await actor_for("cmartin"), DEMO_SLUG, "A1", row.version, "bloquee"
        )
        form.query_one("#title", Input).value = "Titre retouché"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert ActionStatus.BLOQUEE.label in theirs_text(form, "status")


# --- what a box and an empty field look like -------------------------------------------------


async def test_boxes_differ_by_more_than_colour_and_placeholders_look_empty(
    tmp_path: Path,
) -> None:
    from roadmap.tui.screens.roadmap_form import RoadmapFormScreen
    from roadmap.tui.widgets.checklist import CheckBox, CheckList

    async with demo_app(tmp_path, screen="export") as (app, pilot):
        ics = app.screen.query_one("#export-ics", CheckBox)
        only = app.screen.query_one("#export-only", CheckBox)
        assert (ics.value, ics.BUTTON_INNER) == (True, "X")
        assert (only.value, only.BUTTON_INNER) == (False, " ")
        only.toggle()
        await settle(app, pilot)
        assert only.BUTTON_INNER == "X"
        await pilot.press("escape")
        await settle(app, pilot)
        app.push_screen(RoadmapFormScreen())
        await settle(app, pilot)
        horizon = app.screen.query_one("#horizon", Input)
        assert horizon.value == "" and horizon.placeholder == "JJ/MM/AAAA"
        style = horizon.get_component_rich_style("input--placeholder")
        assert style.italic  # dim and italic: never read as a typed date

    async with demo_app(tmp_path / "deps", screen="actions") as (app, pilot):
        form = await press_form(app, pilot, "enter")
        seen = set()
        for name in ("contributors", "qpvs", "deps"):
            box = form.query_one(f"#{name}", CheckList)
            for y in range(min(box.size.height, box.option_count)):
                value = box.get_option_at_index(box.scroll_offset.y + y).value
                ticked = value in box.selected
                assert ("X" in box.render_line(y).text[:3]) == ticked, (name, value)
                seen.add(ticked)
        assert seen == {True, False}  # both kinds were drawn, and told apart by the glyph
