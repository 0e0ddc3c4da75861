"""The Actions screen opened in the first instant, before Tortoise is loaded (issue 15).

The launcher paints the home screen from a plain read and opens the database after (see
test_quick_start.py). A user who goes straight to a roadmap and its Actions meanwhile gets
the first rows from a plain sqlite3 read (``usecases.action_rows``); the ORM's full read
replaces them; the home screen's and the dashboard's reads, asked while the database was
opening and hidden since, run when those screens come back on top.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import parse_location
from roadmap.tui.app import RoadmapApp
from roadmap.tui.screens.accueil import AccueilScreen
from roadmap.tui.screens.actions import ActionsScreen
from roadmap.tui.screens.dashboard import DashboardScreen
from roadmap.usecases import action_rows, queries
from roadmap.usecases.demo import DEMO_SLUG
from roadmap.usecases.home import read_home

from .helpers import SIZE, demo_settings, prepare_demo, settle


def _detail(screen: ActionsScreen) -> str:
    return str(screen.query_one("#action-detail").render())


def _quick_app(tmp_path: Path) -> tuple[RoadmapApp, Path]:
    """The app as the launcher starts it on an existing demo base: the home screen's quick
    read done, the database not open yet."""
    db_path = tmp_path / "demo.db"
    prepare_demo(db_path)
    quick = read_home(db_path)
    assert quick is not None
    app = RoadmapApp(demo_settings(tmp_path), quick.actor, quick_home=quick, quick_file=db_path)
    return app, db_path


async def _quick_app_to_actions(
    tmp_path: Path, pilot_then: Callable[[RoadmapApp, Pilot[Any], ActionsScreen], Any]
) -> None:
    """Start as the launcher does on an existing base, Entrée then « a » at once, the
    database still closed; ``pilot_then`` opens it and checks what follows."""
    app, _ = _quick_app(tmp_path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen)
            await pilot.press("a")
            screen = app.screen
            assert isinstance(screen, ActionsScreen)
            await pilot_then(app, pilot, screen)
            await app.wait_for_database_work()
    finally:
        await close_database()


async def _open_database(app: RoadmapApp, db_path: Path) -> None:
    """What the launcher does once Tortoise is loaded (cli/launch.py)."""
    await open_database(parse_location(str(db_path)), shared=True)
    app.database_opened()


async def _until(pilot: Pilot[Any], done: Callable[[], bool]) -> None:
    for _ in range(200):
        if done():
            return
        await pilot.pause(0.01)
    raise AssertionError("jamais arrivé")


async def test_first_rows_before_the_database_then_the_full_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hidden_reads: list[str] = []
    for name in ("dashboard", "list_my_roadmaps"):
        real = getattr(queries, name)

        def spy(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            hidden_reads.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(queries, name, spy)

    async def then(app: RoadmapApp, pilot: Pilot[Any], screen: ActionsScreen) -> None:
        await _until(pilot, lambda: bool(screen.table.rows))
        assert app.quick_file() is not None  # the rows came without the database
        first_rows, first_detail = list(screen.table.rows), _detail(screen)
        assert not screen.loaded
        await _open_database(app, tmp_path / "demo.db")
        await settle(app, pilot)
        expected = await queries.list_actions(DEMO_SLUG)
        assert screen.loaded and screen.table.rows == expected
        assert first_rows == expected[: len(first_rows)]  # same rows, same order
        assert first_detail == _detail(screen)
        assert _detail(screen).startswith(f"{expected[0].ref} {expected[0].title}\n")
        # Neither the home screen's nor the dashboard's read ran behind the Actions.
        assert hidden_reads == []
        await pilot.press("escape")
        await settle(app, pilot)
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        assert dashboard.data is not None and hidden_reads == ["dashboard"]
        await pilot.press("escape")
        await settle(app, pilot)
        home = app.screen
        assert isinstance(home, AccueilScreen)
        assert hidden_reads == ["dashboard", "list_my_roadmaps"]
        assert home.summaries and home.summaries[0].alert_count is not None

    await _quick_app_to_actions(tmp_path, then)


async def test_data_changed_between_the_quick_read_and_the_full_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quick read saw an older title: the ORM's read replaces it, cursor kept."""
    real = action_rows.read_first

    def older(path: Path, slug: str, limit: int) -> list[action_rows.ActionRow] | None:
        rows = real(path, slug, limit)
        assert rows
        return [dataclasses.replace(rows[0], title="Titre d'avant"), *rows[1:]]

    monkeypatch.setattr(action_rows, "read_first", older)

    async def then(app: RoadmapApp, pilot: Pilot[Any], screen: ActionsScreen) -> None:
        await _until(pilot, lambda: bool(screen.table.rows))
        assert _detail(screen).startswith(f"{screen.table.rows[0].ref} Titre d'avant")
        await _open_database(app, tmp_path / "demo.db")
        await settle(app, pilot)
        expected = await queries.list_actions(DEMO_SLUG)
        assert screen.table.rows == expected
        assert screen.table.current == expected[0]
        assert _detail(screen).startswith(f"{expected[0].ref} {expected[0].title}\n")

    await _quick_app_to_actions(tmp_path, then)


