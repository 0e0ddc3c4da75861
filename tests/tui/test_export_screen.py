"""The Exporter screen on the demo: progress, then the list of files written."""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.widgets import Checkbox, Input, ProgressBar, Static

from roadmap.tui.screens.export import ExportScreen

from .helpers import demo_app, settle


async def test_export_from_the_tui_lists_the_files(tmp_path: Path) -> None:
    out = tmp_path / "exports"
    async with demo_app(tmp_path, screen="export") as (app, pilot):
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        screen.query_one("#export-out", Input).value = str(out)
        screen.query_one("#export-ics", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert screen.result is not None
        listing = str(screen.query_one("#export-list", Static).render())
        assert "pat-salon-martigues.toml" in listing and "services/dcs.ics" in listing
        bar = screen.query_one("#export-progress", ProgressBar)
        assert bar.total == bar.progress == len(screen.result.files)
        doc = tomllib.loads((out / "pat-salon-martigues.toml").read_text())
        assert doc["feuille_de_route"]["slug"] == "pat-salon-martigues"
        await pilot.press("ctrl+s")  # again: same data, every file unchanged
        await settle(app, pilot)
        assert screen.result.written == []
        assert "inchangé" in str(screen.query_one("#export-status", Static).render())
