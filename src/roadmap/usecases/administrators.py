"""Name and remove administrators of the database (journaled, administrators only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from roadmap.domain import validation as v
from roadmap.domain.errors import NotFound, ValidationError
from roadmap.models import Administrator
from roadmap.usecases.admin import postgres_admin_roles, require_administrator
from roadmap.usecases.base import journal, now, write_unit
from roadmap.usecases.identity import Actor


@dataclass(frozen=True)
class AdministratorView:
    login: str
    source: str  # "nommé par X le …", or "propriétaire PostgreSQL"
    added_at: datetime | None


async def list_administrators() -> list[AdministratorView]:
    rows = [
        AdministratorView(a.login, f"nommé par {a.added_by}" if a.added_by else "", a.added_at)
        for a in await Administrator.all().order_by("login")
    ]
    named = {r.login for r in rows}
    rows += [
        AdministratorView(role, "propriétaire de la base PostgreSQL (ou superutilisateur)", None)
        for role in await postgres_admin_roles()
        if role not in named
    ]
    return sorted(rows, key=lambda r: r.login)


async def add_administrator(actor: Actor, login: str) -> None:
    name = v.text(login, "identifiant", max_length=100)

    async def unit() -> None:
        await require_administrator(actor, "nommer un administrateur")
        if await Administrator.exists(login=name):
            raise ValidationError(f"« {name} » est déjà administrateur", field="identifiant")
        await Administrator.create(login=name, added_by=actor.login, added_at=now())
        await journal(actor, entity="administrateur", ref=name, operation="ajout", new=name)

    await write_unit(unit)


async def remove_administrator(actor: Actor, login: str) -> None:
    name = (login or "").strip()

    async def unit() -> None:
        await require_administrator(actor, "retirer un administrateur")
        if not await Administrator.exists(login=name):
            raise NotFound(
                f"« {name} » n'est pas administrateur nommé dans la base", field="identifiant"
            )
        others = await Administrator.exclude(login=name).count()
        if others == 0 and not await postgres_admin_roles():
            raise ValidationError(
                f"« {name} » est le dernier administrateur : nommez-en un autre d'abord",
                field="identifiant",
            )
        # journaled first: someone removing themselves is still an administrator here
        await journal(actor, entity="administrateur", ref=name, operation="retrait", old=name)
        await Administrator.filter(login=name).delete()

    await write_unit(unit)
