"""Read models for the TUI frame's screens (Accueil, Actions) not covered by ``queries``.

Kept apart from ``queries`` (owned by the lead) so the frame author does not edit it.
"""

from __future__ import annotations

from roadmap.domain.enums import ServiceKind
from roadmap.models import Service
from roadmap.usecases.queries import Choice


async def service_choices(kind: ServiceKind | None = None) -> list[Choice]:
    """Active services, by name, optionally of one kind (for the roadmap creation form)."""
    query = Service.filter(archived=False)
    if kind is not None:
        query = query.filter(kind=kind)
    rows = await query.order_by("name").values_list("code", "name")
    return [Choice(str(code), f"{name} ({code})") for code, name in rows]
