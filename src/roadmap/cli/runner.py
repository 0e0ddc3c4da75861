"""Run one subcommand: open the database in this task, call the handler, close, map errors.

Every command ends with one of the exit codes of the README's table; the mapping lives
here only, so a new command cannot disagree with it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from roadmap.domain.errors import PermissionDenied, RoadmapError, StaleVersion, StorageError
from roadmap.domain.io_errors import describe_os_error, storage_error

if TYPE_CHECKING:  # tortoise and the models load only once a command runs (RISKS 15)
    from roadmap.storage.database import DatabaseInfo
    from roadmap.usecases.identity import Actor

EXIT_OK = 0
EXIT_ALERT = 1  # alerts found, lines refused by a bulk import, a check that failed
EXIT_USAGE = 2  # bad command line or bad input: option, value, file content, unknown item
EXIT_REFUSED = 3  # refused: your role does not allow it, or someone changed it meanwhile
EXIT_STORAGE = 4  # storage or I/O: database unreachable, disk full, folder not writable
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what `yes | head -1` gives: the reader went away


class CommandContext:
    """What a handler gets (a plain class: ``dataclasses`` alone costs 10 ms to import)."""

    def __init__(self, args: argparse.Namespace, actor: Actor, db: DatabaseInfo) -> None:
        self.args = args
        self.actor = actor
        self.db = db


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
    if isinstance(exc, StorageError | OSError) or _is_sqlite_error(exc):
        return EXIT_STORAGE
    if isinstance(exc, RoadmapError):
        return EXIT_USAGE
    return None


def _is_sqlite_error(exc: BaseException) -> bool:
    sqlite3 = sys.modules.get("sqlite3")  # loaded by then if it raised; not on --help's path
    return sqlite3 is not None and isinstance(exc, sqlite3.Error)


def message_of(exc: BaseException) -> str:
    if isinstance(exc, PermissionDenied):
        return f"refusé : {exc}"
    if isinstance(exc, OSError) and not isinstance(exc, RoadmapError):
        where = f" : {exc.filename}" if getattr(exc, "filename", None) else ""
        return f"opération impossible{where} : {describe_os_error(exc)}"
    if _is_sqlite_error(exc):
        return str(storage_error(exc, "base de données"))
    return str(exc)


async def run_command(args: argparse.Namespace, *, own_process: bool = False) -> int:
    import sqlite3

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
    except BrokenPipeError:
        raise
    except (RoadmapError, OSError, sqlite3.Error) as exc:
        fail(message_of(exc))
        return EXIT_STORAGE
    try:
        actor = await current_actor()
        if own_process:
            _started()
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


def _started() -> None:
    """The command's start-up is done: its objects (modules, Tortoise, the models: about
    100,000) live until the process ends. No collection ran over them while they were made
    (``run``), and frozen, later collections skip them, as do the pages a forked helper
    shares: about 60 ms of CPU of a one-action export (issue 15)."""
    import gc

    gc.freeze()
    gc.enable()


def _exit_at_once(code: int) -> None:
    """End the process without tearing the interpreter down: freeing each module and
    object one by one takes 40 to 60 ms after an export of 10,000 actions (issue 15).
    For the commands that ask for it (``exit_at_once``): their database is closed, their
    helper process waited for, their files renamed, and no atexit handler of theirs has
    anything left to do; what they printed is flushed here."""
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(code)


def run(args: argparse.Namespace, *, own_process: bool = False) -> int:
    """Run a subcommand; a closed pipe (``roadmap check | head -1``) ends quietly.

    ``own_process``: this process runs this one command, then ends (the ``roadmap``
    script, not a test calling ``main``): its start-up runs without the cycle collector.
    """
    import asyncio
    import gc

    if own_process:
        gc.disable()  # until _started(), or the end of a command that failed to start
    try:
        code = asyncio.run(run_command(args, own_process=own_process))
        sys.stdout.flush()  # the last buffered lines may meet the closed pipe here
        if own_process and getattr(args, "exit_at_once", False):
            _exit_at_once(code)
        return code
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        fail("interrompu")
        return EXIT_INTERRUPTED
    finally:
        if own_process:
            gc.enable()
