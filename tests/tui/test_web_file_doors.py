"""In a browser session (``ROADMAP_WEB_DEPOT`` set by ``roadmap serve``), file doors take no
server path: Propositions ``f`` offers the deposits only; import and export are refused
up front naming the alternative."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import Button, Input, Select, Static

from roadmap import models as m
from roadmap.exchange import drop
from roadmap.exchange.export import export
from roadmap.tui.screens.declared_form import FormModal
from roadmap.tui.screens.propositions import PropositionsScreen
from roadmap.usecases.demo import DEMO_SLUG

from .helpers import demo_app, open_screen, settle
from .test_propositions_screen import _returned_file


@pytest.fixture
def web_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "depots"
    root.mkdir()
    monkeypatch.setenv(drop.ENV, str(root))
    return root


async def test_f_lists_deposits_and_receives_one(tmp_path: Path, web_root: Path) -> None:
    async with demo_app(tmp_path) as (app, pilot):
        await export(tmp_path / "ex")
        returned = _returned_file(tmp_path)
        (web_root / "sgarcia").mkdir()
        shutil.copyfile(returned, web_root / "sgarcia" / "ars.toml")
        (web_root / "sgarcia" / "lien.toml").symlink_to(returned)  # never offered
        (web_root / "khaddad").mkdir()  # about a roadmap where jrey does not decide: not listed
        (web_root / "khaddad" / "autre.toml").write_text(
            '[generation]\ntype = "service"\nfeuilles_de_route = ["autre-territoire"]\n'
        )
        await open_screen(app, pilot, DEMO_SLUG, "propositions")
        screen = app.screen
        assert isinstance(screen, PropositionsScreen)
        await pilot.press("f")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        select = form.query_one("#field-path", Select)
        keys = [value for _, value in select._options if isinstance(value, str)]
        assert keys == ["sgarcia/ars.toml"]
        assert "Session web" in str(form.query_one("#form-intro").render())
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        (row,) = screen.table.view_rows()
        assert (row.ref, row.field, row.author) == ("A13", "fin", "Julie Durand")
        # received: out of the list, kept for its depositor
        assert (web_root / "sgarcia" / "recus" / "ars.toml").is_file()
        assert [d.key for d in drop.deposits(web_root)] == ["khaddad/autre.toml"]
        assert [d.name for d in drop.received(web_root, "sgarcia")] == ["ars.toml"]


@pytest.mark.parametrize(
    "typed", ["../ex/services/ars.toml", "/etc/passwd", "sgarcia/../../retour-ars.toml",
              "sgarcia/lien.toml", "jrey/ars.toml", "ars.toml"],
)  # fmt: skip
async def test_f_refuses_anything_but_a_deposit(tmp_path: Path, web_root: Path, typed: str) -> None:
    async with demo_app(tmp_path, screen="propositions") as (app, pilot):
        await export(tmp_path / "ex")
        returned = _returned_file(tmp_path)
        (web_root / "sgarcia").mkdir()
        shutil.copyfile(returned, web_root / "sgarcia" / "ars.toml")
        (web_root / "sgarcia" / "lien.toml").symlink_to(returned)
        await pilot.press("f")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        form.query_one("#field-path", Select).set_options([(typed, typed)])
        form.set_value("path", typed)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form  # refused in the form, nothing read, nothing recorded
        errors = " ".join(str(w.render()) for w in form.query(".field-error"))
        assert "fichier" in errors and "Traceback" not in errors
        assert await m.Proposition.all().count() == 0


async def test_f_without_deposit_is_refused_up_front_naming_the_page(
    tmp_path: Path, web_root: Path
) -> None:
    """Nothing deposited yet is a « not now »: the form does not open (one rule for every
    form) and the message names the step before, the page's « Renvoyer un fichier »."""
    async with demo_app(tmp_path, screen="propositions") as (app, pilot):
        screen = app.screen
        await pilot.press("f")
        await settle(app, pilot)
        assert app.screen is screen and not isinstance(app.screen, FormModal)
        assert any(
            "Renvoyer un fichier" in text
            for _, text in app.notifications  # type: ignore[attr-defined]
        )


async def test_export_refused_up_front_in_a_web_session(tmp_path: Path, web_root: Path) -> None:
    async with demo_app(tmp_path) as (app, pilot):
        await open_screen(app, pilot, DEMO_SLUG, "export")
        assert app.screen.query_one("#export-go", Button).disabled
        assert app.screen.query_one("#export-out", Input).disabled
        status = str(app.screen.query_one("#export-status", Static).render())
        assert "Fichiers de mon service" in status
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert any("Fichiers de mon service" in t for _, t in app.notifications)  # type: ignore[attr-defined]


async def test_first_launch_import_refused_in_a_web_session(tmp_path: Path, web_root: Path) -> None:
    from roadmap.config import Settings
    from roadmap.storage.database import close_database, open_database
    from roadmap.storage.location import parse_location
    from roadmap.tui.app import RoadmapApp
    from roadmap.tui.screens.welcome import PremiersPasScreen
    from roadmap.usecases.identity import current_actor
    from tests.tui.helpers import record_notifications

    await open_database(parse_location(str(tmp_path / "neuve.db")))
    try:
        settings = Settings(config_dir=tmp_path / "config", refresh_seconds=0)
        app = RoadmapApp(settings, await current_actor(), new_database=True)
        app.notifications = record_notifications(app)  # type: ignore[attr-defined]
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot)
            welcome = app.screen
            assert isinstance(welcome, PremiersPasScreen)
            welcome.query_one("#welcome-import", Button).press()
            await settle(app, pilot)
            assert app.screen is welcome  # no path field: refused, naming the alternative
            assert not welcome.query_one("#welcome-path", Input).display
            assert any("roadmap import" in t for _, t in app.notifications)  # type: ignore[attr-defined]
    finally:
        await close_database()
