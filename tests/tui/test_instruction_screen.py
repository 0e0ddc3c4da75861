"""The Instruction screen, driven by the Pilot: give an avis, then decide with a motivation."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from rich.console import Console
from textual.widgets import DataTable, Select, Static

from roadmap.models import Avis, Decision
from roadmap.tui.screens.declared_form import FormModal
from roadmap.tui.screens.instruction import InstructionScreen
from roadmap.usecases import instruction as uc
from roadmap.usecases.identity import actor_for

from .helpers import demo_app, settle

WAITING = "AAP2026-007"  # demo: en instruction, waits for the avis of dapat and prefecture


def board(app: object) -> InstructionScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, InstructionScreen), screen
    return screen


def plain(static: Static) -> str:
    """What the Static shows, as plain text (tables included)."""
    console = Console(file=StringIO(), width=120, color_system=None)
    console.print(static.content)
    return console.file.getvalue()  # type: ignore[attr-defined]


def body_text(screen: InstructionScreen) -> str:
    return plain(screen.query_one("#dossier-body", Static))


async def test_board_by_state_and_my_service_filter(tmp_path: Path) -> None:
    async with demo_app(tmp_path, login="jrey", screen="instruction") as (app, pilot):
        screen = board(app)
        assert screen.board is not None and len(screen.board.rows) == 12
        states = [r.state for r in screen.board.rows]
        assert states[0] == "depose" and states[-1] == "bilan_recu"
        await pilot.press("m")
        await settle(app, pilot)
        assert [r.ref for r in screen.board.rows] == [WAITING]
        assert "avis attendu de dapat" in plain(screen.query_one("#instruction-filters", Static))
        await pilot.press("m", "l")
        await settle(app, pilot)
        assert [r.ref for r in screen.board.rows] == ["AAP2026-006"]  # avis past deadline
        await pilot.press("l", "f")
        await settle(app, pilot)
        assert screen.filter.axe and all(r.axe == screen.filter.axe for r in screen.board.rows)


async def test_give_an_avis_then_decide(tmp_path: Path) -> None:
    async with demo_app(tmp_path, login="jrey", screen="instruction") as (app, pilot):
        screen = board(app)
        await pilot.press("m")
        await settle(app, pilot)
        assert screen.selected == WAITING
        assert "en attente" in body_text(screen)

        # the avis of dapat, given by Julien Rey
        await pilot.press("v")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        form.set_value("value", "defavorable")
        await pilot.press("ctrl+s")  # no comment: refused, the form stays open
        await settle(app, pilot)
        assert app.screen is form
        assert "expliqué" in plain(form.query_one("#error-comment", Static))
        form.set_value("comment", "Le projet double une action du PAT")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        avis = await Avis.get(dossier__ref=WAITING, service__code="dapat", current=True)
        assert avis.value == "defavorable"
        assert "Défavorable" in body_text(screen)
        assert "Julien Rey" in body_text(screen)

        # the préfecture answers too: the dossier moves to « avis rendus » by itself
        await uc.give_avis(await actor_for("molivier"), WAITING, "reserve", "Public à préciser")
        await pilot.press("m")  # back to every dossier
        await settle(app, pilot)
        table = screen.query_one("#dossiers-table", DataTable)
        table.move_cursor(row=[r.ref for r in screen.board.rows].index(WAITING))
        await settle(app, pilot)
        assert screen.dossier is not None and screen.dossier.detail.row.state == "avis_rendus"

        # a refusal without motivation is refused, with the message under the field
        await pilot.press("d")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        form.set_value("outcome", "refuse")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "motivée" in plain(form.query_one("#error-motivation", Static))
        assert not await Decision.filter(dossier__ref=WAITING).exists()
        form.set_value(
            "motivation", "Le projet double l'action « Classes du goût » déjà financée par le PAT."
        )
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        decision = await Decision.get(dossier__ref=WAITING, current=True)
        assert decision.outcome == "refuse" and "double l'action" in decision.motivation
        assert decision.decided_by == "jrey"
        text = body_text(screen)
        assert "Refusé" in text and "motivation : Le projet double" in text
        assert screen.dossier.detail.row.state == "decide"


async def test_cercle_elargi_outside_instructing_services(tmp_path: Path) -> None:
    """The avis and decision forms open read-only, the real reason at the top."""
    async with demo_app(tmp_path, login="sgarcia", screen="instruction") as (app, pilot):
        screen = board(app)
        table = screen.query_one("#dossiers-table", DataTable)
        table.move_cursor(row=[r.ref for r in screen.board.rows].index(WAITING))  # type: ignore[union-attr]
        await settle(app, pilot)  # in instruction: the state allows an avis
        await pilot.press("v")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        refusal = str(form.query_one("#form-readonly").render())
        assert "votre service (caf) n'instruit pas" in refusal  # not her role: her service
        assert "cercle élargi)" not in refusal
        assert form.query_one("#field-value", Select).disabled
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        messages = [m for _, m in app.notifications]  # type: ignore[attr-defined]
        decided = app.screen
        if isinstance(decided, FormModal):  # the state allows a decision: not her role
            assert "trinôme ou direction" in str(decided.query_one("#form-readonly").render())
        else:  # the state refuses first, naming the next step
            assert any("avis" in m for m in messages), messages
        assert "Notes privées" not in body_text(screen)


async def test_avis_refused_up_front_on_a_depose_dossier(tmp_path: Path) -> None:
    async with demo_app(tmp_path, login="jrey", screen="instruction") as (app, pilot):
        screen = board(app)
        assert screen.dossier is not None and screen.dossier.detail.row.state == "depose"
        await pilot.press("v")
        await settle(app, pilot)
        assert app.screen is screen  # no form to type into, then refuse
        messages = [m for _, m in app.notifications]  # type: ignore[attr-defined]
        assert any("« Déposé »" in m and "« Recevable »" in m for m in messages), messages
