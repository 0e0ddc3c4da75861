"""The demo's invented services and people never slip into a real roadmap.

Called by the use cases that tie reference data to a roadmap (creation, team), so every
door (form, command, import, guided start) refuses alike, naming the next step.
"""

from __future__ import annotations

from roadmap.domain.demo_reference import DEMO_SLUG, is_demo_person, is_demo_service
from roadmap.domain.errors import ValidationError
from roadmap.models import Person, Service

NEXT_STEP = (
    "créez vos propres services et votre fiche : `roadmap commencer` (ou touche n de "
    "l'accueil, administrateurs) ; `roadmap demo --supprimer` retire la démonstration"
)


def refuse_demo_service(slug: str, service: Service, field: str) -> None:
    if slug != DEMO_SLUG and is_demo_service(service.code, service.name):
        raise ValidationError(
            f"« {service.name} » ({service.code}) est un service inventé de la "
            f"démonstration : une vraie feuille de route ne l'utilise pas ; {NEXT_STEP}",
            field=field,
        )


async def refuse_demo_person(slug: str, person: Person, field: str = "personne") -> None:
    if slug == DEMO_SLUG:
        return
    service_id = person.service_id  # type: ignore[attr-defined]
    service = await Service.get_or_none(id=service_id) if service_id else None
    if is_demo_person(person.login, person.name, service.code if service else None):
        raise ValidationError(
            f"« {person.name} » ({person.login}) est une personne de la démonstration : "
            f"elle n'entre pas dans une vraie feuille de route ; {NEXT_STEP}",
            field=field,
        )
