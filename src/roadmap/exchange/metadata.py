"""The header every exported file starts with: schema version and generation metadata."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from roadmap import __version__
from roadmap.exchange import SCHEMA_VERSION

TOOL = "roadmap"
KIND_ROADMAP = "feuille_de_route"
KIND_SERVICE = "service"


@dataclass(frozen=True)
class ExportOptions:
    with_contacts: bool = False
    stamp: bool = False
    ics: bool = False
    margins_on: date | None = None  # export margins projected from this day (--marges)
    margins: dict[str, dict[str, int]] | None = None  # slug → {"A1": days}, filled by export
    generated_at: datetime | None = None  # set once per run when ``stamp``


def header(
    kind: str,
    sources: list[str],
    options: ExportOptions,
    *,
    journal: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    generation: dict[str, Any] = {
        "outil": TOOL,
        "version_outil": __version__,
        "type": kind,
        **extra,
        "feuilles_de_route": sorted(sources),
        "avec_contacts": options.with_contacts,
    }
    if journal is not None:
        generation["journal"] = journal
    if options.margins_on is not None:
        generation["marges_au"] = options.margins_on
    if options.stamp:
        generation["genere_le"] = (options.generated_at or datetime.now(UTC)).replace(microsecond=0)
    return {"schema_version": SCHEMA_VERSION, "generation": generation}
