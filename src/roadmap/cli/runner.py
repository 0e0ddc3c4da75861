"""Run one subcommand: open the database in this task, call the handler, close, map errors.

Every command ends with one of the exit codes of the README's table; the mapping lives
here only, so a new command cannot disagree with it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from roadmap.domain.errors import (
    PermissionDenied,
    RoadmapError,
    StaleVersion,
    StorageError,
)
from roadmap.domain.io_errors import describe_os_error, storage_error
from roadmap.storage.database import DatabaseInfo, close_database, open_database
from roadmap.storage.location import resolve_location
from roadmap.usecases.identity import Actor, current_actor

EXIT_OK = 0
EXIT_ALERT = 1  # alerts found, lines refused by a bulk import, a check that failed
EXIT_USAGE = 2  # bad command line or bad input: option, value, file content, unknown item
EXIT_REFUSED = 3  # refused: your role does not allow it, or someone changed it meanwhile
EXIT_STORAGE = 4  # storage or I/O: database unreachable, disk full, folder not writable
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what `yes | head -1` gives: the reader went away


@dataclass
class CommandContext:
    args: argparse.Namespace
    actor: Actor
    db: DatabaseInfo


Handler = Callable[[CommandContext], Awaitable[int]]


def fail(message: str) -> None:
    try:
        print(f"roadmap : {message}", file=sys.stderr)
    except OSError:
        pass  # stderr closed too: the exit code still says it


def exit_code_of(exc: BaseException) -> int | None:
    """The exit code of an error a command may raise (None: not ours, let it show)."""
    if isinstance(exc, PermissionDenied | StaleVersion):
        return EXIT_REFUSED
    if isinstance(exc, StorageError | OSError | sqlite3.Error):
        return EXIT_STORAGE
    if isinstance(exc, RoadmapError):
        return EXIT_USAGE
    return None


def message_of(exc: BaseException) -> str:
    if isinstance(exc, PermissionDenied):
        return f"refusé : {exc}"
    if isinstance(exc, OSError) and not isinstance(exc, RoadmapError):
        where = f" : {exc.filename}" if getattr(exc, "filename", None) else ""
        return f"opération impossible{where} : {describe_os_error(exc)}"
    if isinstance(exc, sqlite3.Error):
        return str(storage_error(exc, "base de données"))
    return str(exc)


async def run_command(args: argparse.Namespace) -> int:
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        fail("commande inconnue")
        return EXIT_USAGE
    try:
        location = resolve_location(args.db)
        info = await open_database(location, upgrade=getattr(args, "upgrade_db", True))
    except BrokenPipeError:
        raise
    except (RoadmapError, OSError, sqlite3.Error) as exc:
        fail(message_of(exc))
        return EXIT_STORAGE
    try:
        actor = await current_actor()
        return await handler(CommandContext(args=args, actor=actor, db=info))
    except BrokenPipeError:
        raise  # handled once, in run(), after the database is closed
    except (RoadmapError, OSError, sqlite3.Error) as exc:
        fail(message_of(exc))
        return exit_code_of(exc) or EXIT_STORAGE
    except KeyboardInterrupt:
        fail("interrompu")
        return EXIT_INTERRUPTED
    finally:
        await close_database()


def _quiet_stdout() -> None:
    """The reader is gone: send what is left (and Python's final flush) to /dev/null."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def run(args: argparse.Namespace) -> int:
    """Run a subcommand; a closed pipe (``roadmap check | head -1``) ends quietly."""
    try:
        code = asyncio.run(run_command(args))
        sys.stdout.flush()  # the last buffered lines may meet the closed pipe here
        return code
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        fail("interrompu")
        return EXIT_INTERRUPTED
