"""The frame: help, command palette, navigation, themes, quitting cleanly."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from textual.command import CommandPalette

from roadmap.config import load_settings
from roadmap.tui.app import RoadmapApp
from roadmap.tui.screens import ROADMAP_SCREENS
from roadmap.tui.screens.accueil import AccueilScreen
from roadmap.tui.screens.actions import ActionsScreen
from roadmap.tui.screens.dashboard import DashboardScreen
from roadmap.tui.screens.help import HelpScreen

from .helpers import demo_app, settle

ROOT = Path(__file__).resolve().parents[2]


async def test_accueil_lists_my_roadmap_with_my_role(tmp_path: Path) -> None:
    async with demo_app(tmp_path, open_slug=None) as (app, pilot):
        screen = app.screen
        assert isinstance(screen, AccueilScreen)
        assert [s.slug for s in screen.summaries] == ["pat-salon-martigues"]
        assert screen.summaries[0].role is not None
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen)


async def test_help_lists_the_keys_of_the_current_screen(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        described = dict((d, k) for k, d in app.screen.keys)
        assert described["Nouvelle"] == "n"
        assert described["Statut"] == "s"
        assert "Quitter" in described and "Retour" in described
        await pilot.press("escape")
        assert isinstance(app.screen, ActionsScreen)


async def test_screen_keys_move_between_screens_and_escape_goes_back(tmp_path: Path) -> None:
    async with demo_app(tmp_path) as (app, pilot):
        await pilot.press("a")
        await settle(app, pilot)
        assert isinstance(app.screen, ActionsScreen)
        available = [e for e in ROADMAP_SCREENS if e.available and e.screen_id != "actions"]
        other = next(e for e in available if e.screen_id != "tableau_de_bord")
        await pilot.press(other.key)  # sibling screens replace each other
        await settle(app, pilot)
        assert getattr(app.screen, "SCREEN_ID", "") == other.screen_id
        assert len(app.screen_stack) == 3
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, AccueilScreen)


async def test_command_palette_lists_screens_and_actions(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"nouvelle")
        await settle(app, pilot)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(app, pilot)
        from roadmap.tui.screens.action_form import ActionFormScreen

        assert isinstance(app.screen, ActionFormScreen)


async def test_theme_change_is_persisted_for_the_user(tmp_path: Path) -> None:
    async with demo_app(tmp_path) as (app, pilot):
        assert app.theme == "dsfr"
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert app.theme != "dsfr"
        chosen = app.theme
    saved = load_settings(config_dir=tmp_path / "config", environ={})
    assert saved.theme == chosen


def test_unknown_or_broken_theme_falls_back_with_a_notice(tmp_path: Path) -> None:
    themes = tmp_path / "config" / "themes"
    themes.mkdir(parents=True)
    (themes / "casse.toml").write_text('name = "casse"\n[colors]\nprimary = "pas une couleur"\n')
    (themes / "mauve.toml").write_text('name = "mauve"\n[colors]\nprimary = "#8E44AD"\n')
    settings = load_settings(theme="casse", config_dir=tmp_path / "config", environ={})
    from roadmap.usecases.identity import Actor

    app = RoadmapApp(settings, Actor(login="testeur"))
    assert app.theme == "dsfr"
    assert "mauve" in app.available_themes  # a user's own file is picked up
    problems = " ".join(app.startup_problems)
    assert "casse.toml ignoré" in problems and "introuvable" in problems


def test_quitting_leaves_no_thread_behind(tmp_path: Path) -> None:
    """Run the real launcher headless in a subprocess, quit with q, list the threads."""
    script = textwrap.dedent(
        """
        import argparse, asyncio, sys, threading
        from textual.worker import WorkerCancelled

        from roadmap.cli.launch import run_tui

        async def calm(p):
            # A read replaced by a newer one (same name) is cancelled: not an error.
            for _ in range(20):
                try:
                    return await p.app.workers.wait_for_complete()
                except WorkerCancelled:
                    await p.pause(0.05)

        async def pilot(p):
            await calm(p)
            await p.pause()
            await p.press("enter")          # new base: « Explorer la démonstration »
            for _ in range(100):            # the demo is built in a worker
                await calm(p)
                await p.app.wait_for_database_work()
                await p.pause(0.1)
                if p.app.actor.person_id is not None:
                    break
            await calm(p)
            await p.pause()
            await p.press("enter")          # open the demo roadmap
            await calm(p)
            await p.press("a")              # actions
            await calm(p)
            await p.pause()
            await p.press("q")

        args = argparse.Namespace(db=sys.argv[1], theme=None)
        code = asyncio.run(run_tui(args, headless=True, auto_pilot=pilot, size=(100, 30)))
        print("CODE", code)
        print("THREADS", sorted(t.name for t in threading.enumerate()))
        """
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "ROADMAP_USER": "testeur",
    }
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "quit.db")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "CODE 0" in result.stdout, result.stdout + result.stderr[-2000:]
    assert "THREADS ['MainThread']" in result.stdout, result.stdout


async def test_create_a_roadmap_from_accueil(tmp_path: Path) -> None:
    from textual.widgets import Input, TextArea

    from roadmap.tui.screens.first_start import FirstStartScreen

    async with demo_app(tmp_path, open_slug=None) as (app, pilot):
        await pilot.press("n")  # demo only: the guided start (its services are not for real)
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FirstStartScreen)
        for field, value in {
            "territoire": "Ville de Salon",
            "my_name": "Mathilde Roux",
            "my_service": "Cohésion sociale",
            "other_service": "Cohésion sociale",  # same service on both sides: refused
            "title": "Santé × politique de la ville",
            "horizon": "31/12/2027",
        }.items():
            form.query_one(f"#{field}", Input).value = value
        form.query_one("#destination", TextArea).text = "Un médecin à moins de 15 minutes."
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "deux services différents" in str(form.query_one("#error-other_service").render())
        form.query_one("#other_service", Input).value = "Santé publique"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert app.screen.slug == "sante-politique-de-la-ville"


def test_launcher_reports_a_bad_database_in_french(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import argparse

    from roadmap.cli.launch import launch_tui

    code = launch_tui(argparse.Namespace(db=str(tmp_path), theme=None))
    err = capsys.readouterr().err
    assert code == 4
    assert "est un dossier" in err and "Traceback" not in err


async def test_archive_is_for_the_direction(tmp_path: Path) -> None:
    from roadmap.domain.enums import RoadmapStatus

    async with demo_app(tmp_path, open_slug=None) as (app, pilot):
        await pilot.press("s")  # testeur is trinôme: told so, nothing written
        await settle(app, pilot)
        assert any("rôle direction" in m for _, m in app.notifications)  # type: ignore[attr-defined]
        assert app.screen.summaries[0].status is RoadmapStatus.ACTIVE  # type: ignore[attr-defined]

    async with demo_app(tmp_path / "direction", login="nbenali", open_slug=None) as (app, pilot):
        await pilot.press("s")
        await settle(app, pilot)
        assert app.screen.summaries[0].status is RoadmapStatus.ARCHIVEE  # type: ignore[attr-defined]


@pytest.mark.parametrize("theme", ["dsfr", "sombre", "contraste"])
async def test_every_shipped_theme_paints_the_actions_screen(tmp_path: Path, theme: str) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        app.theme = theme
        await settle(app, pilot)
        svg = app.export_screenshot()
        assert "Actions" in svg and app.theme == theme
