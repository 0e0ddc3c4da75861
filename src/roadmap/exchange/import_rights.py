"""Who may create through an import: a new roadmap, new reference data.

The rules are those of the forms (``usecases.admin``, ``roadmaps.may_create_roadmap``):
administrators, and direction members for a new roadmap.
"""

from __future__ import annotations

from roadmap.domain.enums import Role
from roadmap.domain.errors import PermissionDenied
from roadmap.models import Membership
from roadmap.usecases.admin import is_administrator
from roadmap.usecases.identity import Actor


async def require_roadmap_creator(actor: Actor, slug: str) -> None:
    """Administrators and direction members create roadmaps (import of a new slug)."""
    if await is_administrator(actor):
        return
    if (
        actor.person_id is not None
        and await Membership.filter(person_id=actor.person_id, role=Role.DIRECTION).exists()
    ):
        return
    raise PermissionDenied(
        f"créer la feuille de route « {slug} » par import demande d'être administrateur de la "
        f"base ou membre de la direction d'une feuille de route ({actor.login} ne l'est pas) ; "
        "rien n'a été écrit"
    )


async def require_reference_creator(actor: Actor, missing: list[str]) -> None:
    """New territories, services, people and QPV are reference data: administrators only."""
    if await is_administrator(actor):
        return
    shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
    how = (
        " (un territoire : roadmap admin territoire CODE NOM, du même nom que dans le fichier)"
        if any(name.startswith("territoire ") for name in missing)
        else ""
    )
    raise PermissionDenied(
        f"le fichier ajoute au référentiel ({shown}) : seuls les administrateurs créent "
        f"territoires, services, personnes et QPV ; demandez-leur de les créer{how}, puis "
        "relancez l'import ; rien n'a été écrit"
    )
