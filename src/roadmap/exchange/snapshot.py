"""Read every table an export needs in one transaction, with plain SQL (RISKS 19).

Tortoise is imported where the reading happens: the export's helper process, which only
builds documents from a Snapshot, never loads it (less memory, faster start).

One transaction gives a consistent set of files: on SQLite a read transaction on a plain
sqlite3 connection (WAL: its first statement fixes what every later one sees, and writers
go on meanwhile), within an import our write transaction (BEGIN IMMEDIATE); on PostgreSQL
the transaction is REPEATABLE READ so every statement sees the same snapshot.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roadmap.domain.errors import StorageError
from roadmap.exchange.journal_heads import HEADS_SQL, JournalHeads
from roadmap.exchange.manifest import POSITION_SQL, position_of

Row = dict[str, Any]


@dataclass(frozen=True)
class JournalChange:
    roadmap: str
    entity: str
    ref: str
    operation: str


# table → columns read; quoted because "current_date" is an SQL keyword.
TABLES: dict[str, tuple[str, ...]] = {
    "service": ("id", "code", "name", "kind", "parent_id", "archived"),
    "person": ("id", "login", "name", "email", "service_id", "active"),
    "qpv": ("id", "code", "name", "commune"),
    "territoire": ("id", "code", "name"),
    "roadmap": (
        "id", "slug", "title", "destination", "horizon", "status", "pv_service_id",
        "dc_service_id", "territoire_id",
    ),
    "membership": ("roadmap_id", "person_id", "role", "side"),
    "axe": ("id", "roadmap_id", "ref", "title", "description", "position"),
    "action": (
        "id", "roadmap_id", "ref", "axe_id", "title", "description", "pilot_service_id",
        "owner_id", "status", "start_date", "end_date", "pillar",
    ),
    "action_contributor": ("action_id", "service_id"),
    "action_qpv": ("action_id", "qpv_id"),
    "engagement": (
        "id", "action_id", "service_id", "kind", "amount", "period_start", "period_end",
        "description",
    ),
    "jalon": (
        "id", "roadmap_id", "ref", "title", "kind", "planned_date", "current_date", "status",
        "description",
    ),
    "jalon_invite": ("jalon_id", "service_id", "person_id"),
    "dependency": ("roadmap_id", "action_id", "jalon_id", "on_action_id", "on_jalon_id"),
    "adjustment": (
        "roadmap_id", "action_id", "jalon_id", "field", "old_value", "new_value", "reason",
        "kind", "author", "created_at", "cause",
    ),
    "comment": ("roadmap_id", "action_id", "jalon_id", "kind", "text", "author", "created_at"),
    "indicator": ("id", "roadmap_id", "ref", "name", "unit", "axe_id", "description"),
    "indicator_value": ("indicator_id", "observed_on", "value", "comment", "author", "created_at"),
    "qualitative_record": (
        "roadmap_id", "axe_id", "observed_on", "text", "source", "author", "created_at",
    ),
    "campagne": ("id", "year", "title", "opens_on", "closes_on", "territoire_id"),
    "campagne_roadmap": ("campagne_id", "roadmap_id", "axe_id"),
    "campagne_instructor": ("campagne_id", "service_id"),
    "dossier": (
        "id", "campagne_id", "ref", "porteur", "title", "summary", "roadmap_id", "action_id",
        "axe_id", "pillar", "total_budget", "amount_asked", "state", "avis_deadline",
        "state_reason",
    ),
    "dossier_qpv": ("dossier_id", "qpv_id"),
    "financement_line": ("dossier_id", "financeur_id", "asked", "granted"),
    "dossier_instructor": ("dossier_id", "service_id"),
    "avis": ("dossier_id", "service_id", "person_id", "value", "comment", "given_at", "current"),
    "decision": (
        "dossier_id", "outcome", "motivation", "revision_reason", "decided_by", "decided_at",
        "current",
    ),
    "baseline": ("roadmap_id", "name", "taken_at", "taken_by", "jalon_ref", "content"),
    "releve_decision": (
        "id", "roadmap_id", "jalon_id", "ref", "text", "carrier_id", "due_date", "status",
        "created_at", "created_by", "done_at", "done_by",
    ),
    "releve_link": ("decision_id", "action_id", "jalon_id"),
    "proposition": (
        "id", "service_code", "author", "roadmap_slug", "item_kind", "item_ref", "field",
        "base_value", "proposed_value", "status", "motive", "decided_by", "decided_at",
    ),
    "instance": ("code",),  # one row, drawn by migration 0010: calendar UIDs carry it
}  # fmt: skip


@dataclass
class Snapshot:
    """Rows by table, plus the indexes the document builders need."""

    tables: dict[str, list[Row]]
    position: dict[str, Any] = field(default_factory=dict)  # journal position of the read
    changes: list[JournalChange] | None = None  # journal rows asked for (changes_after)
    journal: JournalHeads = field(default_factory=JournalHeads)  # heads the files carry
    # Set when only the rows of some files were read (scoped_read.py): plan.Targets.
    targets: Any = None
    by_id: dict[str, dict[int, Row]] = field(default_factory=dict)
    children: dict[tuple[str, str], dict[Any, list[Row]]] = field(default_factory=dict)

    def rows(self, table: str) -> list[Row]:
        return self.tables[table]

    def __post_init__(self) -> None:
        for table, columns in TABLES.items():
            if columns[0] == "id":
                self.by_id[table] = {r["id"]: r for r in self.tables[table]}

    @property
    def instance(self) -> str:
        """This database's id (migration 0010), for calendar UIDs."""
        rows = self.tables.get("instance") or []
        if not rows:
            raise StorageError(
                "l'identifiant de cette base (table instance) manque : il a été supprimé "
                "hors de l'application ; les agendas ne peuvent pas être écrits sans lui"
            )
        return str(rows[0]["code"])

    def get(self, table: str, row_id: int | None) -> Row | None:
        return self.by_id[table].get(row_id)  # type: ignore[arg-type]

    def column(self, table: str, name: str) -> dict[int, Any]:
        """id → one column (codes, logins, refs): the lookups every item makes."""
        key = (table, "=" + name)
        if key not in self.children:
            self.children[key] = {r["id"]: r[name] for r in self.tables[table]}  # type: ignore[misc]
        return self.children[key]  # type: ignore[return-value]

    def of(self, table: str, column: str, key: Any) -> list[Row]:
        """Rows of ``table`` whose ``column`` equals ``key`` (indexed on first use)."""
        index = self.children.get((table, column))
        if index is None:
            index = self.index(table, column)
        return index.get(key, [])

    def index(self, table: str, column: str) -> dict[Any, list[Row]]:
        """``column`` value → rows of ``table``, for loops that would call ``of`` per item
        (fetch it once, then ``.get(key, ())``)."""
        index = self.children.get((table, column))
        if index is None:
            grouped: dict[Any, list[Row]] = defaultdict(list)
            for row in self.tables[table]:
                grouped[row[column]].append(row)
            index = self.children[(table, column)] = dict(grouped)
        return index


