"""The home screen follows the rules it shows: no create action for someone who may not
create (not in the footer, refused with a reason), and the role shown after a creation is
the database's, without a restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from roadmap.models import Roadmap
from roadmap.tui.screens.accueil import AccueilScreen
from roadmap.tui.screens.first_start import FirstStartScreen
from roadmap.tui.screens.roadmap_form import RoadmapFormScreen
from tests.roles import make_admin

from .helpers import demo_app, settle


def footer_text(app) -> str:  # type: ignore[no-untyped-def]
    return " ".join(str(getattr(k, "description", "")) for k in app.screen.query("FooterKey"))


@pytest.mark.parametrize(
    ("login", "may_create"),
    [
        ("testeur", True),  # administrator (created the database) and trinôme
        ("nbenali", True),  # direction
        ("cmartin", False),  # trinôme
        ("sgarcia", False),  # cercle élargi
        ("pdurand", False),  # lecteur
        ("inconnu", False),  # no fiche
    ],
)
async def test_create_is_offered_only_to_who_may_create(
    tmp_path: Path, login: str, may_create: bool
) -> None:
    async with demo_app(tmp_path, login=login, open_slug=None) as (app, pilot):
        assert isinstance(app.screen, AccueilScreen)
        assert ("Nouvelle feuille de route" in footer_text(app)) is may_create
        await pilot.press("n")
        await settle(app, pilot)
        # demo only: no real service yet, so n opens the guided start (issue 13)
        assert isinstance(app.screen, RoadmapFormScreen | FirstStartScreen) is may_create
        if not may_create:
            assert any("réservé aux administrateurs" in m for _, m in app.notifications)  # type: ignore[attr-defined]
            assert await Roadmap.all().count() == 1


async def test_the_role_shown_follows_the_database_after_a_creation(tmp_path: Path) -> None:
    """An administrator with no fiche (read-only on screen) creates a roadmap in the form."""
    async with demo_app(tmp_path, login="gardien", open_slug=None) as (app, pilot):
        assert "Nouvelle feuille de route" not in footer_text(app)  # not yet an administrator
        await make_admin("gardien")
        await pilot.press("ctrl+r")  # the home screen re-reads rights and roles
        await settle(app, pilot)
        assert "Nouvelle feuille de route" in footer_text(app)
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FirstStartScreen)  # the demo's services are not for real work
        for field, value in {
            "territoire": "Ville de Martigues",
            "my_name": "Gaëlle Gardien",
            "my_service": "Direction de la ville",
            "other_service": "Restauration scolaire",
            "title": "Cantines de Martigues",
            "horizon": "31/12/2028",
        }.items():
            form.query_one(f"#{field}", Input).value = value
        form.query_one("#destination", TextArea).text = "Des cantines durables"
        form.action_save()
        await settle(app, pilot)
        assert app.actor.person_id is not None  # the fiche created with the roadmap
        text = str(app.screen.query_one("#dash-title").render())  # type: ignore[attr-defined]
        assert "trinôme" in text.lower()
