"""From an empty base to a first roadmap in the TUI: « Commencer à vide » opens the guided
start (territory, services, the person, the roadmap), then lands on its dashboard with
the person in the trinôme; an administrator removes the demo from the Accueil."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Input, Select, TextArea
from textual.worker import WorkerCancelled

from roadmap.config import Settings
from roadmap.models import Membership, Person, Roadmap, Service
from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import parse_location
from roadmap.tui.app import RoadmapApp
from roadmap.tui.screens.accueil import AccueilScreen
from roadmap.tui.screens.base import AppScreen
from roadmap.tui.screens.first_start import FirstStartScreen
from roadmap.tui.screens.welcome import PremiersPasScreen
from roadmap.usecases.demo import DEMO_SLUG
from roadmap.usecases.identity import current_actor

from .helpers import settle, type_text


async def calm(app: RoadmapApp, pilot: object) -> None:
    """Settle; a read replaced by a newer one (same name) is cancelled, not an error."""
    for _ in range(5):
        try:
            await settle(app, pilot)  # type: ignore[arg-type]
            return
        except WorkerCancelled:
            continue


VALUES = {
    "territoire": "Ville de Roubaix",
    "my_name": "Aicha Benhamou",
    "my_service": "Direction des sports",  # droit commun side (chosen below)
    "other_service": "Direction de la politique de la ville",
    "title": "Sport sante",
    "horizon": "31/12/2028",
}


async def _fill(app: RoadmapApp, pilot: object, form: FirstStartScreen) -> None:
    for widget_id, value in VALUES.items():
        field = form.query_one(f"#{widget_id}", Input)
        field.focus()
        field.value = ""
        await type_text(pilot, value)  # type: ignore[arg-type]
    form.query_one("#my_side", Select).value = "droit_commun"
    form.query_one("#destination", TextArea).text = "Du sport pres de chez soi"


async def test_empty_base_to_a_first_roadmap_in_the_tui(tmp_path: Path) -> None:
    await open_database(parse_location(str(tmp_path / "neuve.db")))
    try:
        settings = Settings(config_dir=tmp_path / "config", refresh_seconds=0)
        app = RoadmapApp(settings, await current_actor(), new_database=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            assert isinstance(app.screen, PremiersPasScreen)
            app.screen.query_one("#welcome-empty", Button).press()
            await settle(app, pilot)
            form = app.screen
            assert isinstance(form, FirstStartScreen)
            await pilot.press("ctrl+s")  # empty: refused under the first field, nothing made
            await settle(app, pilot)
            assert isinstance(app.screen, FirstStartScreen)
            assert form.query_one("#error-territoire").display
            assert not await Service.exists()
            await _fill(app, pilot, form)
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert isinstance(app.screen, AppScreen)
            assert getattr(app.screen, "slug", None) == "sport-sante"  # landed on it
            roadmap = await Roadmap.get(slug="sport-sante").prefetch_related("dc_service")
            assert roadmap.dc_service.name == "Direction des sports"
            me = await Person.get(login=app.actor.login)
            assert me.name == "Aicha Benhamou" and app.actor.name == "Aicha Benhamou"
            seat = await Membership.get(roadmap_id=roadmap.id, person_id=me.id)
            assert (seat.role, seat.side) == ("trinome", "droit_commun")
    finally:
        await close_database()


async def test_the_administrator_removes_the_demo_from_the_accueil(tmp_path: Path) -> None:
    await open_database(parse_location(str(tmp_path / "neuve.db")))
    try:
        settings = Settings(config_dir=tmp_path / "config", refresh_seconds=0)
        app = RoadmapApp(settings, await current_actor(), new_database=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            app.screen.query_one("#welcome-demo", Button).press()
            await calm(app, pilot)
            assert await Roadmap.exists(slug=DEMO_SLUG)
            assert isinstance(app.screen, AccueilScreen)
            app.screen.action_reload()
            await calm(app, pilot)
            await pilot.press("D")
            await calm(app, pilot)
            await pilot.press("enter")  # « Retirer la démonstration », the first choice
            await calm(app, pilot)
            assert not await Roadmap.exists(slug=DEMO_SLUG)
            assert not await Service.exists()
            assert app.needs_first_start  # the Accueil now offers the guided start (n)
    finally:
        await close_database()