def as_rows(columns: tuple[str, ...], found: Any, strings: dict[str, str]) -> list[Row]:
    """Rows as dicts, each distinct string kept once (``strings``): statuses, dates, logins
    and codes repeat across thousands of rows; one object each saves memory here and in
    the helper process (pickle sends a shared object once)."""
    if not found:
        return []
    make = _row_maker(columns)
    keep = strings.setdefault
    return [make(r, keep) for r in found]


_makers: dict[tuple[str, ...], Any] = {}


def _row_maker(columns: tuple[str, ...]) -> Any:
    """A function turning one fetched row into its dict, written out for these columns:
    ``{"id": r[0], "code": <r[1], kept once if text>, ...}`` builds the dict at its final
    size in one step, twice as fast as ``dict(zip(columns, ...))`` over 150,000 rows.
    The names come from TABLES (repr-quoted), never from the data."""
    make = _makers.get(columns)
    if make is None:
        values = ", ".join(
            f"{name!r}: v{i} if (v{i} := r[{i}]).__class__ is not str else keep(v{i}, v{i})"
            for i, name in enumerate(columns)
        )
        make = _makers[columns] = eval(f"lambda r, keep: {{{values}}}")
    return make


@dataclass
class Scoping:
    """What an incremental export knows before reading: its folder, the previous set's
    files and journal count (see scoped_read.py)."""

    out_dir: Path
    files: list[str]
    count: int


async def read_snapshot(
    *,
    within_write: bool = False,
    changes_after: int | None = None,
    scoping: Scoping | None = None,
) -> Snapshot:
    """All export tables, read in one consistent transaction.

    ``within_write``: called inside a write unit (import), whose transaction already
    gives a consistent view; the isolation level can only be set by the outermost one.
    ``changes_after``: also read the journal rows after this id (``Snapshot.changes``).
    ``scoping`` (with ``changes_after``): read only the rows of the files these changes
    may touch, when the journal tells them all (``Snapshot.targets`` then says which).

    On SQLite (outside a write unit) the rows come through a plain sqlite3 connection
    to the same file, in one read transaction (WAL: the first SELECT fixes what it sees,
    and writers are not held up meanwhile): aiosqlite hands each of the 30 to 80
    statements to its thread and back, which cost CPU and, on a busy machine, wall time.
    """
    import asyncio  # here: an export started before the ORM reads without it (export.py)

    from tortoise import connections
    from tortoise.exceptions import BaseORMException
    from tortoise.transactions import in_transaction

    try:
        file = None if within_write else _sqlite_file(connections.get("default"))
        if file is not None:  # in a thread, as aiosqlite did: a TUI worker keeps the screen live
            return await asyncio.to_thread(_read_plain, file, changes_after, scoping)
        async with in_transaction() as conn:
            if conn.capabilities.dialect == "postgres" and not within_write:
                await conn.execute_script(
                    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                )
            return await _read(conn, changes_after, scoping)
    except (BaseORMException, sqlite3.Error) as exc:
        raise StorageError(f"lecture de la base impossible pour l'export : {exc}") from exc


