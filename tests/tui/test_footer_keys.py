"""Keys a newcomer needs are in the footer, even at 80×24: ←/→ for the Revue tabs,
⇧↓/⇧↑ to scroll a dossier's detail in Instruction; and they work from the table."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input, TabbedContent
from textual.widgets._footer import FooterKey

from roadmap.tui.widgets.footer import FittedFooter, key_width

from .helpers import demo_app, settle


def _footer_text(app: object) -> str:
    footer = app.screen.query_one(Footer)  # type: ignore[attr-defined]
    return " ".join(str(key.render()) for key in footer.query("FooterKey"))


async def test_revue_tabs_change_with_left_and_right(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="revue", size=(80, 24)) as (app, pilot):
        tabs = app.screen.query_one("#revue-tabs", TabbedContent)
        assert "←→" in _footer_text(app) and "Onglets" in _footer_text(app)
        assert tabs.active == "revue-tab-chemin"
        await pilot.press("right")
        await settle(app, pilot)
        assert tabs.active == "revue-tab-marges"
        await pilot.press("left", "left")
        await settle(app, pilot)
        assert tabs.active == "revue-tab-simulateur"  # round the end
        field = app.screen.query_one("#revue-sim-ref", Input)
        field.focus()
        await settle(app, pilot)
        await pilot.press("J", "5")
        await pilot.press("left")  # in a text field the arrow moves the caret
        await settle(app, pilot)
        assert tabs.active == "revue-tab-simulateur" and field.cursor_position == 1


async def test_dossier_detail_scrolls_from_the_table(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="instruction", size=(80, 24)) as (app, pilot):
        assert "⇧↓↑" in _footer_text(app) and "Détail" in _footer_text(app)
        detail = app.screen.query_one("#dossier-detail", VerticalScroll)
        table = app.screen.query_one("#dossiers-table")
        assert app.focused is table
        row = table.cursor_row  # type: ignore[attr-defined]
        assert detail.max_scroll_y > 0  # at 80×24 the detail is longer than its room
        await pilot.press("shift+down")
        await settle(app, pilot)
        assert detail.scroll_y > 0 and table.cursor_row == row  # type: ignore[attr-defined]
        await pilot.press("shift+up")
        await settle(app, pilot)
        assert detail.scroll_y == 0


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(
    "screen", ["actions", "jalons", "equipe", "observations", "instruction", "revue", "journal"]
)
async def test_no_footer_key_is_cut_at_the_edge(
    tmp_path: Path, screen: str, size: tuple[int, int]
) -> None:
    """« ^r Actua » at the right edge was a key cut mid-word: each key shown is whole,
    help and quit always are, and the width the footer reckons is the width laid out."""
    async with demo_app(tmp_path, screen=screen, size=size) as (app, pilot):
        await settle(app, pilot)
        footer = app.screen.query_one(Footer)
        assert isinstance(footer, FittedFooter)
        keys = [k for k in footer.query(FooterKey) if k.display]
        assert keys
        for key in keys:
            assert key.region.right <= footer.region.right, str(key.render())
            if not key.has_class("-command-palette"):
                assert key.outer_size.width == key_width(key), str(key.render())
        shown = _footer_text(app)
        assert "Aide" in shown and "Quitter" in shown


async def test_footer_remade_only_when_its_keys_change(tmp_path: Path) -> None:
    """The same keys signalled again keep the same footer (issue 15: remaking it cost a
    fifth of a screen's first frame); other keys (a text field focused) remake it."""
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        footer = app.screen.query_one(FittedFooter)
        keys = list(footer.query(FooterKey))
        before = _footer_text(app)
        app.screen.refresh_bindings()
        await settle(app, pilot)
        assert list(footer.query(FooterKey)) == keys and _footer_text(app) == before
        await pilot.press("slash")  # the search field: « ? » and « q » are letters there
        await settle(app, pilot)
        assert _footer_text(app) != before and list(footer.query(FooterKey)) != keys
        await pilot.press("escape")
        await settle(app, pilot)
        assert _footer_text(app) == before
