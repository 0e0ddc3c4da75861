"""Helpers for the TUI tests: an app on a fresh demo database, driven by the Pilot.

Tortoise is opened in the task that runs the app (RISKS 9) and closed after it.
``pilot.pause()`` does not wait for workers (RISKS 11): use :func:`settle`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from roadmap.config import Settings
from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import parse_location
from roadmap.tui.app import RoadmapApp
from roadmap.usecases.demo import DEMO_SLUG, build_demo
from roadmap.usecases.identity import actor_for, current_actor

# A fixed "today" keeps the demo's dates, the alerts and the snapshots stable.
DEMO_TODAY = date(2026, 3, 2)
SIZE = (100, 32)


def test_settings(tmp_path: Path, *, theme: str = "dsfr") -> Settings:
    return Settings(theme=theme, config_dir=tmp_path / "config", today=DEMO_TODAY)


async def settle(app: RoadmapApp, pilot: Pilot[Any]) -> None:
    """Wait until the workers are done and the screen has repainted."""
    for _ in range(3):
        await app.workers.wait_for_complete()
        await app.wait_for_database_work()
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            break


async def prepare_demo(db_path: Path) -> None:
    """Build the demo as the default test user (ROADMAP_USER=testeur, trinôme)."""
    await build_demo(await current_actor(), today=DEMO_TODAY)


@contextlib.asynccontextmanager
async def demo_app(
    tmp_path: Path,
    *,
    login: str | None = None,
    size: tuple[int, int] = SIZE,
    open_slug: str | None = DEMO_SLUG,
    screen: str | None = None,
) -> AsyncIterator[tuple[RoadmapApp, Pilot[Any]]]:
    """``async with demo_app(tmp_path) as (app, pilot)``: the demo, opened on its dashboard.

    ``login`` acts as another demo person (e.g. ``sgarcia``, cercle élargi); ``screen`` opens
    one of ``ROADMAP_SCREENS`` (by screen_id) on top of the dashboard.
    """
    db_path = tmp_path / "demo.db"
    await open_database(parse_location(str(db_path)))
    try:
        await prepare_demo(db_path)
        actor = await actor_for(login) if login else await current_actor()
        app = RoadmapApp(test_settings(tmp_path), actor)
        async with app.run_test(size=size) as pilot:
            await settle(app, pilot)
            if open_slug:
                await open_screen(app, pilot, open_slug, "tableau_de_bord")
                if screen:
                    await open_screen(app, pilot, open_slug, screen)
            yield app, pilot
            await app.wait_for_database_work()
    finally:
        await close_database()


async def open_screen(app: RoadmapApp, pilot: Pilot[Any], slug: str, screen_id: str) -> None:
    from roadmap.tui.screens.base import open_roadmap_screen

    open_roadmap_screen(app, slug, screen_id)
    await settle(app, pilot)
