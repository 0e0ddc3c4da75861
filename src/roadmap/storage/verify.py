"""``roadmap db verify``: recompute the journal chain, check the protections are in place.

Reads with plain SQL through Tortoise's connection (RISKS 19) and reports in French the
first row that was inserted, changed or removed out of band, and any missing protection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tortoise import connections

from roadmap.formatting import agree
from roadmap.storage.chain import (
    COLUMNS,
    PG_FUNCTIONS,
    PG_TRIGGERS,
    SQLITE_TRIGGERS,
    pg_protection_sql,
    row_hash,
    sqlite_protection_sql,
)
from roadmap.storage.instance_guard import instance_problems, restore_instance_protection


@dataclass
class ChainReport:
    rows: int = 0
    head: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _dialect() -> str:
    return str(connections.get("default").capabilities.dialect)


def _describe(row: tuple[Any, ...]) -> str:
    at = str(row[1])[:19]
    return f"ligne n° {row[0]} ({at}, {row[2] or '?'} : {row[6]} {row[4]} {row[5]})".rstrip()


def _first_break(rows: list[tuple[Any, ...]], index: int, previous: str) -> str:
    """Say what most likely happened at ``rows[index]``, whose hash does not follow.

    Ids are contiguous (each insert takes the last id + 1 under the write lock), so a gap
    means rows were deleted. Otherwise the row's content no longer matches its hash: it
    was changed, or inserted with a made-up hash (the application then chained the next
    rows onto it, so the two look alike).
    """
    row = rows[index]
    stored = str(row[-1] or "")
    following = rows[index + 1] if index + 1 < len(rows) else None
    prev_id = int(rows[index - 1][0]) if index else 0
    follows_stored = following is not None and row_hash(stored, following[:-1]) == following[-1]
    if int(row[0]) != prev_id + 1:
        several = row[0] > prev_id + 2
        gone = f"n° {prev_id + 1}" + (f" à {row[0] - 1}" if several else "")
        doubt = "" if follows_stored or following is None else f", ou ligne n° {row[0]} modifiée"
        return (
            f"{'lignes' if several else 'ligne'} {gone} "
            f"{'supprimées' if several else 'supprimée'} hors de l'application{doubt} "
            f"(la chaîne ne se raccorde plus avant la ligne n° {row[0]})"
        )
    if not stored:
        return f"{_describe(row)} : insérée hors de l'application (sans empreinte)"
    return (
        f"{_describe(row)} : modifiée ou insérée hors de l'application "
        "(son contenu ne correspond pas à son empreinte)"
    )


async def verify_chain() -> ChainReport:
    """Recompute every hash in id order; report the first row that does not follow."""
    columns = ", ".join(f'"{c}"' for c in COLUMNS)
    _, raw = await connections.get("default").execute_query(
        f"SELECT {columns} FROM journal ORDER BY id"
    )
    rows = [tuple(r) for r in raw]
    report = ChainReport(rows=len(rows))
    previous = ""
    for index, row in enumerate(rows):
        if row_hash(previous, row[:-1]) != row[-1]:
            report.problems.append("journal : " + _first_break(rows, index, previous))
            break
        previous = str(row[-1])
    report.head = previous if report.ok else ""
    return report


async def missing_protections() -> list[str]:
    """French descriptions of every protection of the journal that is absent or altered."""
    conn = connections.get("default")
    problems: list[str] = []
    if _dialect() == "sqlite":
        _, cols = await conn.execute_query("PRAGMA table_info(journal)")
        _, found = await conn.execute_query(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'journal'"
        )
        triggers = {str(r[0]): str(r[1]) for r in found}
        for name, sql in SQLITE_TRIGGERS.items():
            if name not in triggers:
                problems.append(f"protection absente : le déclencheur {name} a été supprimé")
            elif triggers[name] != sql:
                problems.append(f"protection modifiée : le déclencheur {name} a été changé")
        extra = sorted(set(triggers) - set(SQLITE_TRIGGERS))
        names = [str(r[1]) for r in cols]
    else:
        _, cols = await conn.execute_query(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'journal'"
        )
        _, found = await conn.execute_query(
            "SELECT tgname, tgenabled FROM pg_trigger "
            "WHERE tgrelid = 'journal'::regclass AND NOT tgisinternal"
        )
        triggers = {str(r[0]): str(r[1]) for r in found}
        for name in PG_TRIGGERS:
            if name not in triggers:
                problems.append(f"protection absente : le déclencheur {name} a été supprimé")
            elif triggers[name] == "D":
                problems.append(f"protection désactivée : le déclencheur {name} est désactivé")
        _, bodies = await conn.execute_query(
            "SELECT proname, prosrc FROM pg_proc "
            "WHERE pronamespace = current_schema()::regnamespace"
        )
        sources = {str(r[0]): str(r[1]) for r in bodies}
        for name, (_, body) in PG_FUNCTIONS.items():
            if name not in sources:
                problems.append(f"protection absente : la fonction {name} a été supprimée")
            elif sources[name] != body:
                problems.append(f"protection modifiée : la fonction {name} a été changée")
        extra = sorted(set(triggers) - set(PG_TRIGGERS))
        names = [str(r[0]) for r in cols]
    if extra:
        what = agree(len(extra), "déclencheur inattendu", "déclencheurs inattendus")
        problems.append(f"schéma modifié : {what} sur le journal : {extra}")
    if sorted(names) != sorted(COLUMNS):
        problems.append(
            f"schéma modifié : colonnes du journal {sorted(names)} au lieu de {sorted(COLUMNS)}"
        )
    return problems + await instance_problems()


async def restore_protections() -> None:
    """Re-create the journal's triggers (and functions): run by ``db upgrade``."""
    conn = connections.get("default")
    statements = sqlite_protection_sql() if _dialect() == "sqlite" else pg_protection_sql()
    for statement in statements:
        await conn.execute_script(statement)
    await restore_instance_protection()


async def journal_heads() -> dict[str, str]:
    """Roadmap slug → hash of the latest journal row concerning it."""
    _, rows = await connections.get("default").execute_query(
        "SELECT j.roadmap_slug, j.hash FROM journal j JOIN "
        "(SELECT roadmap_slug, max(id) AS id FROM journal GROUP BY roadmap_slug) last "
        "ON j.id = last.id WHERE j.roadmap_slug <> ''"
    )
    return {str(r[0]): str(r[1]) for r in rows}


async def head_problem(path: Path) -> str | None:
    """Why the journal head kept in an exported file is not (or no longer) in the journal."""
    found = _HEAD.search(_first_bytes(path))
    if found is None:
        return f"{path} : pas de tête du journal (generation.journal) dans ce fichier"
    digest = found.group(1).decode()
    _, rows = await connections.get("default").execute_query(
        f"SELECT id FROM journal WHERE hash = '{digest}'"  # 64 hex digits, matched above
    )
    if not rows:
        return (
            f"{path} : sa tête du journal sha256:{digest[:12]}… ne figure plus dans le "
            "journal : l'historique jusqu'à cette ligne a été réécrit"
        )
    return None


_HEAD = re.compile(rb'^journal = "sha256:([0-9a-f]{64})"$', re.MULTILINE)


def _first_bytes(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(8192)
    except OSError as exc:
        return f"illisible : {exc.strerror}".encode()
