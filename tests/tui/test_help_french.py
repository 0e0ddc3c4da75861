"""« ? » on every screen, whatever has the focus: French only, never Textual's English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.binding import Binding
from textual.command import CommandPalette

from roadmap.tui.screens import ROADMAP_SCREENS
from roadmap.tui.screens.help import HelpScreen
from roadmap.usecases.demo import DEMO_SLUG

from .helpers import demo_app, open_screen, settle


def textual_english() -> set[str]:
    """Every description Textual's own widgets give their keys."""
    import textual.widgets as widgets
    from textual.app import App
    from textual.screen import Screen

    found: set[str] = set()
    classes = [getattr(widgets, name) for name in widgets.__all__] + [App, Screen]
    for cls in classes:
        for base in getattr(cls, "__mro__", ()):
            for binding in getattr(base, "BINDINGS", None) or []:
                if isinstance(binding, Binding) and binding.description:
                    found.add(binding.description)
    return found


async def help_lines(app: Any, pilot: Any) -> list[tuple[str, str]]:
    app.action_help()
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, HelpScreen), screen
    keys = list(screen.keys)
    screen.dismiss()
    await settle(app, pilot)
    return keys


async def test_every_screens_help_is_french(tmp_path: Path) -> None:
    english = textual_english()
    assert {"Cursor up", "Home", "Page up", "Previous tab"} <= english  # the walk sees them
    seen: dict[str, str] = {}
    kinds: set[type] = set()  # one widget of each kind is enough: the keys are per class
    async with demo_app(tmp_path, size=(120, 36)) as (app, pilot):
        for entry in ROADMAP_SCREENS:
            await open_screen(app, pilot, DEMO_SLUG, entry.screen_id)
            screen = app.screen
            for key, description in await help_lines(app, pilot):
                seen[description] = f"{entry.title} {key}"
            for widget in list(screen.focus_chain):
                if type(widget) in kinds:
                    continue
                kinds.add(type(widget))
                widget.focus()
                await settle(app, pilot)
                for key, description in await help_lines(app, pilot):
                    seen[description] = f"{entry.title} ({type(widget).__name__}) {key}"
        # a form too: inputs, lists, text areas
        await open_screen(app, pilot, DEMO_SLUG, "actions")
        await pilot.press("enter")
        await settle(app, pilot)
        form = app.screen
        for widget in list(form.focus_chain):
            if type(widget) in kinds:
                continue
            kinds.add(type(widget))
            widget.focus()
            await settle(app, pilot)
            for key, description in await help_lines(app, pilot):
                seen[description] = f"formulaire ({type(widget).__name__}) {key}"
    leaked = {d: where for d, where in seen.items() if d in english}
    assert not leaked, leaked
    assert "Aide" in seen and "Quitter" in seen


async def test_theme_picker_is_french_with_the_apps_themes_only(tmp_path: Path) -> None:
    async with demo_app(tmp_path, open_slug=None) as (app, pilot):
        app.action_change_theme()
        await settle(app, pilot)
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        from textual.widgets import Input

        assert palette.query_one(Input).placeholder == "Chercher un thème…"
        from roadmap.tui.commands import ThemeCommands

        provider = ThemeCommands(palette)
        titles = [title for title, _callback, _help in provider._themes()]
        assert titles and set(titles) == set(app.theme_labels.values())
        assert not any(t.startswith("textual") for t in titles)
