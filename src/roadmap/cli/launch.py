"""Start the TUI: open the database in this task, run the app, close in ``finally``.

Tortoise keeps its connections in context variables: opening it in ``on_mount`` would
leave aiosqlite's thread alive at exit (RISKS 9). So the same task opens the database,
awaits ``app.run_async()`` and closes it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

from roadmap.cli.runner import EXIT_OK, EXIT_STORAGE, exit_code_of, fail, message_of
from roadmap.domain.errors import PermissionDenied, RoadmapError, StorageError

if TYPE_CHECKING:
    from roadmap.config import Settings
    from roadmap.storage.location import DatabaseLocation
    from roadmap.usecases.home import QuickHome


async def needs_demo(created: bool) -> bool:
    """A brand-new database, or one with no roadmap at all, gets the demo roadmap."""
    from roadmap.models import Roadmap

    return created or not await Roadmap.exists()


async def build_demo_if_needed(created: bool) -> str | None:
    from roadmap.usecases.identity import current_actor

    if not await needs_demo(created):
        return None
    try:
        from roadmap.usecases.demo import build_demo
    except ImportError:  # the demo module is not there yet: start on an empty base
        return None
    from roadmap.usecases.admin import is_administrator

    actor = await current_actor()
    if not await is_administrator(actor):  # only an administrator fills a base with the demo
        return None
    return await build_demo(actor)


async def run_tui(args: argparse.Namespace, **run_options: Any) -> int:
    """``run_options`` go to ``App.run_async`` (tests pass ``headless`` and ``auto_pilot``)."""
    from roadmap.config import load_settings
    from roadmap.storage.location import resolve_location

    settings = load_settings(theme=getattr(args, "theme", None))
    try:
        location = resolve_location(getattr(args, "db", None))
    except RoadmapError as exc:
        print(f"roadmap : {exc}", file=sys.stderr)
        return EXIT_STORAGE
    if location.is_sqlite and location.path is not None:
        from roadmap.usecases.home import read_home

        quick = read_home(location.path)
        if quick is not None:
            return await _run_quick(settings, location, quick, run_options)
    from roadmap.storage.database import close_database, open_database

    try:
        info = await open_database(location)
    except RoadmapError as exc:
        print(f"roadmap : {exc}", file=sys.stderr)
        return EXIT_STORAGE
    app = None
    try:
        from roadmap.tui.app import RoadmapApp
        from roadmap.usecases.identity import current_actor

        # A new database asks how to start (demo, empty, import) instead of deciding.
        app = RoadmapApp(
            settings, await current_actor(), new_database=await needs_demo(info.created)
        )
        await app.run_async(**run_options)
        return app.return_code or EXIT_OK
    except (PermissionDenied, StorageError) as exc:  # e.g. ROADMAP_USER on a shared file
        return _said(exc)
    finally:
        if app is not None:
            # A write still running when the user quit lands before the database closes.
            await app.wait_for_database_work()
        await close_database()


def _said(exc: PermissionDenied | StorageError) -> int:
    """The message and exit code a command would give (runner.py's one mapping)."""
    fail(message_of(exc))
    return exit_code_of(exc) or EXIT_STORAGE


async def _run_quick(
    settings: Settings, location: DatabaseLocation, quick: QuickHome, run_options: dict[str, Any]
) -> int:
    """The home screen first, from a plain read (``usecases.home``); the ORM after.

    Tortoise and the models cost about as much to load as Textual: the app paints its
    first frame, then this task opens the database (still the task that closes it, RISKS
    9; shared with the app's tasks, which started before it) and the database calls
    queued meanwhile run.
    """
    from roadmap.tui.app import RoadmapApp

    app = RoadmapApp(settings, quick.actor, quick_home=quick, quick_file=location.path)
    running = asyncio.ensure_future(app.run_async(**run_options))
    failure: tuple[int, str] | None = None
    opened = False
    try:
        first = asyncio.ensure_future(app.first_frame.wait())
        await asyncio.wait({running, first}, return_when=asyncio.FIRST_COMPLETED)
        first.cancel()
        if not running.done():
            # Tortoise and the models (0.1 s of CPU) load once the keys typed ahead (Entrée,
            # « a ») are served, in a thread, so a key typed meanwhile is handled between its
            # steps (issue 15). Opening the database stays in this task (RISKS 9).
            await app.typing_paused()
            await asyncio.to_thread(_load_storage)
        if not running.done():
            from roadmap.storage.database import open_database

            try:
                await open_database(location, shared=True)
                opened = True
                app.database_opened()
            except RoadmapError as exc:
                failure = (EXIT_STORAGE, f"roadmap : {exc}")
                app.exit(return_code=EXIT_STORAGE)
        await running
        if failure is not None:
            print(failure[1], file=sys.stderr)
            return failure[0]
        return app.return_code or EXIT_OK
    except (PermissionDenied, StorageError) as exc:
        return _said(exc)
    finally:
        if not running.done():
            running.cancel()
        if not opened:
            app.drop_waiting_work()
        await app.wait_for_database_work()
        if opened:
            from roadmap.storage.database import close_database

            await close_database()


STORAGE_MODULES = (
    "roadmap.storage.database",
    "roadmap.models",
    "roadmap.usecases.identity",
    "roadmap.usecases.queries",
)


def _load_storage() -> None:
    """Import what opening the database and the first reads need (in a thread)."""
    from importlib import import_module

    for name in STORAGE_MODULES:
        import_module(name)


def launch_tui(args: argparse.Namespace) -> int:
    """Entry point of ``roadmap`` without a subcommand."""
    try:
        return asyncio.run(run_tui(args))
    except KeyboardInterrupt:
        return 130
