"""Private annotations of the instructing services.

Reachable only through ``private_annotations(actor, ref)``, which needs an actor from an
instructing service: no query returns them otherwise, and the journal records that a
note was added, never its text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from roadmap.domain import validation as v
from roadmap.domain.errors import PermissionDenied
from roadmap.models import (
    Annotation,
    Dossier,
    Service,
)
from roadmap.usecases.admin import require_known
from roadmap.usecases.base import (
    journal,
    now,
    write_unit,
)
from roadmap.usecases.identity import Actor
from roadmap.usecases.instruction_common import (
    dossier_by_ref,
    home_service,
    instructor_ids,
    linked_slugs,
)

# --- private annotations -----------------------------------------------------------------


@dataclass(frozen=True)
class AnnotationView:
    author: str
    service: str
    text: str
    created_at: Any


async def require_instructing_member(actor: Actor, dossier: Dossier) -> Service:
    service = await home_service(actor)
    instructors = await instructor_ids(dossier.id)
    if service is None or service.id not in instructors:
        raise PermissionDenied(
            f"les notes privées de {dossier.ref} sont réservées aux services instructeurs "
            f"({', '.join(sorted(instructors.values())) or 'aucun'})"
        )
    return service


async def add_annotation(actor: Actor, ref: str, text: str) -> None:
    """A private note for the instructors; the journal records the act, never the text."""
    require_known(actor, "ajouter une note privée")
    body = v.text(text, "note", max_length=4000)

    async def unit() -> None:
        dossier = await dossier_by_ref(ref)
        service = await require_instructing_member(actor, dossier)
        await Annotation.create(
            dossier_id=dossier.id,
            service=service,
            author=actor.login,
            text=body,
            created_at=now(),
        )
        slugs = await linked_slugs(dossier)
        await journal(
            actor,
            roadmap=slugs[0] if slugs else "",
            entity="note privée",
            ref=dossier.ref,
            operation="ajout",
            field=f"note {service.code}",
        )

    await write_unit(unit)


async def private_annotations(actor: Actor, ref: str) -> list[AnnotationView]:
    """The only reader of annotations: refuses anyone outside the instructing services."""
    dossier = await dossier_by_ref(ref)
    await require_instructing_member(actor, dossier)
    rows = await Annotation.filter(dossier_id=dossier.id).prefetch_related("service")
    return [
        AnnotationView(a.author, a.service.code if a.service else "", a.text, a.created_at)
        for a in rows
    ]
