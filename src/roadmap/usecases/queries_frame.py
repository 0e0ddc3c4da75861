"""Read models for the TUI frame's screens (Accueil, Actions) not covered by ``queries``.

Kept apart from ``queries`` (owned by the lead) so the frame author does not edit it.
"""

from __future__ import annotations

from datetime import date

from tortoise import connections

from roadmap.domain.enums import ActionStatus, ServiceKind
from roadmap.models import JournalEntry, Service
from roadmap.usecases.base import get_roadmap
from roadmap.usecases.queries import ActionRow, Choice


async def service_choices(kind: ServiceKind | None = None) -> list[Choice]:
    """Active services, by name, optionally of one kind (for the roadmap creation form)."""
    query = Service.filter(archived=False)
    if kind is not None:
        query = query.filter(kind=kind)
    rows = await query.order_by("name").values_list("code", "name")
    return [Choice(str(code), f"{name} ({code})") for code, name in rows]


def _day(value: object) -> date | None:
    # SQLite hands dates back as text, PostgreSQL as dates.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


async def list_actions_fast(slug: str) -> list[ActionRow]:
    """Same rows as ``queries.list_actions``, read with two plain SQL statements.

    Tortoise's ``values()`` costs 8-19× raw SQL on large tables (RISKS 19); the Actions
    screen must show 5,000 actions about as fast as 50.
    """
    roadmap = await get_roadmap(slug)
    conn = connections.get("default")
    roadmap_id = int(roadmap.id)  # an integer from our own row: safe to inline
    _, contributor_rows = await conn.execute_query(
        "SELECT ac.action_id, s.code FROM action_contributor ac "
        "JOIN action a ON a.id = ac.action_id JOIN service s ON s.id = ac.service_id "
        f"WHERE a.roadmap_id = {roadmap_id}"
    )
    contributors: dict[int, list[str]] = {}
    for action_id, code in contributor_rows:
        contributors.setdefault(int(action_id), []).append(str(code))
    _, rows = await conn.execute_query(
        "SELECT a.id, a.ref, a.title, ax.ref, ax.title, ps.code, ps.name, p.login, p.name, "
        "a.status, a.start_date, a.end_date, a.version "
        "FROM action a "
        "LEFT JOIN axe ax ON ax.id = a.axe_id "
        "JOIN service ps ON ps.id = a.pilot_service_id "
        "LEFT JOIN person p ON p.id = a.owner_id "
        f"WHERE a.roadmap_id = {roadmap_id} ORDER BY a.id"
    )
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
            start_date=_day(r[10]),
            end_date=_day(r[11]),
            contributors=tuple(sorted(contributors.get(int(r[0]), []))),
            version=int(r[12]),
        )
        for r in rows
    ]


async def change_marker() -> int:
    """The newest journal id: every write journals, so a new value means "something changed".

    Works the same on SQLite and PostgreSQL (RISKS 10 suggests PRAGMA data_version or
    LISTEN/NOTIFY; the journal makes one cheap indexed query enough for both).
    """
    newest = await JournalEntry.all().order_by("-id").first().values_list("id", flat=True)
    return int(newest or 0)  # type: ignore[call-overload]
