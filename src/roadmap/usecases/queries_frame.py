"""Small reads of the app frame: service lists for the roadmap form, the change marker."""

from __future__ import annotations

from roadmap.domain.enums import ServiceKind
from roadmap.domain.errors import PermissionDenied
from roadmap.domain.permissions import Capability
from roadmap.models import JournalEntry, Service
from roadmap.usecases.base import authorize
from roadmap.usecases.identity import Actor
from roadmap.usecases.queries import Choice


async def service_choices(kind: ServiceKind | None = None) -> list[Choice]:
    """Active services, by name, optionally of one kind (for the roadmap creation form)."""
    query = Service.filter(archived=False)
    if kind is not None:
        query = query.filter(kind=kind)
    rows = await query.order_by("name").values_list("code", "name")
    return [Choice(str(code), f"{name} ({code})") for code, name in rows]


async def change_marker() -> int:
    """The newest journal id: every write journals, so a new value means "something changed".

    Works the same on SQLite and PostgreSQL (RISKS 10 suggests PRAGMA data_version or
    LISTEN/NOTIFY; the journal makes one cheap indexed query enough for both).
    """
    newest = await JournalEntry.all().order_by("-id").first().values_list("id", flat=True)
    return int(newest or 0)  # type: ignore[call-overload]


async def refusal_for(actor: Actor, slug: str, capability: Capability) -> str:
    """Why the actor may not do this in the roadmap ("" if allowed), for a key (not a form:
    forms ask ``usecases.may`` through their ``check``). The same ``authorize`` as the use
    cases; only a hint for the screen: the use case checks again when saving.
    """
    try:
        await authorize(actor, slug, capability)
    except PermissionDenied as refusal:
        return refusal.message
    return ""
