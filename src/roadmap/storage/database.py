"""Open, upgrade, back up and close the database.

Tortoise keeps its state in context variables: ``open_database`` must run in the task
that then awaits the app or the command, and ``close`` in the same task (see RISKS 9).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import sqlite3
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.base.executor import EXECUTOR_CACHE

from roadmap.domain.errors import StorageError
from roadmap.domain.io_errors import describe_sqlite_error, is_disk_trouble, storage_error
from roadmap.formatting import plural
from roadmap.migrations import APPLIED_SQL, applied
from roadmap.storage.config import APP_LABEL, tortoise_config
from roadmap.storage.location import DatabaseLocation, check_sqlite_path


@dataclass
class DatabaseInfo:
    """What was found and done when opening: shown by ``roadmap whoami`` and the TUI."""

    location: DatabaseLocation
    created: bool = False
    applied_migrations: list[str] = field(default_factory=list)
    backup_path: Path | None = None
    pragmas: dict[str, Any] = field(default_factory=dict)


def _apps_config(config: dict[str, Any]) -> dict[str, Any]:
    return {APP_LABEL: config["apps"][APP_LABEL]}


async def pending_migrations(location: DatabaseLocation) -> list[str]:
    """Names of shipped migrations not yet applied (Tortoise must be initialised)."""
    from tortoise.migrations.executor import MigrationExecutor  # only when migrating

    executor = MigrationExecutor(
        connections.get("default"), _apps_config(tortoise_config(location))
    )
    return [step.migration.name for step in await executor.plan() if not step.backward]


def shipped_migrations() -> set[str]:
    from roadmap.migrations import shipped

    return shipped()


async def _applied_migrations_postgres(location: DatabaseLocation) -> set[str] | None:
    """Applied migration names read directly (None if the table is missing or unreadable).

    Initialising Tortoise just to learn that nothing is pending costs a tenth of a second
    at every start; one plain query does the same (on SQLite, ``_probe_sqlite_file`` reads
    them on the connection of its probe).
    """
    import asyncpg

    try:
        conn = await asyncpg.connect(location.url.replace("postgres://", "postgresql://", 1))
        try:
            return {row[0] for row in await conn.fetch(APPLIED_SQL)}
        finally:
            await conn.close()
    except OSError:
        return None
    except Exception as exc:
        if type(exc).__module__.startswith("asyncpg"):
            return None
        raise


async def _migrate(location: DatabaseLocation, info: DatabaseInfo) -> None:
    """Apply pending migrations with foreign keys OFF (RISKS 1), then check integrity."""
    from tortoise.migrations.executor import MigrationExecutor  # 10 ms: not on every start

    config = tortoise_config(location, foreign_keys=False)
    await Tortoise.init(config=config)
    try:
        pending = await pending_migrations(location)
        if not pending:
            return
        if location.is_sqlite and not info.created:
            info.backup_path = await backup_before_migration(location)
        executor = MigrationExecutor(connections.get("default"), _apps_config(config))
        await executor.migrate()
        info.applied_migrations = pending
        if location.is_sqlite:
            _, rows = await connections.get("default").execute_query("PRAGMA foreign_key_check")
            if rows:
                broken = plural(len(rows), "référence cassée", "références cassées")
                raise StorageError(
                    f"la mise à jour du schéma a laissé {broken} ; "
                    f"la copie d'avant mise à jour est {info.backup_path}"
                )
    finally:
        await Tortoise.close_connections()


@contextlib.contextmanager
def _exclusive_migration_lock(location: DatabaseLocation) -> Any:
    """Only one process upgrades a SQLite file at a time; others wait, then find nothing to do."""
    if not location.is_sqlite or location.path is None:
        yield
        return
    lock_path = location.path.with_name(location.path.name + ".migration-lock")
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def open_database(
    location: DatabaseLocation, *, upgrade: bool = True, shared: bool = False
) -> DatabaseInfo:
    """Initialise Tortoise on ``location``, creating or upgrading the schema first.

    ``shared``: tasks started before this call see the database too (Tortoise's global
    fallback context). The TUI's quick start opens it after the app's first frame, from
    the task that closes it.
    """
    info = DatabaseInfo(location=location)
    existed = location.path is not None and location.path.exists()
    try:
        await _open(location, info, upgrade=upgrade, shared=shared)
    except BaseException:
        if location.is_sqlite and location.path is not None and not existed:
            remove_new_database(location.path)  # no empty file or lock left after a failure
        raise
    return info


def remove_new_database(path: Path) -> None:
    """Remove a database file this process just created, with its WAL, SHM and lock files."""
    for suffix in ("", "-wal", "-shm", "-journal", ".migration-lock"):
        with contextlib.suppress(OSError):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


async def _open(
    location: DatabaseLocation, info: DatabaseInfo, *, upgrade: bool, shared: bool = False
) -> None:
    # Tortoise caches each model's INSERT/DELETE SQL per connection *name*, not per dialect:
    # after a SQLite session, a PostgreSQL one in the same process would reuse "?" placeholders.
    EXECUTOR_CACHE.clear()
    applied: set[str] | None = None  # None: unknown, Tortoise's migration plan decides
    if location.is_sqlite:
        assert location.path is not None
        check_sqlite_path(location.path)
        info.created = not location.path.exists() or location.path.stat().st_size == 0
        if not info.created:
            applied = _probe_sqlite_file(location.path, read_applied=upgrade)
        elif not location.path.exists():
            _create_private(location.path)
    try:
        if upgrade and not location.is_sqlite:
            applied = await _applied_migrations_postgres(location)
        if upgrade and (applied is None or not shipped_migrations() <= applied):
            if location.is_sqlite:
                with _exclusive_migration_lock(location):
                    await _migrate(location, info)
            else:
                await _migrate_postgres(location, info)
        await Tortoise.init(config=tortoise_config(location), _enable_global_fallback=shared)
        from roadmap.models.text_guard import install_text_guard  # models are loaded now

        install_text_guard()
        info.pragmas = await _read_back_settings(location)
    except StorageError:
        await close_database()
        raise
    except (OSError, sqlite3.Error) as exc:
        await close_database()
        raise _open_error(location, exc) from None
    except Exception as exc:
        await close_database()
        if type(exc).__module__.startswith(("asyncpg", "tortoise")) or isinstance(
            exc, ConnectionError
        ):
            raise _open_error(location, exc) from None
        raise


ROOM_NEEDED = 1024 * 1024  # below this, a failed open or write is said to be a full disk


def _no_room(path: Path) -> bool:
    """The disk holding ``path`` has (almost) no space left for this user."""
    try:
        stat = os.statvfs(path.parent)
    except OSError:
        return False
    return stat.f_bavail * stat.f_frsize < ROOM_NEEDED


def _open_error(location: DatabaseLocation, exc: BaseException) -> StorageError:
    if location.is_sqlite and location.path is not None and _no_room(location.path):
        text = str(exc)
        if "disque plein" not in text and "full" not in text and "No space" not in text:
            exc = OSError(errno.ENOSPC, f"{os.strerror(errno.ENOSPC)} : {text}")
    error = storage_error(exc, f"impossible d'ouvrir la base {location.describe()}")
    error.field = "--db"
    return error


def _create_private(path: Path) -> None:
    """A new database file is readable and writable by its creator only (0600).

    It holds private annotations, and on SQLite its permissions are the trust boundary:
    a team sharing one file on a server opens it to its group on purpose (chmod g+rw).
    """
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise StorageError(f"impossible de créer {path} : {exc.strerror}", field="--db") from None


def _probe_sqlite_file(path: Path, *, read_applied: bool = False) -> set[str] | None:
    """Refuse a file that is not a readable SQLite database before Tortoise touches it.

    Tortoise takes its connection lock, then opens the file and runs the PRAGMAs: when that
    fails (``file is not a database``) the lock is never released and the next query of the
    migration check waits forever instead of raising.

    ``read_applied``: also return the names of the applied migrations, read on the same
    connection (None if their table is missing or unreadable: the migration plan decides).
    """
    try:
        with contextlib.closing(
            sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True, timeout=10)
        ) as conn:
            conn.execute("PRAGMA schema_version").fetchone()
            if not read_applied:
                return None
            try:
                return applied(conn)
            except sqlite3.Error:
                return None
    except sqlite3.Error as exc:
        if is_disk_trouble(exc) or "disk i/o" in str(exc).lower():
            said = describe_sqlite_error(exc)
            if _no_room(path) and not (said or "").startswith("disque plein"):
                said = f"disque plein ({exc})"  # SQLite says "disk I/O error" for its WAL files
            raise StorageError(
                f"impossible d'ouvrir la base {path} : {said} ; "
                "vérifiez la place libre et les droits sur le disque",
                field="--db",
            ) from None
        raise StorageError(
            f"{path} n'est pas une base SQLite utilisable ({exc}) ; "
            "vérifiez le chemin donné à --db ou ROADMAP_DB",
            field="--db",
        ) from None


async def _migrate_postgres(location: DatabaseLocation, info: DatabaseInfo) -> None:
    """On PostgreSQL an advisory lock serialises concurrent upgrades."""
    import asyncpg

    conn = await asyncpg.connect(location.url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute("SELECT pg_advisory_lock(727274)")
        try:
            await _migrate(location, info)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(727274)")
    finally:
        await conn.close()


async def _read_back_settings(location: DatabaseLocation) -> dict[str, Any]:
    """Read the PRAGMAs back: a silently ignored setting would otherwise go unnoticed."""
    conn = connections.get("default")
    if not location.is_sqlite:
        _, rows = await conn.execute_query("SELECT version()")
        return {"server_version": rows[0][0]}
    names = ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
    # one query, not four (each a round trip to aiosqlite's thread): the pragmas' values
    # as table-valued functions, on the same connection
    _, rows = await conn.execute_query(
        "SELECT " + ", ".join(f"(SELECT * FROM pragma_{name})" for name in names)
    )
    settings: dict[str, Any] = dict(zip(names, tuple(rows[0]), strict=True))
    if str(settings["journal_mode"]).lower() != "wal":
        raise StorageError(
            f"le mode WAL n'a pas pu être activé sur {location.describe()} "
            f"(mode obtenu : {settings['journal_mode']})"
        )
    if settings["foreign_keys"] != 1:
        raise StorageError("les clés étrangères SQLite n'ont pas pu être activées")
    return settings


# Write units still running after their caller was cancelled (see usecases.base.write_unit).
_WRITES_IN_FLIGHT: set[asyncio.Task[Any]] = set()
_DRAIN_SECONDS = 10.0


def track_write(task: asyncio.Task[Any]) -> None:
    """Register a shielded write unit so that ``close_database`` lets it finish first."""
    _WRITES_IN_FLIGHT.add(task)
    task.add_done_callback(_WRITES_IN_FLIGHT.discard)


async def close_database() -> None:
    """Let in-flight write units end, then close every connection.

    A save whose caller was cancelled (a popped screen, the app exiting) still runs to its
    end; closing under it would make Tortoise reopen the SQLite connection afterwards and
    leave aiosqlite's non-daemon thread behind (RISKS 8 and 9).
    """
    loop = asyncio.get_running_loop()
    pending = [t for t in _WRITES_IN_FLIGHT if not t.done() and t.get_loop() is loop]
    if pending:
        await asyncio.wait(pending, timeout=_DRAIN_SECONDS)
    threads = _sqlite_threads()
    await Tortoise.close_connections()
    # aiosqlite's close() returns just before its worker thread ends: wait for the end, so
    # that "closed" means "no thread left" (RISKS 9), not "no thread left in a moment".
    for thread in threads:
        thread.join(timeout=2)


def _sqlite_threads() -> list[threading.Thread]:
    """The worker threads of the open aiosqlite connections of Tortoise's clients."""
    try:
        clients = connections.all()
    except Exception:  # not initialised: nothing open
        return []
    threads = []
    for client in clients:
        thread = getattr(getattr(client, "_connection", None), "_thread", None)
        if isinstance(thread, threading.Thread) and thread.is_alive():
            threads.append(thread)
    return threads


