"""The command palette (ctrl+p): screens of the open roadmap, main actions, themes."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from roadmap.tui.app import RoadmapApp

Command = tuple[str, Callable[[], Any], str]


class RoadmapCommands(Provider):
    """Commands depend on where the palette was opened: a roadmap screen adds its screens."""

    def _commands(self) -> list[Command]:
        from roadmap.tui.screens import ROADMAP_SCREENS
        from roadmap.tui.screens.base import RoadmapScreen, open_roadmap_screen

        app: RoadmapApp = self.app  # type: ignore[assignment]
        screen = self.screen
        commands: list[Command] = []
        # The screen's own main actions first: they are what the user is most likely after.
        palette = getattr(screen, "palette_commands", None)
        if callable(palette):
            commands.extend(palette())
        if isinstance(screen, RoadmapScreen):
            for entry in ROADMAP_SCREENS:
                if entry.available and entry.screen_id != screen.SCREEN_ID:
                    commands.append(
                        (
                            f"Écran : {entry.title}",
                            partial(open_roadmap_screen, app, screen.slug, entry.screen_id),
                            f"touche {entry.key} — {entry.description}",
                        )
                    )
        commands.append(("Écran : Accueil", app.action_home, "mes feuilles de route"))
        for name, label in sorted(app.theme_labels.items()):
            commands.append(
                (
                    f"Thème : {label}",
                    partial(app.choose_theme, name),
                    "gardé pour les prochaines fois",
                )
            )
        return commands

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


class ThemeCommands(Provider):
    """The theme picker: this app's themes only (not Textual's own), by their French label."""

    def _themes(self) -> list[Command]:
        app: RoadmapApp = self.app  # type: ignore[assignment]
        return [
            (label, partial(app.choose_theme, name), "gardé pour les prochaines fois")
            for name, label in sorted(app.theme_labels.items(), key=lambda x: x[1])
        ]

    async def discover(self) -> Hits:
        for title, callback, help_text in self._themes():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._themes():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
