"""Helpers for the TUI tests: an app on a fresh demo database, driven by the Pilot.

Tortoise is opened in the task that runs the app (RISKS 9) and closed after it.
``pilot.pause()`` does not wait for workers (RISKS 11): use :func:`settle`.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from roadmap.config import Settings
from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import parse_location
from roadmap.tui.app import RoadmapApp
from roadmap.usecases.demo import DEMO_SLUG, build_demo
from roadmap.usecases.identity import Actor, actor_for, current_actor

# A fixed "today" keeps the demo's dates, the alerts and the snapshots stable.
DEMO_TODAY = date(2026, 3, 2)
SIZE = (100, 32)
TEST_LOGIN = "testeur"  # ROADMAP_USER in every test (tests/conftest.py)


def demo_settings(tmp_path: Path, *, theme: str = "dsfr", refresh: float = 0) -> Settings:
    """Live refresh is off unless a test asks for it: no reload behind a test's back."""
    return Settings(
        theme=theme,
        config_dir=tmp_path / "config",
        today=DEMO_TODAY,
        refresh_seconds=refresh,
        first_steps=False,
    )


async def next_frame(app: RoadmapApp) -> None:
    """Until the screen has refreshed once: what a screen defers with call_after_refresh
    has run (tests/tui/conftest.py makes the Pilot's idle waits shorter than a frame)."""
    done = asyncio.Event()
    if app.screen.call_after_refresh(done.set):
        with contextlib.suppress(TimeoutError):  # a screen closed meanwhile never refreshes
            await asyncio.wait_for(done.wait(), 1)


async def settle(app: RoadmapApp, pilot: Pilot[Any]) -> None:
    """Wait until the workers are done and the screen has repainted."""
    # Screens start some reads after their first paint: go round until all is quiet.
    quiet_rounds = 0
    for _ in range(50):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            pass  # a read replaced by a newer one (same name) is cancelled: not an error
        await app.wait_for_database_work()
        await pilot.pause()
        await next_frame(app)
        busy = any(not w.is_finished for w in app.workers)
        quiet_rounds = 0 if busy else quiet_rounds + 1
        if quiet_rounds == 2:
            break


_TEMPLATE: Path | None = None


async def _build_template(path: Path) -> None:
    import roadmap.usecases.base as base

    # Journal times frozen too: the snapshots copy this file (the test waits on the thread).
    real_now, base.now = base.now, lambda: FROZEN_NOW
    await open_database(parse_location(str(path)))
    try:
        await build_demo(await actor_for(TEST_LOGIN), today=DEMO_TODAY)
    finally:
        await close_database()
        base.now = real_now


def demo_template() -> Path:
    """A closed database file holding the demo, built once per test process.

    Building the demo takes seconds; copying the file takes milliseconds. It is built in a
    thread of its own because the test's event loop is already running.
    """
    global _TEMPLATE
    if _TEMPLATE is None:
        path = Path(tempfile.mkdtemp(prefix="roadmap-demo-")) / "demo.db"
        thread = threading.Thread(target=asyncio.run, args=(_build_template(path),))
        thread.start()
        thread.join()
        if not path.exists():
            raise RuntimeError("la base de démonstration n'a pas pu être construite")
        _TEMPLATE = path
    return _TEMPLATE


def prepare_demo(db_path: Path) -> None:
    """Put a fresh copy of the demo (built as ``testeur``, trinôme) at ``db_path``."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo_template(), db_path)


@contextlib.asynccontextmanager
async def demo_app(
    tmp_path: Path,
    *,
    login: str | None = None,
    size: tuple[int, int] = SIZE,
    open_slug: str | None = DEMO_SLUG,
    screen: str | None = None,
    refresh: float = 0,
) -> AsyncIterator[tuple[RoadmapApp, Pilot[Any]]]:
    """``async with demo_app(tmp_path) as (app, pilot)``: the demo, opened on its dashboard.

    ``login`` acts as another demo person (e.g. ``sgarcia``, cercle élargi); ``screen`` opens
    one of ``ROADMAP_SCREENS`` (by screen_id) on top of the dashboard.
    """
    db_path = tmp_path / "demo.db"
    prepare_demo(db_path)
    await open_database(parse_location(str(db_path)))
    try:
        actor = await actor_for(login) if login else await current_actor()
        app = RoadmapApp(demo_settings(tmp_path, refresh=refresh), actor)
        app.notifications = record_notifications(app)  # type: ignore[attr-defined]
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


def record_notifications(app: RoadmapApp) -> list[tuple[str, str]]:
    """Keep every ``(severity, message)`` the app shows, for assertions."""
    seen: list[tuple[str, str]] = []
    original = app.notify

    def notify(message: str, *args: Any, **kwargs: Any) -> None:
        seen.append((str(kwargs.get("severity", "information")), str(message)))
        original(message, *args, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    return seen


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type like a user (ASCII text; a space is the ``space`` key)."""
    await pilot.press(*["space" if c == " " else c for c in text])


# --- snapshots (pytest-textual-snapshot runs the app with its own event loop) ---------------

FROZEN_NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def freeze_clock(monkeypatch: Any) -> None:
    """Journal times come from ``usecases.base.now``: freeze them for stable pictures."""
    import roadmap.usecases.base as base

    monkeypatch.setattr(base, "now", lambda: FROZEN_NOW)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


class SnapshotApp(RoadmapApp):
    """Opens a fresh demo database in the task that runs the app (RISKS 9), closes after.

    Needed because ``snap_compare`` calls ``app.run()`` itself.
    """

    def __init__(self, tmp_path: Path, *, login: str | None = None) -> None:
        super().__init__(demo_settings(tmp_path), Actor(login=login or TEST_LOGIN))
        self.db_path = tmp_path / "snapshot.db"
        self.login = login

    async def run_async(self, *args: Any, **kwargs: Any) -> Any:
        prepare_demo(self.db_path)  # a copy of the demo built once, clock frozen
        await open_database(parse_location(str(self.db_path)))
        try:
            self.actor = await actor_for(self.login or TEST_LOGIN)
            return await super().run_async(*args, **kwargs)
        finally:
            await self.wait_for_database_work()
            await close_database()


def open_and_settle(*screen_ids: str, slug: str = DEMO_SLUG) -> Any:
    """A ``run_before`` for ``snap_compare``: open screens, wait for their data."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app: RoadmapApp = pilot.app  # type: ignore[assignment]
        await settle(app, pilot)
        for screen_id in screen_ids:
            await open_screen(app, pilot, slug, screen_id)
        await settle(app, pilot)
        no_blink(app)

    return run_before


def no_blink(app: RoadmapApp) -> None:
    """A blinking cursor makes two pictures of the same screen differ (RISKS 11)."""
    from textual.widgets import Input, TextArea

    for screen in app.screen_stack:
        for widget in screen.query("Input, TextArea"):
            if isinstance(widget, Input | TextArea):
                widget.cursor_blink = False
