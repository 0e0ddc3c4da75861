"""Start the TUI: open the database in this task, run the app, close in ``finally``.

Tortoise keeps its connections in context variables: opening it in ``on_mount`` would
leave aiosqlite's thread alive at exit (RISKS 9). So the same task opens the database,
awaits ``app.run_async()`` and closes it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from roadmap.domain.errors import PermissionDenied, RoadmapError, StorageError

EXIT_OK = 0
EXIT_REFUSED = 3
EXIT_STORAGE = 4


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
    from roadmap.storage.database import close_database, open_database
    from roadmap.storage.location import resolve_location

    settings = load_settings(theme=getattr(args, "theme", None))
    try:
        info = await open_database(resolve_location(getattr(args, "db", None)))
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
    except PermissionDenied as exc:  # e.g. ROADMAP_USER on a shared file
        print(f"roadmap : refusé : {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except StorageError as exc:
        print(f"roadmap : {exc}", file=sys.stderr)
        return EXIT_STORAGE
    finally:
        if app is not None:
            # A write still running when the user quit lands before the database closes.
            await app.wait_for_database_work()
        await close_database()


def launch_tui(args: argparse.Namespace) -> int:
    """Entry point of ``roadmap`` without a subcommand."""
    try:
        return asyncio.run(run_tui(args))
    except KeyboardInterrupt:
        return 130