def _sqlite_file(client: Any) -> str | None:
    """The file of a SQLite connection (None: another backend, or a memory database)."""
    if client.capabilities.dialect != "sqlite":
        return None
    name = str(getattr(client, "filename", "") or "")
    return name if name and name != ":memory:" and Path(name).is_file() else None


def read_plain_snapshot(file: Path, migrations: set[str]) -> Snapshot | None:
    """Every export table of a SQLite file, read with the standard library alone: no ORM,
    no event loop (export.head_start). None when the file cannot be read, or when one of
    ``migrations`` is not applied yet (the command applies it first, then reads)."""
    from roadmap.migrations import applied

    try:
        if not file.is_file():
            return None  # sqlite3.connect would create it
        with contextlib.closing(sqlite3.connect(file.as_uri() + "?mode=rw", uri=True)) as con:
            if not migrations <= applied(con):
                return None
        return _read_plain(str(file), None, None)
    except (sqlite3.Error, OSError):
        return None


def _read_plain(file: str, changes_after: int | None, scoping: Scoping | None) -> Snapshot:
    with contextlib.closing(sqlite3.connect(file, timeout=10)) as con:
        con.isolation_level = None
        con.execute("BEGIN")
        try:
            reading = _read(PlainSqlite(con), changes_after, scoping)
            try:
                reading.send(None)  # PlainSqlite never suspends: it runs to its end here
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            reading.close()
            raise RuntimeError("lecture suspendue")  # pragma: no cover
        finally:
            con.execute("ROLLBACK")  # read only: nothing to keep


class _Capabilities:
    dialect = "sqlite"


class PlainSqlite:
    """A sqlite3 connection answering the one call the readers make of a Tortoise one."""

    capabilities = _Capabilities()

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    async def execute_query(self, sql: str, values: list[Any] | None = None) -> tuple[int, Any]:
        rows = self.con.execute(sql, values or ()).fetchall()
        return len(rows), rows


async def _read(conn: Any, changes_after: int | None, scoping: Scoping | None) -> Snapshot:
    from roadmap.exchange.scoped_read import read_changed

    position = await _position(conn)
    changes = None if changes_after is None else await _changes(conn, changes_after)
    scoped = None
    # Every row after the previous position is among the changes read (a row
    # committed late, below it, would be missed: then read everything).
    if scoping and changes is not None and position["nombre"] - scoping.count == len(changes):
        scoped = await read_changed(conn, changes, scoping.out_dir, scoping.files)
    if scoped is None:
        tables: dict[str, list[Row]] = {}
        strings: dict[str, str] = {}
        for table, columns in TABLES.items():
            sql = 'SELECT {} FROM "{}"'.format(", ".join(f'"{c}"' for c in columns), table)
            _, rows = await conn.execute_query(sql)
            tables[table] = as_rows(columns, rows, strings)
        targets = None
    else:
        tables, targets = scoped
    _, rows = await conn.execute_query(HEADS_SQL)
    heads = JournalHeads.from_rows(tuple(r) for r in rows)
    return Snapshot(tables, position, changes, heads, targets=targets)


# --- the journal position: what the export has seen of the history (manifest.py) ----------


async def _position(conn: Any) -> dict[str, Any]:
    _, rows = await conn.execute_query(POSITION_SQL)
    return position_of(rows[0])


async def read_position() -> dict[str, Any]:
    """The journal position now (one statement, for the "nothing changed" check)."""
    from tortoise import connections
    from tortoise.exceptions import BaseORMException

    try:
        return await _position(connections.get("default"))
    except (BaseORMException, sqlite3.Error) as exc:
        raise StorageError(f"lecture du journal impossible pour l'export : {exc}") from exc


async def _changes(conn: Any, after_id: int) -> list[JournalChange]:
    """The journal rows after ``after_id``: what an incremental export must redo."""
    sql = (
        'SELECT "roadmap_slug", "entity", "entity_ref", "operation" FROM "journal" '
        f'WHERE "id" > {int(after_id)} ORDER BY "id"'
    )
    _, rows = await conn.execute_query(sql)
    return [JournalChange(*(str(v or "") for v in tuple(r))) for r in rows]
