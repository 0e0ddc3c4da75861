"""A health alert, shared by ``check`` (roadmap rules) and ``instruction_alerts`` (dossiers)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    ERREUR = "erreur"
    AVERTISSEMENT = "avertissement"


@dataclass(frozen=True)
class Alert:
    level: Level
    code: str
    message: str
    roadmap: str = ""
    ref: str = ""

    def __str__(self) -> str:
        where = f"[{self.roadmap}{' ' + self.ref if self.ref else ''}] " if self.roadmap else ""
        return f"{self.level.value.upper():<13} {where}{self.message}"
