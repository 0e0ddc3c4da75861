"""The screens of a roadmap, declared once for the dashboard menu, the keys and the palette.

Adding a screen = one module in ``tui/screens/`` + one entry below. Modules are imported
only when the screen is first opened (start-up time, RISKS 15); an entry whose module does
not exist yet is listed as « à venir » instead of failing.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.screen import Screen


@dataclass(frozen=True)
class ScreenEntry:
    """One screen of a roadmap: its key, id, French title and how to build it for a slug."""

    key: str
    screen_id: str
    title: str
    factory: Callable[[str], Screen[object]]
    module: str = ""
    description: str = ""

    @property
    def available(self) -> bool:
        return not self.module or _module_exists(self.module)


@cache
def _module_exists(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def lazy(module: str, class_name: str) -> Callable[[str], Screen[object]]:
    """A factory importing ``module`` on first use and building ``class_name(slug)``."""

    def factory(slug: str) -> Screen[object]:
        screen_class = getattr(importlib.import_module(module), class_name)
        return screen_class(slug)  # type: ignore[no-any-return]

    return factory


def _entry(
    key: str, screen_id: str, title: str, name: str, cls: str, description: str
) -> ScreenEntry:
    module = f"roadmap.tui.screens.{name}"
    return ScreenEntry(key, screen_id, title, lazy(module, cls), module, description)


ROADMAP_SCREENS: list[ScreenEntry] = [
    _entry("b", "tableau_de_bord", "Tableau de bord", "dashboard", "DashboardScreen",
           "point d'arrivée, axes, prochains jalons, alertes"),
    _entry("a", "actions", "Actions", "actions", "ActionsScreen",
           "toutes les actions : trier, filtrer, créer, changer le statut"),
    _entry("j", "jalons", "Jalons", "jalons", "JalonsScreen",
           "frise des jalons, ajustements d'itinéraire"),
    _entry("e", "equipe", "Équipe", "equipe", "EquipeScreen",
           "trinôme, cercle élargi, direction ; passation"),
    _entry("o", "observations", "Observations", "observations", "ObservationsScreen",
           "indicateurs et observations sensibles"),
    _entry("h", "journal", "Journal", "journal", "JournalScreen",
           "qui a changé quoi, quand et pourquoi"),
    _entry("i", "instruction", "Instruction", "instruction", "InstructionScreen",
           "dossiers de subvention instruits conjointement"),
    _entry("r", "revue", "Revue direction", "revue", "RevueScreen",
           "dépendances, marges, charge, alliances"),
    _entry("x", "export", "Exporter", "export", "ExportScreen",
           "fichiers TOML pour les services"),
    _entry("u", "propositions", "Propositions", "propositions", "PropositionsScreen",
           "ce que les services proposent par leur fichier : accepter, refuser"),
]  # fmt: skip


def entry_for(screen_id: str) -> ScreenEntry:
    return next(e for e in ROADMAP_SCREENS if e.screen_id == screen_id)