async def test_no_quick_answer_waits_for_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quick read could not tell (unreadable file, say): the ORM's reads, once open."""
    monkeypatch.setattr(action_rows, "read_first", lambda *_args: None)

    async def then(app: RoadmapApp, pilot: Pilot[Any], screen: ActionsScreen) -> None:
        for _ in range(20):
            await pilot.pause(0.01)
        assert screen.table.rows == []  # nothing invented while the database is closed
        await _open_database(app, tmp_path / "demo.db")
        await settle(app, pilot)
        expected = await queries.list_actions(DEMO_SLUG)
        assert screen.table.rows == expected
        assert _detail(screen).startswith(f"{expected[0].ref} {expected[0].title}\n")

    await _quick_app_to_actions(tmp_path, then)


async def test_quick_read_gives_the_orm_rows(tmp_path: Path) -> None:
    db_path = tmp_path / "demo.db"
    prepare_demo(db_path)
    await open_database(parse_location(str(db_path)))
    try:
        for limit in (1, 5, 100):
            expected = await queries.list_actions(DEMO_SLUG, limit=limit)
            assert action_rows.read_first(db_path, DEMO_SLUG, limit) == expected
        assert any(r.contributors for r in expected)  # the contributors' join is covered
    finally:
        await close_database()
    assert action_rows.read_first(db_path, "inconnue", 10) is None
    assert action_rows.read_first(tmp_path / "absente.db", DEMO_SLUG, 10) is None


async def test_tortoise_waits_for_the_keys_typed_ahead(tmp_path: Path) -> None:
    """The launcher loads Tortoise once typing pauses (typing_paused): a key counts."""
    app, _ = _quick_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down")
        typed = app._last_key_at
        assert typed > 0
        await app.typing_paused(quiet=0.05, limit=5)
        assert app._last_key_at == typed  # returned with no key since
        app.exit()


async def test_a_box_over_the_home_screen_leaves_its_read_running(tmp_path: Path) -> None:
    """The help (a box, like « Premiers pas ») leaves the home screen in view: its read runs
    when the database opens, as before; only a full screen on top defers it."""
    app, db_path = _quick_app(tmp_path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            home = app.screen
            assert isinstance(home, AccueilScreen)
            assert home.summaries[0].alert_count is None  # the quick read's first look
            await pilot.press("question_mark")
            await pilot.pause()
            assert app.screen is not home
            await _open_database(app, db_path)
            await settle(app, pilot)
            assert app.screen is not home  # the help is still open
            assert home.summaries[0].alert_count is not None
            await app.wait_for_database_work()
    finally:
        await close_database()
