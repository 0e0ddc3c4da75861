"""The journal's hash chain and the database objects that protect it.

Each journal row carries ``hash`` = SHA-256 of the previous row's hash and of the row's
canonical serialisation: ``len:value`` for each field of ``FIELDS``, lengths in UTF-8 bytes,
the time as UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``. Rewriting, inserting or removing a row out
of band breaks the chain from that row on (``verify.py`` finds it). The serialisation is a
contract between this module and the PostgreSQL trigger below: change both or neither.

On SQLite the application computes the hash inside its write transaction (BEGIN IMMEDIATE
holds the write lock). On PostgreSQL a BEFORE INSERT trigger does it under a
transaction-level advisory lock, and also stamps the author (``current_user``) and the time
(transaction time), so that even a direct INSERT cannot claim someone else's identity.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

FIELDS = (
    "id",
    "at",
    "actor",
    "roadmap_slug",
    "entity",
    "entity_ref",
    "operation",
    "field",
    "old_value",
    "new_value",
    "reason",
)
COLUMNS = (*FIELDS, "hash")
CHAIN_LOCK = 727275  # pg_advisory_xact_lock key serialising journal inserts


def canonical_time(value: Any) -> str:
    """UTC with microseconds; a text that is not a date (forged) is kept as it is."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return "" if value is None else str(value)


def row_hash(previous: str, row: Sequence[Any]) -> str:
    """The hash of one row (values in ``FIELDS`` order) chained to ``previous``."""
    parts = [previous, "|"]
    for name, value in zip(FIELDS, row, strict=True):
        text = canonical_time(value) if name == "at" else ("" if value is None else str(value))
        parts.append(f"{len(text.encode('utf-8'))}:{text}")
    return hashlib.sha256("".join(parts).encode("utf-8")).hexdigest()


# --- protections: what the database itself enforces --------------------------------------

_APPEND_ONLY = "le journal est en ajout seul"

SQLITE_TRIGGERS: dict[str, str] = {
    "journal_no_update": f"""CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
    BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END""",
    "journal_no_delete": f"""CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
    BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END""",
    "journal_needs_hash": """CREATE TRIGGER journal_needs_hash BEFORE INSERT ON journal
    WHEN NEW.hash IS NULL OR length(NEW.hash) <> 64
    BEGIN SELECT RAISE(ABORT, 'ligne de journal sans empreinte : passez par l''application');
    END""",
}

# Function bodies are compared with pg_proc.prosrc by ``verify``: keep them byte-stable.
PG_FUNCTIONS: dict[str, tuple[str, str]] = {
    "journal_append_only": (
        "RETURNS trigger LANGUAGE plpgsql",
        f" BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END ",
    ),
    "journal_chain": (
        "RETURNS trigger LANGUAGE plpgsql",
        f"""
DECLARE
    previous text;
    last_id integer;
    payload text;
BEGIN
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK});
    SELECT j.id, j.hash INTO last_id, previous FROM journal j ORDER BY j.id DESC LIMIT 1;
    NEW.id := coalesce(last_id, 0) + 1;
    NEW.actor := current_user;
    NEW.at := transaction_timestamp();
    payload := coalesce(previous, '') || '|';
    payload := payload || octet_length(NEW.id::text) || ':' || NEW.id::text;
    payload := payload || journal_field(to_char(NEW.at AT TIME ZONE 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'));
    payload := payload || journal_field(NEW.actor) || journal_field(NEW.roadmap_slug)
        || journal_field(NEW.entity) || journal_field(NEW.entity_ref)
        || journal_field(NEW.operation) || journal_field(NEW.field)
        || journal_field(NEW.old_value) || journal_field(NEW.new_value)
        || journal_field(NEW.reason);
    NEW.hash := encode(sha256(convert_to(payload, 'UTF8')), 'hex');
    RETURN NEW;
END
""",
    ),
    "journal_field": (
        "(value text) RETURNS text LANGUAGE sql IMMUTABLE",
        " SELECT octet_length(coalesce(value, '')) || ':' || coalesce(value, '') ",
    ),
}
PG_TRIGGERS: dict[str, str] = {
    "journal_no_rewrite": """CREATE TRIGGER journal_no_rewrite BEFORE UPDATE OR DELETE ON journal
    FOR EACH ROW EXECUTE FUNCTION journal_append_only()""",
    "journal_no_truncate": """CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal
    FOR EACH STATEMENT EXECUTE FUNCTION journal_append_only()""",
    "journal_chain": """CREATE TRIGGER journal_chain BEFORE INSERT ON journal
    FOR EACH ROW EXECUTE FUNCTION journal_chain()""",
}


def pg_function_sql(name: str) -> str:
    signature, body = PG_FUNCTIONS[name]
    args = "" if signature.startswith("(") else "()"
    return f"CREATE OR REPLACE FUNCTION {name}{args} {signature} AS $body${body}$body$"


def pg_protection_sql() -> list[str]:
    """Every function and trigger, (re)created; safe to run again."""
    statements = [pg_function_sql(n) for n in ("journal_field", "journal_append_only")]
    statements.append(pg_function_sql("journal_chain"))
    for name, sql in PG_TRIGGERS.items():
        statements.append(f"DROP TRIGGER IF EXISTS {name} ON journal")
        statements.append(sql)
    return statements


def sqlite_protection_sql() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS] + list(
        SQLITE_TRIGGERS.values()
    )
