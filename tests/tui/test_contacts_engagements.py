"""The forms a service's proposals are applied through, as doors of their own (issue 17):
a person's name and e-mail from the Équipe screen (key c, administrators), and an action's
engagements from the Actions screen (key g: add, change the amount or ETP, withdraw)."""

from __future__ import annotations

from pathlib import Path

from roadmap import models as m
from roadmap.tui.screens.actions import ActionsScreen
from roadmap.tui.screens.declared_form import FormModal
from roadmap.tui.screens.equipe import EquipeScreen

from .helpers import demo_app, settle


async def _open(app: object, pilot: object, key: str) -> FormModal:  # type: ignore[type-arg]
    await pilot.press(key)  # type: ignore[attr-defined]
    await settle(app, pilot)  # type: ignore[arg-type]
    form = app.screen  # type: ignore[attr-defined]
    assert isinstance(form, FormModal), form
    return form


async def test_an_administrator_edits_a_persons_contact_details(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="equipe") as (app, pilot):
        screen = app.screen
        assert isinstance(screen, EquipeScreen) and screen.selected_login() == "cmartin"
        before = await m.Person.get(login="cmartin")
        form = await _open(app, pilot, "c")
        assert form.values() == {"name": before.name, "email": before.email}
        form.set_value("email", "claire.martin@metropole.example")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        after = await m.Person.get(login="cmartin")
        assert (after.email, after.version) == (
            "claire.martin@metropole.example",
            before.version + 1,
        )
        row = (
            await m.JournalEntry.filter(entity="personne", entity_ref="cmartin")
            .order_by("-id")
            .first()
        )
        assert row is not None and (row.field, row.new_value) == ("courriel", after.email)


async def test_the_contact_form_is_read_only_for_a_non_administrator(tmp_path: Path) -> None:
    async with demo_app(tmp_path, login="nbenali", screen="equipe") as (app, pilot):
        form = await _open(app, pilot, "c")
        form.set_value("name", "Autre nom")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form and form.read_only
        assert (await m.Person.get(login="cmartin")).name == "Claire Martin"


async def test_engagements_added_changed_and_withdrawn_from_the_actions_screen(
    tmp_path: Path,
) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        screen = app.screen
        assert isinstance(screen, ActionsScreen)
        ref = screen.table.current.ref  # type: ignore[union-attr]
        action = await m.Action.get(roadmap__slug="pat-salon-martigues", ref=ref)
        count = await m.Engagement.filter(action_id=action.id).count()
        form = await _open(app, pilot, "g")
        for name, value in (("service", "caf"), ("kind", "etp"), ("amount", "0,5"),
                            ("description", "Conseillere CAF")):  # fmt: skip
            form.set_value(name, value)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        added = await m.Engagement.filter(action_id=action.id).order_by("-id").first()
        assert added is not None and (added.kind.value, str(added.amount)) == ("etp", "0.50")
        # change its amount, then withdraw it
        form = await _open(app, pilot, "g")
        assert str(added.id) in {value for _, value in form.fields[1].options}
        form.set_value("operation", "montant")
        form.set_value("which", str(added.id))
        form.set_value("amount", "0,8")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert str((await m.Engagement.get(id=added.id)).amount) == "0.80"
        form = await _open(app, pilot, "g")
        form.set_value("operation", "retirer")
        form.set_value("which", str(added.id))
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert await m.Engagement.filter(action_id=action.id).count() == count
        ops = await m.JournalEntry.filter(entity="engagement", entity_ref=f"{ref}/caf")
        assert {r.operation for r in ops} >= {"création", "modification", "suppression"}
