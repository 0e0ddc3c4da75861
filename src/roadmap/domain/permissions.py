"""Who may do what in a roadmap. Pure: the use cases pass in the actor's role."""

from __future__ import annotations

from enum import StrEnum

from roadmap.domain.enums import Role
from roadmap.domain.errors import PermissionDenied

MAX_TRINOME = 3  # seats of the trinôme (the roadmap's use cases and ``check`` read it here)


class Capability(StrEnum):
    READ = "lire"
    EDIT = "modifier"
    ARCHIVE = "archiver"
    MANAGE_MEMBERS = "gérer l'équipe"
    COMMENT = "commenter"
    OBSERVE = "ajouter une observation"
    GIVE_AVIS = "donner un avis"


_ALLOWED: dict[Capability, frozenset[Role]] = {
    Capability.READ: frozenset(Role),
    Capability.EDIT: frozenset({Role.TRINOME, Role.DIRECTION}),
    Capability.ARCHIVE: frozenset({Role.DIRECTION}),
    Capability.MANAGE_MEMBERS: frozenset({Role.TRINOME, Role.DIRECTION}),
    Capability.COMMENT: frozenset({Role.TRINOME, Role.DIRECTION, Role.CERCLE_ELARGI}),
    Capability.OBSERVE: frozenset({Role.TRINOME, Role.DIRECTION, Role.CERCLE_ELARGI}),
    Capability.GIVE_AVIS: frozenset({Role.TRINOME, Role.DIRECTION, Role.CERCLE_ELARGI}),
}


def allowed(role: Role | None, capability: Capability) -> bool:
    if capability is Capability.READ:
        return True
    return role is not None and role in _ALLOWED[capability]


def refusal(role: Role | None, capability: Capability, *, roadmap: str) -> str:
    """The French reason ``role`` may not do this ("" when allowed): forms show it up front."""
    if allowed(role, capability):
        return ""
    needed = " ou ".join(r.label.lower() for r in Role if r in _ALLOWED[capability])
    current = f"votre rôle : {role.label.lower()}" if role else "vous n'êtes pas membre"
    return (
        f"« {capability.value} » dans la feuille de route {roadmap} demande le rôle {needed} "
        f"({current}) ; {_next_step(role, capability)}"
    )


def _next_step(role: Role | None, capability: Capability) -> str:
    """What the person can do instead: every refusal names a next step."""
    if role is None:
        return "demandez au trinôme de vous ajouter à l'équipe"
    if role is Role.LECTEUR:
        return "demandez au trinôme un rôle dans l'équipe (cercle élargi ou trinôme)"
    if capability is Capability.ARCHIVE:
        return "c'est à la direction de la feuille de route de le faire"
    return "proposez-le au trinôme par un commentaire, il pourra le faire"


def require(role: Role | None, capability: Capability, *, roadmap: str) -> None:
    """Raise a French refusal naming the roles that may do this."""
    reason = refusal(role, capability, roadmap=roadmap)
    if reason:
        raise PermissionDenied(reason)
