"""Issue 11 in the TUI: an action's move shows its impact before confirming (Pilot)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import Input, Select

from roadmap.models import Action, Adjustment
from roadmap.tui.format import date_fr
from roadmap.tui.reroute import KEEP
from roadmap.tui.screens.action_form import ActionFormScreen
from roadmap.tui.screens.actions import ActionsScreen
from roadmap.tui.screens.declared_form import FormModal

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
        reasons = await Adjustment.filter(action__ref="A6").values_list("reason", flat=True)
        assert reasons == ["entraîné par A5 : Le prestataire a un mois de retard"] * 2


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
