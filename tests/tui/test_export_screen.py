"""The Exporter screen on the demo: progress, then the list of files written."""

from __future__ import annotations

import errno
import tomllib
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, ProgressBar, Static

from roadmap.tui.screens import export as export_screen
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


async def test_a_full_disk_during_an_export_is_said_in_french(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OS error out of the export reaches the screen in French, the system's text after."""

    async def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export_screen, "export", full_disk)
    async with demo_app(tmp_path, screen="export") as (app, pilot):
        screen = app.screen
        screen.query_one("#export-out", Input).value = str(tmp_path / "exports")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "export interrompu" in str(screen.query_one("#export-status", Static).render())
        said = [m for _, m in app.notifications]  # type: ignore[attr-defined]
        assert any("disque plein (No space left on device)" in m for m in said), said
        assert not any("Errno" in m for m in said), said
