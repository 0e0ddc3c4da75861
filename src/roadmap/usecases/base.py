"""Plumbing shared by every use case: write transactions, versions, journal, roles.

Write units run in their own task behind ``asyncio.shield``: Textual cancels workers
when a screen is popped or the app exits, and a cancel inside Tortoise's BEGIN/COMMIT
can freeze the connection for good (RISKS 8). The unit always runs to its end; a
cancelled caller re-reads to learn the outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextvars import ContextVar
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from tortoise.exceptions import OperationalError, TransactionManagementError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from roadmap.domain.enums import Role
from roadmap.domain.errors import NotFound, PermissionDenied, StaleVersion, StorageError
from roadmap.domain.io_errors import is_disk_trouble, storage_error
from roadmap.domain.permissions import Capability, require
from roadmap.models import JournalEntry, Membership, Roadmap
from roadmap.storage.chain import COLUMNS, FIELDS, row_hash
from roadmap.storage.database import track_write
from roadmap.usecases.admin import require_known, require_known_or_admin
from roadmap.usecases.identity import Actor

T = TypeVar("T")

_RETRY_ATTEMPTS = 12
_RETRYABLE_MESSAGES = ("database is locked", "database table is locked", "busy")
_PG_RETRYABLE = ("SerializationError", "DeadlockDetectedError")


_fixed_clock: ContextVar[datetime | None] = ContextVar("roadmap_fixed_clock", default=None)


def now() -> datetime:
    """The time stamped on rows and journal entries (fixed inside ``clock_at``)."""
    return _fixed_clock.get() or datetime.now(UTC)


@contextlib.contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Stamp everything written in this context with ``moment`` (the demo, byte-stable exports)."""
    token = _fixed_clock.set(moment)
    try:
        yield
    finally:
        _fixed_clock.reset(token)


def _is_retryable(exc: BaseException) -> bool:
    if type(exc).__name__ in _PG_RETRYABLE:
        return True
    if isinstance(exc, OperationalError | TransactionManagementError | sqlite3.OperationalError):
        text = str(exc).lower()
        return any(m in text for m in _RETRYABLE_MESSAGES) or type(exc.__cause__).__name__ in (
            _PG_RETRYABLE
        )
    return False


def _refused_by_database(exc: BaseException) -> bool:
    """PostgreSQL privileges or row-level security refused the write (SQLSTATE 42501)."""
    return any(type(e).__name__ == "InsufficientPrivilegeError" for e in (exc, exc.__cause__))


async def _run_with_retries(unit: Callable[[], Awaitable[T]]) -> T:
    for attempt in range(_RETRY_ATTEMPTS):
        try:
            async with in_transaction():
                return await unit()
        except Exception as exc:
            if _refused_by_database(exc):
                raise PermissionDenied(
                    "la base refuse cette écriture à votre rôle PostgreSQL "
                    f"({exc}) ; l'accès se règle avec roadmap db acces (voir le README)"
                ) from exc
            if not _is_retryable(exc) or attempt == _RETRY_ATTEMPTS - 1:
                if _is_retryable(exc):
                    raise StorageError(
                        "la base est occupée par d'autres écritures ; réessayez dans un instant"
                    ) from exc
                if is_disk_trouble(exc):
                    # e.g. sqlite3.OperationalError "database or disk is full" out of COMMIT
                    raise storage_error(exc, "écriture annulée, rien n'a été enregistré") from exc
                raise
            import random  # only when retrying: not on every command's import path

            await asyncio.sleep(random.uniform(0.005, 0.05) * (attempt + 1))
    raise AssertionError("unreachable")


