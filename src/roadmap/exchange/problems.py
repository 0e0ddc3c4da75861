"""Collected problems of an imported file, reported all at once in French."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from roadmap.domain.errors import ValidationError
from roadmap.exchange.locate import LineIndex
from roadmap.formatting import plural

MAX_REPORTED = 25


class ImportRefused(ValidationError):
    """The file was refused before anything was written; ``problems`` lists why."""

    def __init__(
        self, problems: list[str], heading: str = "import refusé, rien n'a été écrit"
    ) -> None:
        self.problems = problems
        shown = problems[:MAX_REPORTED]
        more = len(problems) - len(shown)
        text = f"{heading} :\n  " + "\n  ".join(shown)
        if more:
            text += f"\n  … et {plural(more, 'autre problème', 'autres problèmes')}"
        super().__init__(text)


@dataclass
class Problems:
    file: Path
    index: LineIndex | None = None
    items: list[str] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        line = self.index.line_of(path) if self.index and path else None
        where = f"{self.file.name}:{line}" if line else self.file.name
        self.items.append(f"{where} : {path} : {message}" if path else f"{where} : {message}")

    def raise_if_any(self) -> None:
        if self.items:
            raise ImportRefused(self.items)
