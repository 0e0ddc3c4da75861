"""Run one subcommand: open the database in this task, call the handler, close, map errors."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from roadmap.domain.errors import PermissionDenied, RoadmapError, StorageError

if TYPE_CHECKING:  # tortoise and the models load only once a command runs (RISKS 15)
    from roadmap.storage.database import DatabaseInfo
    from roadmap.usecases.identity import Actor

EXIT_OK = 0
EXIT_ALERT = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_STORAGE = 4


class CommandContext:
    """What a handler gets (a plain class: ``dataclasses`` alone costs 10 ms to import)."""

    def __init__(self, args: argparse.Namespace, actor: Actor, db: DatabaseInfo) -> None:
        self.args = args
        self.actor = actor
        self.db = db


Handler = Callable[[CommandContext], Awaitable[int]]


def fail(message: str) -> None:
    print(f"roadmap : {message}", file=sys.stderr)


async def run_command(args: argparse.Namespace) -> int:
    from roadmap.storage.database import close_database, open_database
    from roadmap.storage.location import resolve_location
    from roadmap.usecases.identity import current_actor

    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        fail("commande inconnue")
        return EXIT_USAGE
    try:
        location = resolve_location(args.db)
        info = await open_database(location, upgrade=getattr(args, "upgrade_db", True))
    except RoadmapError as exc:
        fail(str(exc))
        return EXIT_STORAGE
    try:
        actor = await current_actor()
        return await handler(CommandContext(args=args, actor=actor, db=info))
    except PermissionDenied as exc:
        fail(f"refusé : {exc}")
        return EXIT_REFUSED
    except StorageError as exc:
        fail(str(exc))
        return EXIT_STORAGE
    except RoadmapError as exc:
        fail(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        fail("interrompu")
        return 130
    finally:
        await close_database()
