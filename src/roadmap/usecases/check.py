"""Health alerts of a roadmap: what `roadmap check` prints and the dashboard shows."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from tortoise import connections

from roadmap.domain.enums import ActionStatus, JalonStatus, RoadmapStatus, Role, Side
from roadmap.domain.permissions import MAX_TRINOME
from roadmap.formatting import date_short, plural
from roadmap.models import Jalon, Membership, Roadmap
from roadmap.usecases.alert import Alert, Level
from roadmap.usecases.base import get_roadmap
from roadmap.usecases.instruction_alerts import instruction_alerts
from roadmap.usecases.plain import days


async def check_roadmap(slug: str, *, today: date | None = None) -> list[Alert]:
    roadmap = await get_roadmap(slug)
    today = today or date.today()
    alerts: list[Alert] = []

    def add(level: Level, code: str, message: str, ref: str = "") -> None:
        alerts.append(Alert(level, code, message, slug, ref))

    team = await Membership.filter(roadmap_id=roadmap.id).values_list("role", "side")
    trinome_sides = [side for role, side in team if role == Role.TRINOME]
    if len(trinome_sides) < MAX_TRINOME:
        add(
            Level.AVERTISSEMENT,
            "trinome-incomplet",
            f"trinôme incomplet : {plural(len(trinome_sides), 'membre')} sur {MAX_TRINOME}",
        )
    for side in (Side.POLITIQUE_DE_LA_VILLE, Side.DROIT_COMMUN):
        if side not in trinome_sides:
            add(
                Level.ERREUR,
                "trinome-cote-absent",
                f"aucun membre du trinôme côté {side.label.lower()}",
            )
        if not any(role == Role.DIRECTION and s == side for role, s in team):
            add(
                Level.AVERTISSEMENT,
                "portage-absent",
                f"pas de portage : aucun membre de la direction côté {side.label.lower()}",
            )

    conn = connections.get("default")
    roadmap_id = int(roadmap.id)  # from our own row: inlined in the plain SQL below
    _, actions = await conn.execute_query(
        'SELECT "ref", "title", "status", "owner_id", "end_date" FROM "action" '
        f'WHERE "roadmap_id" = {roadmap_id} ORDER BY "id"'
    )
    day = days()
    for ref, title, status, owner_id, end_date in actions:
        if status not in _OPEN_ACTION:
            continue
        if owner_id is None:
            add(
                Level.AVERTISSEMENT,
                "action-sans-responsable",
                f"action sans responsable : {title}",
                ref,
            )
        end = day(end_date)
        if end and end < today:
            add(
                Level.AVERTISSEMENT,
                "action-en-retard",
                f"échéance dépassée le {_short(end)} : {title}",
                ref,
            )
    dependencies = await _dependency_rows(roadmap_id)
    for row in dependencies:  # an action waiting for an abandoned action
        a_ref, on_a, on_status = row[0], row[7], row[10]
        if a_ref is not None and on_a is not None and on_status == ActionStatus.ABANDONNEE:
            add(
                Level.AVERTISSEMENT,
                "depend-d-une-action-abandonnee",
                f"{a_ref} dépend de {on_a}, abandonnée",
                a_ref,
            )

    for code, message, ref in _contradicted(dependencies):
        add(Level.AVERTISSEMENT, code, message, ref)
    for j in await Jalon.filter(roadmap_id=roadmap.id).order_by("current_date", "id"):
        if j.status == JalonStatus.PREVU and j.current_date < today:
            add(
                Level.ERREUR,
                "jalon-depasse",
                "jalon dépassé sans être tenu ni reporté : "
                f"{j.title} ({date_short(j.current_date)})",
                j.ref,
            )
        if j.current_date > roadmap.horizon:
            add(
                Level.ERREUR,
                "jalon-apres-horizon",
                f"jalon après l'horizon ({date_short(roadmap.horizon)}) : {j.title}",
                j.ref,
            )
    alerts.extend(await instruction_alerts(slug, today=today))
    return alerts


async def contradicted_dependencies(slug: str) -> list[str]:
    """« A6 commence le …, avant la fin de A5 … » for every contradicted dependency."""
    roadmap = await get_roadmap(slug)
    rows = await _dependency_rows(int(roadmap.id))
    return [message for _code, message, _ref in _contradicted(rows)]


# The columns of a dependency's two ends (the dependent, then its prerequisite): the ref,
# dates and status of an action, then those of a jalon; the side that is not used is NULL.
_END_COLUMNS = (
    '{a}."ref", {a}."start_date", {a}."end_date", {a}."status", '
    '{j}."ref", {j}."current_date", {j}."status"'
)
DEPENDENCY_SQL = (
    "SELECT "
    + _END_COLUMNS.format(a='"a"', j='"j"')
    + ", "
    + _END_COLUMNS.format(a='"on_a"', j='"on_j"')
    + ' FROM "dependency" "d"'
    ' LEFT JOIN "action" "a" ON "a"."id" = "d"."action_id"'
    ' LEFT JOIN "jalon" "j" ON "j"."id" = "d"."jalon_id"'
    ' LEFT JOIN "action" "on_a" ON "on_a"."id" = "d"."on_action_id"'
    ' LEFT JOIN "jalon" "on_j" ON "on_j"."id" = "d"."on_jalon_id"'
    ' WHERE "d"."roadmap_id" = {roadmap_id} ORDER BY "d"."id"'
)


async def _dependency_rows(roadmap_id: int) -> list[tuple[Any, ...]]:
    """Every dependency of the roadmap with both ends' ref, dates and status, in creation
    order, as the driver hands them (dates: text on SQLite, ``date`` on PostgreSQL;
    statuses as text): only the dates compared are converted, by ``_contradicted``.

    Plain SQL: through Tortoise's ``values_list`` the same 8,000 rows cost a third of a
    second at 10,000 actions, most of it parsing 32,000 dates one by one (RISKS 19)."""
    _, rows = await connections.get("default").execute_query(
        DEPENDENCY_SQL.format(roadmap_id=int(roadmap_id))
    )
    return [tuple(row) for row in rows]


_FINISHED = frozenset(
    {ActionStatus.TERMINEE, ActionStatus.ABANDONNEE, JalonStatus.TENU, JalonStatus.ANNULE}
)
_OPEN_ACTION = frozenset(status for status in ActionStatus if status.is_open)
_short = lru_cache(maxsize=4096)(date_short)  # thousands of alerts, a few hundred days


def _contradicted(rows: list[tuple[Any, ...]]) -> list[tuple[str, str, str]]:
    """Dependencies whose stored dates contradict them (a re-routing that kept the
    dependents' dates, an import, an edit): (code, message, ref of the dependent)."""
    found = []
    day = days()
    for a_ref, a_start, a_end, a_st, j_ref, j_day, j_st, *prerequisite in rows:
        on_a, on_a_start, on_a_end, on_a_st, on_j, on_j_day, on_j_st = prerequisite
        ref, start, status = (a_ref, a_start or a_end, a_st) if a_ref else (j_ref, j_day, j_st)
        on, end, on_status = (
            (on_a, on_a_end or on_a_start, on_a_st) if on_a else (on_j, on_j_day, on_j_st)
        )
        if status in _FINISHED or on_status in (ActionStatus.ABANDONNEE, JalonStatus.ANNULE):
            continue
        if not (start and end):
            continue
        start, end = day(start), day(end)
        if start < end:
            found.append((
                "dependance-contredite",
                f"{ref} commence le {_short(start)}, avant la fin de {on} "
                f"dont {'elle' if a_ref else 'il'} dépend ({_short(end)})",
                str(ref),
            ))  # fmt: skip
    return sorted(found, key=lambda x: x[2])


async def check_all(*, today: date | None = None) -> list[Alert]:
    slugs = (
        await Roadmap.filter(status=RoadmapStatus.ACTIVE)
        .order_by("slug")
        .values_list("slug", flat=True)
    )
    alerts: list[Alert] = []
    for slug in slugs:
        alerts.extend(await check_roadmap(str(slug), today=today))
    return alerts
