"""Alerts of the subsidy instruction, for ``roadmap check`` and the dashboard."""

from __future__ import annotations

from datetime import date

from roadmap.models import (
    Dossier,
)
from roadmap.usecases.alert import Alert, Level
from roadmap.usecases.instruction_rows import facts_and_rows


async def instruction_alerts(
    roadmap_slug: str | None = None, today: date | None = None
) -> list[Alert]:
    """Alerts of every dossier (of one roadmap), for ``roadmap check`` and the dashboard."""
    query = Dossier.all().order_by("ref")
    if roadmap_slug:
        query = query.filter(roadmap__slug=roadmap_slug)
    rows = await facts_and_rows(list(await query), today or date.today())
    return [
        Alert(Level(a.level.value), a.code, a.message, a.roadmap, a.ref)
        for r in rows
        for a in r.alerts
    ]
