"""The one form base: typing is never lost (quit keys ask, conflicts keep it), read-only."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Input, Select

from roadmap.domain.enums import ActionStatus
from roadmap.tui.screens.action_form import ActionFormScreen
from roadmap.tui.screens.actions import ActionsScreen
from roadmap.tui.screens.form import LeaveForm
from roadmap.usecases import actions as action_usecases
from roadmap.usecases import queries
from roadmap.usecases.demo import DEMO_SLUG
from roadmap.usecases.identity import actor_for

from .helpers import demo_app, settle, type_text


async def open_a1(app: object, pilot: object) -> ActionFormScreen:
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(app, pilot)  # type: ignore[arg-type]
    form = app.screen  # type: ignore[attr-defined]
    assert isinstance(form, ActionFormScreen)
    return form


async def test_q_in_a_dirty_form_types_then_asks_instead_of_quitting(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        form = await open_a1(app, pilot)
        title = form.query_one("#title", Input)
        before = title.value
        await pilot.press("end")
        await type_text(pilot, " q")  # q inside an input is a letter
        assert title.value == before + " q"
        assert app.return_code is None
        await pilot.press("tab", "q")  # on the axe list, q is the quit key: it asks
        await settle(app, pilot)
        assert app.return_code is None
        assert isinstance(app.screen, LeaveForm)
        await pilot.press("c")  # Continuer
        await settle(app, pilot)
        assert app.screen is form and title.value == before + " q"
        await pilot.press("ctrl+q")
        await settle(app, pilot)
        assert isinstance(app.screen, LeaveForm) and app.return_code is None
        await pilot.press("escape")  # échap on the question = continue
        await settle(app, pilot)
        assert app.screen is form


async def test_escape_on_a_dirty_form_asks_and_save_then_quit_saves(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        form = await open_a1(app, pilot)
        form.query_one("#title", Input).value = "Titre retouché"
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, LeaveForm)
        await pilot.press("a")  # Abandonner: back to the list, nothing written
        await settle(app, pilot)
        assert isinstance(app.screen, ActionsScreen)
        assert (await queries.action_detail(DEMO_SLUG, "A1")).row.title != "Titre retouché"

        form = await open_a1(app, pilot)
        await pilot.press("escape")  # nothing typed: closes at once
        await settle(app, pilot)
        assert isinstance(app.screen, ActionsScreen)

        form = await open_a1(app, pilot)
        form.query_one("#title", Input).value = "Titre retouché"
        await pilot.press("ctrl+q")
        await settle(app, pilot)
        await pilot.press("e")  # Enregistrer, then quit
        await settle(app, pilot)
        assert app.return_code == 0
        assert (await queries.action_detail(DEMO_SLUG, "A1")).row.title == "Titre retouché"


async def test_conflict_keeps_the_typing_and_shows_her_version(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        await pilot.press("down")
        form = await open_a1(app, pilot)  # A2
        assert form.detail is not None and form.detail.row.ref == "A2"
        await action_usecases.set_action_status(
            await actor_for("cmartin"), DEMO_SLUG, "A2", form.detail.row.version, "bloquee"
        )
        form.query_one("#title", Input).value = "Chèques fruits et légumes, deuxième vague"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert form.query_one("#title", Input).value.endswith("deuxième vague")
        theirs = form.query_one("#theirs-status")
        assert "Bloquée" in str(theirs.query_one(".their-text").render())
        assert not form.query("#theirs-title")  # she did not touch the title
        form.query_one("#take-status", Button).press()  # hers for the status, ours for the title
        await settle(app, pilot)
        assert form.query_one("#status", Select).value == ActionStatus.BLOQUEE.value
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ActionsScreen)
        stored = (await queries.action_detail(DEMO_SLUG, "A2")).row
        assert stored.title.endswith("deuxième vague") and stored.status is ActionStatus.BLOQUEE


async def test_cercle_elargi_opens_an_action_read_only_with_the_reason(tmp_path: Path) -> None:
    async with demo_app(tmp_path, login="sgarcia", screen="actions") as (app, pilot):
        form = await open_a1(app, pilot)
        banner = str(form.query_one("#form-readonly").render())
        assert "Lecture seule" in banner and "cercle élargi" in banner
        assert form.query_one("#title", Input).disabled
        assert not form.query_one("#save").display
        await pilot.press("escape")  # nothing can be typed: closes without asking
        await settle(app, pilot)
        assert isinstance(app.screen, ActionsScreen)
        await pilot.press("n")  # creating too: read-only, the reason at the top
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ActionFormScreen) and form.detail is None
        assert "demande le rôle" in str(form.query_one("#form-readonly").render())


async def test_first_launch_asks_how_to_start(tmp_path: Path) -> None:
    """A new base asks (demo, empty, import) instead of building the demo by itself."""
    from roadmap.config import Settings
    from roadmap.models import Roadmap
    from roadmap.storage.database import close_database, open_database
    from roadmap.storage.location import parse_location
    from roadmap.tui.app import RoadmapApp
    from roadmap.tui.screens.welcome import PremiersPasScreen
    from roadmap.usecases.identity import current_actor

    await open_database(parse_location(str(tmp_path / "neuve.db")))
    try:
        settings = Settings(config_dir=tmp_path / "config", refresh_seconds=0)
        app = RoadmapApp(settings, await current_actor(), new_database=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            assert isinstance(app.screen, PremiersPasScreen)
            assert not await Roadmap.exists()  # nothing decided for the user
            await pilot.press("escape")  # skippable
            await settle(app, pilot)
            assert not isinstance(app.screen, PremiersPasScreen)
            assert not await Roadmap.exists()
            assert (tmp_path / "config" / f"premiers-pas-vus.{app.actor.login}").exists()
            app.action_help()
            await settle(app, pilot)
            await pilot.press("p")  # reopened from the help
            await settle(app, pilot)
            assert isinstance(app.screen, PremiersPasScreen)
            app.screen.dismiss("demo")
            await settle(app, pilot)
            assert await Roadmap.exists()
            person = app.actor
            assert person.person_id is not None and person.login == "testeur"
    finally:
        await close_database()
