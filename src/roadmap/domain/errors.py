"""Errors the use cases raise; every message is French and meant for the user."""

from __future__ import annotations


class RoadmapError(Exception):
    """Base of every refusal shown to a user. ``field`` names the input at fault."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field} : {self.message}" if self.field else self.message


class ValidationError(RoadmapError):
    """Bad input: names the field and what is expected."""


class CycleError(ValidationError):
    """A dependency that would close a loop; ``cycle`` lists the items in order."""

    def __init__(self, cycle: list[str]) -> None:
        self.cycle = cycle
        super().__init__(
            "cette dépendance créerait un cycle : " + " → ".join(cycle), field="dépendances"
        )


class PermissionDenied(RoadmapError):
    """The actor's role does not allow the operation; the message names the role needed."""


class NotFound(RoadmapError):
    """The named item does not exist (or is not visible)."""


class StaleVersion(RoadmapError):
    """Someone else changed the row since it was read; nothing was overwritten."""


class StorageError(RoadmapError):
    """The database cannot be opened, created, upgraded or written."""