def _consume_result(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()  # mark as retrieved when the caller went away


async def write_unit(unit: Callable[[], Awaitable[T]]) -> T:
    """Run ``unit`` in one write transaction, retried on lock contention, shielded from cancel."""
    task = asyncio.ensure_future(_run_with_retries(unit))
    task.add_done_callback(_consume_result)
    track_write(task)  # close_database waits for it
    return await asyncio.shield(task)


# --- values for the journal and the messages ----------------------------------------------


def show(value: Any) -> str:
    """A stable text form of a value, for the journal and the adjustments."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)


# The journal is read by people: it names fields in French, not by their column.
FIELD_LABELS: dict[str, str] = {
    "title": "titre",
    "name": "nom",
    "email": "courriel",
    "description": "description",
    "destination": "point d'arrivée",
    "status": "statut",
    "state": "état",
    "kind": "type",
    "start_date": "début",
    "end_date": "fin",
    "current_date": "date",
    "pillar": "pilier",
    "owner_id": "responsable",
    "pilot_service_id": "service pilote",
    "axe_id": "axe",
    "role": "rôle",
    "side": "côté",
    "position": "position",
    "opens_on": "ouverture",
    "closes_on": "clôture",
    "unit": "unité",
}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


async def _require_writer(actor: Actor) -> None:
    """Last guard of every door: whatever wrote before a journal row rolls back with it.

    The use cases refuse unknown people up front; this makes sure that one forgotten
    check cannot let a person with no fiche (and no administrator role) write.
    """
    if actor.person_id is None:
        await require_known_or_admin(actor, "écrire dans la base")


async def journal(
    actor: Actor,
    *,
    roadmap: str = "",
    entity: str,
    ref: str = "",
    operation: str,
    field: str = "",
    old: Any = None,
    new: Any = None,
    reason: str = "",
) -> None:
    await _require_writer(actor)
    await append_journal(
        _entries(actor, roadmap, entity, ref, operation, [(field, old, new)], reason)
    )


async def journal_changes(
    actor: Actor,
    *,
    roadmap: str,
    entity: str,
    ref: str,
    changes: dict[str, tuple[Any, Any]],
    reason: str = "",
) -> None:
    if changes:
        await _require_writer(actor)
    rows = [(name, old, new) for name, (old, new) in changes.items()]
    await append_journal(_entries(actor, roadmap, entity, ref, "modification", rows, reason))


def _entries(
    actor: Actor,
    roadmap: str,
    entity: str,
    ref: str,
    operation: str,
    rows: list[tuple[str, Any, Any]],
    reason: str,
) -> list[JournalEntry]:
    """Journal rows, one per (field, old, new), values shown as the journal keeps them."""
    return [
        JournalEntry(
            at=now(),
            actor=actor.login,
            roadmap_slug=roadmap,
            entity=entity,
            entity_ref=ref,
            operation=operation,
            field=field_label(name),
            old_value=show(old),
            new_value=show(new),
            reason=reason,
        )
        for name, old, new in rows
    ]


_INSERT_CHAINED = "INSERT INTO journal ({}) VALUES ({})".format(
    ", ".join(f'"{c}"' for c in COLUMNS), ", ".join("?" for _ in COLUMNS)
)


async def append_journal(entries: list[JournalEntry]) -> None:
    """Append rows to the hash chain (``roadmap.storage.chain``).

    PostgreSQL chains (and stamps author and time) in its own trigger. On SQLite the
    previous hash is read and the rows written in one transaction: inside a write unit
    BEGIN IMMEDIATE already holds the write lock, so no other writer can slip in between.
    Ids are given explicitly: two writers racing outside a transaction would collide on
    the primary key rather than fork the chain.
    """
    if not entries:
        return
    async with in_transaction() as conn:
        if conn.capabilities.dialect != "sqlite":
            await JournalEntry.bulk_create(entries, using_db=conn)
            return
        _, last = await conn.execute_query("SELECT id, hash FROM journal ORDER BY id DESC LIMIT 1")
        last_id, previous = (int(last[0][0]), str(last[0][1])) if last else (0, "")
        rows = []
        for entry in entries:
            last_id += 1
            at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
            at = at.astimezone(UTC)
            values = [last_id, at, *(getattr(entry, c) for c in FIELDS[2:])]
            previous = row_hash(previous, values)
            rows.append([last_id, str(at), *values[2:], previous])
        await conn.execute_many(_INSERT_CHAINED, rows)


def diff(obj: Model, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields of ``values`` that differ from ``obj``: {field: (old, new)}."""
    return {k: (getattr(obj, k), v) for k, v in values.items() if getattr(obj, k) != v}


async def update_versioned(
    model: type[Model], obj_id: int, expected_version: int, actor: Actor, values: dict[str, Any]
) -> int:
    """Update only if nobody changed the row since ``expected_version``; return the new version.

    A compare-and-set on ``version``: get → change → save loses updates silently (RISKS 3).
    """
    updated = await model.filter(id=obj_id, version=expected_version).update(
        **values, version=expected_version + 1, updated_by=actor.login, updated_at=now()
    )
    if updated == 0:
        current = await model.get_or_none(id=obj_id)
        if current is None:
            raise NotFound("cet élément n'existe plus (supprimé entre-temps)")
        raise stale_error(current)
    return expected_version + 1


async def change_field(
    actor: Actor,
    obj: Any,
    expected_version: int,
    *,
    roadmap: str,
    entity: str,
    field: str,
    value: Any,
    reason: str = "",
) -> int:
    """Set one field of a versioned row (e.g. a quick status change), journaled."""
    old = getattr(obj, field)
    new_version = await update_versioned(type(obj), obj.id, expected_version, actor, {field: value})
    await journal(
        actor,
        roadmap=roadmap,
        entity=entity,
        ref=obj.ref,
        operation="modification",
        field=field,
        old=old,
        new=value,
        reason=reason,
    )
    return new_version


def require_version(current: Any, version: int) -> None:
    """Before the state rules: someone else's change is a conflict to show, not a refusal.

    ``update_versioned`` still does the compare-and-set when writing.
    """
    if current.version != version:
        raise stale_error(current)


def stale_error(current: Any) -> StaleVersion:
    when = current.updated_at.astimezone().strftime("%H:%M") if current.updated_at else "?"
    who = current.updated_by or "quelqu'un"
    return StaleVersion(
        f"modifié entre-temps par {who} à {when} ; rechargez pour voir sa version, "
        "rien n'a été écrasé"
    )


# --- roadmaps and roles ------------------------------------------------------------------


async def get_roadmap(slug: str) -> Roadmap:
    roadmap = await Roadmap.get_or_none(slug=slug)
    if roadmap is None:
        raise NotFound(f"feuille de route « {slug} » introuvable")
    return roadmap


async def role_in(actor: Actor, roadmap: Roadmap) -> Role | None:
    if actor.person_id is None:
        return None
    membership = await Membership.get_or_none(roadmap_id=roadmap.id, person_id=actor.person_id)
    return Role(membership.role) if membership else None


async def authorize(actor: Actor, slug: str, capability: Capability) -> Roadmap:
    """Load the roadmap and check the actor may exercise ``capability`` on it."""
    if capability is not Capability.READ:
        require_known(actor, f"« {capability.value} » dans la feuille de route {slug}")
    roadmap = await get_roadmap(slug)
    require(await role_in(actor, roadmap), capability, roadmap=slug)
    return roadmap


async def next_ref(
    model: type[Model], prefix: str, *, retired: Iterable[str] = (), **scope: Any
) -> str:
    """The next free reference (A1, A2…) in ``scope``; call inside the write unit.

    ``retired``: references of deleted items (see ``retired_refs``), never given again.
    """
    refs: Iterable[str] = await model.filter(**scope).values_list("ref", flat=True)
    return next_free_ref(prefix, [*refs, *retired])


def next_free_ref(prefix: str, used: Iterable[str]) -> str:
    """The reference after the highest of ``used`` with this prefix (A3 after A1, A2)."""
    numbers = [
        int(r[len(prefix) :]) for r in used if r.startswith(prefix) and r[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1}"


async def retired_refs(slug: str, entity: str) -> list[str]:
    """References of the roadmap's ``entity`` items that were deleted (the journal keeps them).

    A service may still hold a deleted A17 in an older file: a new action must never be A17
    again. Rows from before the roadmap's last deletion (a replaced demo) do not count.
    """
    ends = await JournalEntry.filter(
        roadmap_slug=slug, entity="feuille de route", operation="suppression"
    ).values_list("id", flat=True)
    refs = await (
        JournalEntry.filter(
            roadmap_slug=slug, entity=entity, operation="suppression", id__gt=max(ends, default=0)
        )
        .distinct()
        .order_by("entity_ref")  # PostgreSQL: a DISTINCT's ORDER BY must be in its columns
        .values_list("entity_ref", flat=True)
    )
    return [str(r) for r in refs]
