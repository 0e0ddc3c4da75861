"""COPIL in the TUI: freeze the plan when a COPIL/COTECH is held, the relevé, the baseline
beside the plan (ghost markers, « Écart » column), and the dashboard's first lines."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList, Select, Static

from roadmap.tui.screens.actions import ActionsScreen
from roadmap.tui.screens.copil import ChoiceModal
from roadmap.tui.screens.declared_form import FormModal
from roadmap.tui.widgets.timeline import GHOST, Timeline, layout_timeline
from roadmap.usecases import baselines as bl
from roadmap.usecases import releve as rel
from roadmap.usecases.demo import DEMO_SLUG

from .helpers import demo_app, settle, type_text
from .test_jalons_screen import select_jalon


async def test_marking_the_cotech_held_offers_to_freeze_the_plan(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="jalons") as (app, pilot):
        screen = await select_jalon(app, pilot, "J4")  # the COTECH, still « prévu »
        await pilot.press("s")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        form.query_one("#field-status", Select).value = "tenu"
        await pilot.press("ctrl+s")
        await settle(app, pilot)

        offer = app.screen
        assert isinstance(offer, FormModal) and "figer le plan" in offer.form_title
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        names = [(b.name, b.jalon_ref) for b in await bl.list_baselines(DEMO_SLUG)]
        assert names[-1] == ("COTECH du 11/02/2026", "J4")

        # The relevé of the held COTECH: note a decision carried by Julien Rey.
        await pilot.press("l")
        await settle(app, pilot)
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("enter")  # « + Noter une décision »
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        await type_text(pilot, "Relancer la DDETS sur le co-financement")
        form.query_one("#field-carrier", Select).value = "jrey"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        (decision,) = await rel.list_decisions(DEMO_SLUG, jalon_ref="J4")
        assert decision.text == "Relancer la DDETS sur le co-financement"
        assert decision.carrier_login == "jrey" and not decision.done


async def test_ghost_markers_for_the_baseline_dates(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="jalons") as (app, pilot):
        screen = await select_jalon(app, pilot, "J4")
        await pilot.press("v")
        await settle(app, pilot)
        assert screen.baseline is not None and screen.baseline.info.name == "COPIL de lancement"
        mark = next(m for m in screen.query_one(Timeline).marks if m.ref == "J4")
        assert mark.baseline is not None and mark.baseline != mark.when  # moved since
        assert "comparé à « COPIL de lancement »" in str(
            screen.query_one("#jalons-title", Static).render()
        )
        assert "À la référence « COPIL de lancement »" in str(
            screen.query_one("#jalon-detail", Static).render()
        )
        layout = layout_timeline(screen.query_one(Timeline).marks, width=96)
        assert GHOST in layout.lines[2]
        await pilot.press("v")  # toggled off
        await settle(app, pilot)
        assert screen.baseline is None


async def test_actions_variance_column_and_picker(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        screen = app.screen
        assert isinstance(screen, ActionsScreen)
        assert "variance" not in [c.key for c in screen.table.columns]
        await pilot.press("p")
        await settle(app, pilot)
        picker = app.screen
        assert isinstance(picker, ChoiceModal)
        assert "COPIL de lancement" in str(
            picker.query_one(OptionList).get_option_at_index(0).prompt
        )
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen
        column = next(c for c in screen.table.columns if c.key == "variance")
        assert column.title == "Écart"
        first = screen.table.rows[0]
        assert column.value(first) == "0"  # A1 did not move since the COPIL
        await pilot.press("v")
        await settle(app, pilot)
        assert "variance" not in [c.key for c in screen.table.columns]


async def test_dashboard_opens_with_what_changed_since_the_copil(tmp_path: Path) -> None:
    async with demo_app(tmp_path) as (app, _pilot):
        text = str(app.screen.query_one("#dash-copil", Static).render())
        assert text.startswith("Depuis le COPIL du 02/11/2025\n2 décalés")
        assert "COTECH de mi-parcours" in text and "opportunité" in text
        assert "Décisions à suivre (2)" in text and "D2 Associer la CAF" in text


async def test_the_next_copil_reads_back_the_open_decisions(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="jalons") as (app, pilot):
        screen = await select_jalon(app, pilot, "J1")
        await settle(app, pilot)
        text = str(screen.query_one("#jalon-releve", Static).render())
        assert text.startswith("Relevé de décisions (3)") and "✓ D1" in text
        await select_jalon(app, pilot, "J8")  # the COPIL annuel, still to be held
        await settle(app, pilot)
        text = str(screen.query_one("#jalon-releve", Static).render())
        assert text.startswith("À relire à ce COPIL : décisions ouvertes (2)")
        assert "○ D2 Associer la CAF" in text and "D1" not in text


async def test_the_releve_is_read_only_up_front_for_the_cercle_elargi(tmp_path: Path) -> None:
    """sgarcia (cercle élargi) reads the relevé with the reason at the top; nothing to choose
    that would be refused after the choice, and choosing changes nothing."""
    async with demo_app(tmp_path, screen="jalons", login="sgarcia") as (app, pilot):
        before = await rel.list_decisions(DEMO_SLUG)
        jalon_ref = before[0].jalon_ref
        screen = await select_jalon(app, pilot, jalon_ref)
        await pilot.press("l")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, ChoiceModal)
        assert modal.intro.startswith("Lecture seule : ")
        labels = [label for label, _key in modal.options]
        assert labels and not any("Noter une décision" in label for label in labels)
        assert not any("marquer faite" in label or "rouvrir" in label for label in labels)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen
        after = await rel.list_decisions(DEMO_SLUG)
        assert [(d.ref, d.done, d.version) for d in after] == [
            (d.ref, d.done, d.version) for d in before
        ]
