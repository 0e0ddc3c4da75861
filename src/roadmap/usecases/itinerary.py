"""Ajustements d'itinéraire: every change of a date or scope, kept with its reason."""

from __future__ import annotations

from typing import Any

from roadmap.domain.enums import AdjustmentKind
from roadmap.models import Action, Adjustment, Jalon, Roadmap
from roadmap.usecases.base import field_label, journal, now, show
from roadmap.usecases.identity import Actor


async def record_adjustment(
    actor: Actor,
    roadmap: Roadmap,
    *,
    field: str,
    old: Any,
    new: Any,
    reason: str,
    kind: AdjustmentKind,
    action: Action | None = None,
    jalon: Jalon | None = None,
    journaled: bool = True,
) -> None:
    """Keep the re-routing (old → new, reason, nature, who, when) and journal it.

    ``journaled=False`` when the caller journals the whole edit itself.
    """
    label = field_label(field)
    await Adjustment.create(
        roadmap=roadmap,
        action=action,
        jalon=jalon,
        field=label,
        old_value=show(old),
        new_value=show(new),
        reason=reason,
        kind=kind,
        author=actor.login,
        created_at=now(),
    )
    if journaled:
        target = action or jalon
        await journal(
            actor,
            roadmap=roadmap.slug,
            entity="action" if action else "jalon" if jalon else "feuille de route",
            ref=target.ref if target else roadmap.slug,
            operation="ajustement",
            field=field,
            old=old,
            new=new,
            reason=reason,
        )
