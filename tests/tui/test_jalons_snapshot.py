"""Snapshot of the Jalons screen on the demo (fixed size, frozen today, theme dsfr).

``snap_compare`` runs the app in its own event loop (RISKS 11), so the test is sync and the
database is opened inside ``run_async``: the same task then runs the app (RISKS 9).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import parse_location
from roadmap.tui import app as app_module
from roadmap.tui.app import RoadmapApp
from roadmap.tui.screens.base import open_roadmap_screen
from roadmap.usecases.demo import DEMO_SLUG
from roadmap.usecases.identity import Actor, current_actor

from . import helpers
from .helpers import SIZE, prepare_demo, settle


class DemoSnapshotApp(RoadmapApp):
    """The app on a copy of the demo database, opened and closed around the run."""

    # Textual resolves a relative CSS_PATH next to the subclass: point at the app's own.
    CSS_PATH = [str(Path(app_module.__file__).with_name("app.tcss"))]

    def __init__(self, tmp_path: Path) -> None:
        super().__init__(helpers.test_settings(tmp_path), Actor(login="testeur"))
        self.db_path = tmp_path / "demo.db"
        prepare_demo(self.db_path)

    async def run_async(self, *args: Any, **kwargs: Any) -> Any:
        await open_database(parse_location(str(self.db_path)))
        try:
            self.actor = await current_actor()
            return await super().run_async(*args, **kwargs)
        finally:
            await self.wait_for_database_work()
            await close_database()


def open_on(screen_id: str) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await settle(app, pilot)  # type: ignore[arg-type]
        open_roadmap_screen(app, DEMO_SLUG, "tableau_de_bord")
        await settle(app, pilot)  # type: ignore[arg-type]
        open_roadmap_screen(app, DEMO_SLUG, screen_id)
        await settle(app, pilot)  # type: ignore[arg-type]

    return run_before


def test_jalons_screen(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(DemoSnapshotApp(tmp_path), terminal_size=SIZE, run_before=open_on("jalons"))


def test_jalons_screen_80x24(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(
        DemoSnapshotApp(tmp_path), terminal_size=(80, 24), run_before=open_on("jalons")
    )
