"""Issue 11 in the TUI: an action's move shows its impact before confirming (Pilot)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import Input, OptionList, Select

from roadmap.models import Action, Adjustment
from roadmap.tui.format import date_fr
from roadmap.tui.reroute import KEEP
from roadmap.tui.screens.action_form import ActionFormScreen
from roadmap.tui.screens.actions import ActionsScreen
from roadmap.tui.screens.dashboard import DashboardScreen
from roadmap.tui.screens.declared_form import FormModal
from roadmap.tui.screens.jalons import JalonsScreen

from .helpers import demo_app, settle, type_text


async def _select(app: object, pilot: object, ref: str) -> ActionsScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, ActionsScreen)
    for _ in range(20):
        if screen.table.current is not None and screen.table.current.ref == ref:
            return screen
        await pilot.press("down")  # type: ignore[attr-defined]
    raise AssertionError(ref)


async def test_moving_an_action_in_its_form_previews_then_shifts(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        await _select(app, pilot, "A5")
        a5, a6 = await Action.get(ref="A5"), await Action.get(ref="A6")
        await pilot.press("enter")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ActionFormScreen)
        new_end = a5.end_date + timedelta(days=30)
        form.query_one("#end", Input).value = date_fr(new_end)
        form.query_one("#reason", Input).value = "Le prestataire a un mois de retard"
        await pilot.press("ctrl+s")
        await settle(app, pilot)

        confirm = app.screen
        assert isinstance(confirm, FormModal), "the impact is shown before anything is saved"
        preview = str(confirm.query_one("#form-preview").render())
        assert "Décalage : +30 j" in preview and "Fait bouger : A6 (+" in preview
        assert "horizon" in preview
        assert (await Action.get(ref="A5")).end_date == a5.end_date  # nothing written yet
        await pilot.press("ctrl+s")  # confirm: shift the dependents (the default)
        await settle(app, pilot)

        assert isinstance(app.screen, ActionsScreen)
        assert (await Action.get(ref="A5")).end_date == new_end
        moved = await Action.get(ref="A6")
        assert moved.start_date == new_end and moved.start_date != a6.start_date
        rows = await Adjustment.filter(action__ref="A6").values_list("reason", "cause")
        assert rows == [("Le prestataire a un mois de retard", "A5")] * 2

        # A6's history says what pushed it, with the same reason
        await _select(app, pilot, "A6")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ActionFormScreen)
        history = str(app.screen.query_one("#action-history").render())
        assert "entraîné par A5 · Le prestataire a un mois de retard" in history
        assert "début " in history and "fin " in history


async def test_quick_key_keeps_the_dependents_and_warns(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        await _select(app, pilot, "A5")
        a5, a6 = await Action.get(ref="A5"), await Action.get(ref="A6")
        await pilot.press("d")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        form.query_one("#field-end", Input).value = date_fr(a5.end_date + timedelta(days=30))
        form.query_one("#field-dependents", Select).value = KEEP
        await settle(app, pilot)
        preview = str(form.query_one("#form-preview").render())
        assert "A6 « " in preview and "avant la fin de A5" in preview
        form.query_one("#field-reason", Input).focus()
        await type_text(pilot, "Retard du marche")
        await pilot.press("ctrl+s")
        await settle(app, pilot)

        assert isinstance(app.screen, ActionsScreen)
        assert (await Action.get(ref="A6")).start_date == a6.start_date
        assert any(
            severity == "warning" and "A6" in message
            for severity, message in app.notifications  # type: ignore[attr-defined]
        )
        # the kept contradiction is an alert on the dashboard, named once
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        alerts = str(app.screen.query_one("#dash-alerts").render())
        assert "● A6 commence le" in alerts and "A6 A6" not in alerts


async def test_dashboard_tells_what_is_at_risk_first_and_leads_to_it(tmp_path: Path) -> None:
    async with demo_app(tmp_path) as (app, pilot):
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        risks = dashboard.query_one("#dash-risks", OptionList)
        lines = [str(risks.get_option_at_index(i).prompt) for i in range(risks.option_count)]
        assert lines[0].startswith("● Arrivée projetée le") and "horizon" in lines[0]
        late = next(i for i, line in enumerate(lines) if "J4 en retard de 19 j" in line)
        assert "marge" not in lines[late]
        assert any("A12 sans responsable" in line for line in lines)

        risks.focus()
        risks.highlighted = late
        await pilot.press("enter")
        await settle(app, pilot)
        jalons = app.screen
        assert isinstance(jalons, JalonsScreen) and jalons.selected_ref == "J4"
        assert "en retard de 19 j" in str(jalons.query_one("#jalon-detail").render())

        await pilot.press("escape")
        await settle(app, pilot)
        risks = app.screen.query_one("#dash-risks", OptionList)
        risks.focus()
        risks.highlighted = next(i for i, line in enumerate(lines) if "A12 sans" in line)
        await pilot.press("enter")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ActionFormScreen) and form.detail is not None
        assert form.detail.row.ref == "A12"


async def test_passation_asks_the_side_and_warns_about_the_load(tmp_path: Path) -> None:
    from roadmap.models import Membership
    from roadmap.tui.screens.equipe import EquipeScreen

    async with demo_app(tmp_path, screen="equipe") as (app, pilot):
        assert isinstance(app.screen, EquipeScreen)
        await pilot.press("p")
        await settle(app, pilot)
        step1 = app.screen
        assert isinstance(step1, FormModal)
        step1.query_one("#field-from", Select).value = "cmartin"
        step1.query_one("#field-to", Select).value = "lmoreau"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        step2 = app.screen
        assert isinstance(step2, FormModal) and step2 is not step1
        # Léa Moreau works for the PAT: her side by default, not Claire Martin's.
        assert step2.values()["side"] == "droit_commun"
        summary = str(step2.query_one("#form-intro").render())
        assert "⚠ Léa Moreau porterait 7 actions ouvertes (seuil de charge 5)" in summary
        step2.query_one("#field-side", Select).value = "politique_de_la_ville"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, EquipeScreen)
        lea = await Membership.get(person__login="lmoreau")
        assert (lea.role, lea.side) == ("trinome", "politique_de_la_ville")


async def test_a_new_action_starting_before_its_prerequisite_ends_warns(tmp_path: Path) -> None:
    from textual.widgets import SelectionList

    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        a4 = await Action.get(ref="A4")
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ActionFormScreen)
        await type_text(pilot, "Visite des jardins")
        form.query_one("#pilot", Select).value = "dapat"
        form.query_one("#start", Input).value = date_fr(a4.end_date - timedelta(days=10))
        form.query_one("#end", Input).value = date_fr(a4.end_date + timedelta(days=10))
        form.query_one("#deps", SelectionList).select("A4")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ActionsScreen)  # saved: a warning, not a refusal
        warnings = [m for s, m in app.notifications if s == "warning"]  # type: ignore[attr-defined]
        assert any("A16 « Visite des jardins »" in m and "A4 « " in m for m in warnings)


async def test_moving_a_jalon_shows_and_shifts_what_waits_for_it(tmp_path: Path) -> None:
    from roadmap.models import Jalon

    async with demo_app(tmp_path, screen="jalons") as (app, pilot):
        screen = app.screen
        assert isinstance(screen, JalonsScreen)
        j5, a5 = await Jalon.get(ref="J5"), await Action.get(ref="A5")
        for _ in range(10):
            if screen.selected_ref == "J5":
                break
            await pilot.press("down")
            await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        new_date = j5.current_date + timedelta(days=30)
        form.query_one("#field-new_date", Input).value = date_fr(new_date)
        await settle(app, pilot)
        assert "Fait bouger : A5 (+" in str(form.query_one("#form-preview").render())
        form.query_one("#field-reason", Input).value = "Report de l'appel à projets"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert (await Action.get(ref="A5")).start_date == new_date != a5.start_date


async def test_the_preview_stays_in_view_while_typing_the_reason_at_80x24(
    tmp_path: Path,
) -> None:
    """At 80×24 the horizon line of the preview was below the fold once the reason field
    had focus: someone pressing ctrl+s from there never saw it."""
    async with demo_app(tmp_path, screen="actions", size=(80, 24)) as (app, pilot):
        await _select(app, pilot, "A5")
        a5 = await Action.get(ref="A5")
        await pilot.press("d")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        form.query_one("#field-end", Input).value = date_fr(a5.end_date + timedelta(days=30))
        form.query_one("#field-dependents", Select).value = KEEP  # the longest preview
        await settle(app, pilot)
        form.query_one("#field-reason", Input).focus()
        await type_text(pilot, "Retard du marche")
        await settle(app, pilot)
        preview = form.query_one("#form-preview")
        assert "horizon" in str(preview.render()).lower()
        box = form.query_one("#form-box").region
        assert preview.region.height > 0
        assert box.contains_region(preview.region), (preview.region, box)
        assert form.screen.region.contains_region(preview.region)