@contextlib.asynccontextmanager
async def database(
    location: DatabaseLocation, *, upgrade: bool = True
) -> AsyncIterator[DatabaseInfo]:
    info = await open_database(location, upgrade=upgrade)
    try:
        yield info
    finally:
        await close_database()


# --- backups ------------------------------------------------------------------------------


async def backup_before_migration(location: DatabaseLocation) -> Path:
    assert location.path is not None
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = location.path.with_name(f"{location.path.stem}.avant-mise-a-jour-{stamp}.db")
    await backup_sqlite(location.path, target)
    return target


async def backup_sqlite(source: Path, target: Path) -> list[Path]:
    """Copy a live SQLite file with the online backup API, then check the copy.

    Returns the partial files of earlier, killed backups removed from the folder first.
    """
    import aiosqlite

    from roadmap.storage.partials import clean_stale_partials, partial_path

    if target.exists():
        raise StorageError(f"{target} existe déjà ; choisissez un autre nom", field="FICHIER")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"impossible de créer {target.parent} : {exc}", field="FICHIER"
        ) from None
    cleaned = clean_stale_partials(target.parent)
    partial = partial_path(target)
    try:
        async with aiosqlite.connect(source) as src, aiosqlite.connect(partial) as dst:
            await src.backup(dst)
        async with aiosqlite.connect(partial) as check:
            cursor = await check.execute("PRAGMA integrity_check")
            row = await cursor.fetchone()
        if row is None or row[0] != "ok":
            raise StorageError(f"la copie {target} ne passe pas le contrôle d'intégrité : {row}")
        partial.replace(target)
    except (sqlite3.Error, OSError) as exc:
        error = storage_error(exc, f"sauvegarde impossible vers {target}")
        error.field = "FICHIER"
        raise error from None
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            partial.with_name(partial.name + suffix).unlink(missing_ok=True)
    return cleaned
