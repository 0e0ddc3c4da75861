"""Editing an indicator from the Observations screen (key e): the form's door to the use
case the import uses too (issue 9)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from roadmap.models import JournalEntry
from roadmap.tui.screens.declared_form import FormModal
from roadmap.tui.screens.observations import ObservationsScreen
from roadmap.usecases import queries
from roadmap.usecases.demo import DEMO_SLUG

from .helpers import demo_app, settle, type_text


async def test_the_trinome_renames_an_indicator_its_values_stay(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="observations") as (app, pilot):
        screen = app.screen
        assert isinstance(screen, ObservationsScreen)
        before = next(i for i in await queries.indicators(DEMO_SLUG) if i.ref == "I1")
        await pilot.press("e")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        assert form.values()["name"] == before.name and form.values()["unit"] == before.unit
        field = form.query_one("#field-name", Input)
        field.value = ""
        field.focus()
        await type_text(pilot, "Jardins partagés en activité")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        after = next(i for i in await queries.indicators(DEMO_SLUG) if i.ref == "I1")
        assert after.name == "Jardins partagés en activité"
        assert after.values == before.values and after.version == before.version + 1
        row = await JournalEntry.filter(entity="indicateur", entity_ref="I1", field="nom").first()
        assert row is not None and row.old_value == before.name


async def test_the_cercle_elargi_may_not_edit_an_indicator(tmp_path: Path) -> None:
    async with demo_app(tmp_path, login="sgarcia", screen="observations") as (app, pilot):
        before = await queries.indicators(DEMO_SLUG)
        await pilot.press("e")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        form.query_one("#field-unit", Input).value = "parcelles"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "demande le rôle trinôme" in str(form.query_one("#error-form").render())
        assert await queries.indicators(DEMO_SLUG) == before
