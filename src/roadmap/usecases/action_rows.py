"""The rows of the Actions screen: one SQL text for the ORM's connection and for the quick
read with plain sqlite3, before Tortoise is loaded (issue 15, as ``usecases.home``).

``queries.list_actions`` runs these statements through Tortoise's connection; ``read_first``
runs them on a short read-only sqlite3 connection, so the Actions screen opened in the
first instant shows its first screenful while Tortoise and the models are still loading.
Same statements, same conversion: the same rows in the same order. Reads only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from roadmap.domain.enums import ActionStatus
from roadmap.usecases.plain import days, read_only


@dataclass(frozen=True)
class ActionRow:
    ref: str
    title: str
    axe_ref: str
    axe_title: str
    pilot_code: str
    pilot_name: str
    owner_login: str
    owner_name: str
    status: ActionStatus
    start_date: date | None
    end_date: date | None
    contributors: tuple[str, ...]
    version: int


def rows_sql(where: str, limit: int | None) -> str:
    """The actions matching ``where`` (built from our own integers), in order."""
    return (
        "SELECT a.id, a.ref, a.title, ax.ref, ax.title, ps.code, ps.name, p.login, p.name, "
        "a.status, a.start_date, a.end_date, a.version "
        "FROM action a "
        "LEFT JOIN axe ax ON ax.id = a.axe_id "
        "JOIN service ps ON ps.id = a.pilot_service_id "
        "LEFT JOIN person p ON p.id = a.owner_id "
        f"WHERE {where} ORDER BY a.id" + ("" if limit is None else f" LIMIT {int(limit)}")
    )


def contributors_sql(where: str, rows: Sequence[Sequence[object]], limit: int | None) -> str:
    """The contributing services of those actions (of the ``rows`` read, with a limit)."""
    if limit is not None:
        ids = ", ".join(str(int(r[0])) for r in rows) or "NULL"  # type: ignore[call-overload]
        where += f" AND a.id IN ({ids})"
    return (
        "SELECT ac.action_id, s.code FROM action_contributor ac "
        "JOIN action a ON a.id = ac.action_id JOIN service s ON s.id = ac.service_id "
        f"WHERE {where}"
    )


def build_rows(
    rows: Iterable[Sequence[object]], contributor_rows: Iterable[Sequence[object]]
) -> list[ActionRow]:
    day = days()  # SQLite hands dates back as text, PostgreSQL as dates
    contributors: dict[int, list[str]] = {}
    for action_id, code in contributor_rows:
        contributors.setdefault(int(action_id), []).append(str(code))  # type: ignore[call-overload]
    return [
        ActionRow(
            ref=str(r[1]),
            title=str(r[2]),
            axe_ref=str(r[3] or ""),
            axe_title=str(r[4] or ""),
            pilot_code=str(r[5]),
            pilot_name=str(r[6]),
            owner_login=str(r[7] or ""),
            owner_name=str(r[8] or ""),
            status=ActionStatus(r[9]),
            start_date=day(r[10]),
            end_date=day(r[11]),
            contributors=tuple(sorted(contributors.get(int(r[0]), []))),  # type: ignore[call-overload]
            version=int(r[12]),  # type: ignore[call-overload]
        )
        for r in rows
    ]


def read_first(path: Path, slug: str, limit: int) -> list[ActionRow] | None:
    """The first ``limit`` actions of the roadmap, as ``list_actions(slug, limit=limit)``
    gives them; None when this read cannot tell (no such roadmap, unreadable file): the
    ORM's read then runs and says what is wrong."""
    try:
        with read_only(path) as con:
            found = con.execute("SELECT id FROM roadmap WHERE slug = ?", (slug,)).fetchone()
            if found is None:
                return None
            where = f"a.roadmap_id = {int(found[0])}"
            rows = con.execute(rows_sql(where, limit)).fetchall()
            return build_rows(rows, con.execute(contributors_sql(where, rows, limit)))
    except (sqlite3.Error, OSError, ValueError):
        return None
