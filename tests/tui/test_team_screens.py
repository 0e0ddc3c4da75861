"""Équipe (passation wizard), Observations and Journal, driven by the Pilot as a user would."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from textual.widgets import DataTable, Input, Select, TextArea

from roadmap.domain.enums import Role
from roadmap.tui.screens.declared_form import FormModal
from roadmap.tui.screens.equipe import EquipeScreen
from roadmap.tui.screens.journal import JournalScreen
from roadmap.tui.screens.observations import ObservationsScreen
from roadmap.usecases import queries
from roadmap.usecases.demo import DEMO_SLUG

from .helpers import demo_app, settle, type_text


def screen_of(app: object, kind: type) -> object:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, kind), screen
    return screen


async def role_of(login: str) -> Role:
    return next(m.role for m in await queries.members(DEMO_SLUG) if m.login == login)


async def owned_by(login: str) -> list[str]:
    return [a.ref for a in await queries.list_actions(DEMO_SLUG) if a.owner_login == login]


# --- Équipe ----------------------------------------------------------------------------


async def test_team_shows_trinome_and_the_missing_sponsor(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="equipe") as (app, _pilot):
        screen = screen_of(app, EquipeScreen)
        portage = str(screen.query_one("#equipe-portage").render())  # type: ignore[attr-defined]
        assert "Trinôme (3/3)" in portage
        assert "Droit commun : ⚠ personne" in portage  # no DC direction sponsor in the demo
        table = screen.query_one("#equipe-table", DataTable)  # type: ignore[attr-defined]
        assert table.row_count == len(await queries.members(DEMO_SLUG))


async def test_passation_through_the_wizard(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="equipe") as (app, pilot):
        screen = screen_of(app, EquipeScreen)
        assert screen.selected_login() == "cmartin"  # type: ignore[attr-defined]
        moving = await owned_by("cmartin")
        assert moving, "the demo gives Claire Martin some actions"
        await pilot.press("p")
        await settle(app, pilot)
        step1 = app.screen
        assert isinstance(step1, FormModal)
        assert step1.values()["from"] == "cmartin"  # the selected member leaves
        step1.query_one("#field-to", Select).value = "lmoreau"
        step1.query_one("#field-reason", Input).focus()
        await type_text(pilot, "Depart en mutation")
        await pilot.press("enter")
        await settle(app, pilot)

        step2 = app.screen
        assert isinstance(step2, FormModal) and step2 is not step1
        summary = str(step2.query_one("#form-intro").render())
        assert "Claire Martin (cmartin) → Léa Moreau (lmoreau)" in summary
        assert f"Actions qui changent de responsable ({len(moving)})" in summary
        assert "Léa Moreau devient trinôme" in summary
        # « Retour » goes back to the first step with what was typed.
        await pilot.press("escape")
        await settle(app, pilot)
        back = app.screen
        assert isinstance(back, FormModal)
        assert back.values() == {"from": "cmartin", "to": "lmoreau", "reason": "Depart en mutation"}
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("ctrl+s")  # confirm
        await settle(app, pilot)

        assert app.screen is screen
        assert await owned_by("cmartin") == []
        assert set(moving) <= set(await owned_by("lmoreau"))
        assert await role_of("lmoreau") is Role.TRINOME
        assert await role_of("cmartin") is Role.LECTEUR
        assert any("passation faite" in m for _, m in app.notifications)  # type: ignore[attr-defined]


async def test_passation_to_the_same_person_is_refused_next_to_the_field(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="equipe") as (app, pilot):
        await pilot.press("p")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        form.query_one("#field-to", Select).value = "cmartin"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "deux personnes différentes" in str(form.query_one("#error-to").render())


async def test_change_a_member_role(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="equipe") as (app, pilot):
        screen = screen_of(app, EquipeScreen)
        table = screen.query_one("#equipe-table", DataTable)  # type: ignore[attr-defined]
        await pilot.press(*["down"] * (table.row_count - 1))  # the last row: the lecteur
        assert screen.selected_login() == "pdurand"  # type: ignore[attr-defined]
        await pilot.press("m")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        form.query_one("#field-role", Select).value = Role.CERCLE_ELARGI.value
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        assert await role_of("pdurand") is Role.CERCLE_ELARGI


# --- Observations ----------------------------------------------------------------------


async def test_cercle_elargi_records_a_value_and_a_qualitative_record(tmp_path: Path) -> None:
    async with demo_app(tmp_path, login="sgarcia", screen="observations") as (app, pilot):
        screen = screen_of(app, ObservationsScreen)
        before = {i.ref: len(i.values) for i in await queries.indicators(DEMO_SLUG)}
        await pilot.press("v")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        assert form.values()["indicator"] == "I1"  # the highlighted indicator
        assert form.values()["date"] == "02/03/2026"  # today, ready to keep
        form.query_one("#field-value", Input).focus()
        await type_text(pilot, "3,5")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        i1 = next(i for i in await queries.indicators(DEMO_SLUG) if i.ref == "I1")
        assert len(i1.values) == before["I1"] + 1
        assert i1.values[-1].value == Decimal("3.5") and i1.values[-1].author == "sgarcia"
        assert "3,5" in str(screen.query_one("#indicator-values").render())  # type: ignore[attr-defined]

        records_before = len(await queries.records(DEMO_SLUG))
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        form.query_one("#field-source", Input).focus()
        await type_text(pilot, "Permanence CAF")
        form.query_one("#field-text", TextArea).text = "Les familles demandent des paniers."
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        records = await queries.records(DEMO_SLUG)
        assert len(records) == records_before + 1
        assert any(r.source == "Permanence CAF" and r.author == "sgarcia" for r in records)


async def test_a_bad_value_is_refused_next_to_the_field(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="observations") as (app, pilot):
        await pilot.press("v")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        form.query_one("#field-value", Input).value = "beaucoup"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "n'est pas un nombre" in str(form.query_one("#error-value").render())
        assert form.query_one("#field-value", Input).value == "beaucoup"


async def test_cercle_elargi_may_not_create_an_indicator(tmp_path: Path) -> None:
    """Said up front: the form opens read-only with the reason, nothing to type in vain."""
    async with demo_app(tmp_path, login="sgarcia", screen="observations") as (app, pilot):
        await pilot.press("c")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        banner = str(form.query_one("#form-readonly").render())
        assert "Lecture seule" in banner and "demande le rôle trinôme" in banner
        assert form.query_one("#field-name", Input).disabled


# --- Journal ---------------------------------------------------------------------------


async def test_filter_the_journal(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="journal") as (app, pilot):
        screen = screen_of(app, JournalScreen)
        everything = list(screen.entries)  # type: ignore[attr-defined]
        assert everything and {e.actor for e in everything} > {"jrey"}

        await pilot.press("f")  # focus the first filter: « Qui »
        screen.query_one("#journal-actor", Select).value = "jrey"  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert screen.entries and {e.actor for e in screen.entries} == {"jrey"}  # type: ignore[attr-defined]

        screen.query_one("#journal-actor", Select).clear()  # type: ignore[attr-defined]
        screen.query_one("#journal-entity", Select).value = "jalon"  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert {e.entity for e in screen.entries} == {"jalon"}  # type: ignore[attr-defined]
        table = screen.query_one("#journal-table", DataTable)  # type: ignore[attr-defined]
        assert table.row_count == len(screen.entries)  # type: ignore[attr-defined]

        # A wrong date is said under the filters once the user presses enter.
        screen.query_one("#journal-since", Input).focus()  # type: ignore[attr-defined]
        await type_text(pilot, "31/02/2026")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "n'est pas une date valide" in str(
            screen.query_one("#error-journal-dates").render()  # type: ignore[attr-defined]
        )

        # A date range in the future empties the list; « c » clears every filter.
        screen.query_one("#journal-since", Input).value = "01/01/2100"  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert screen.entries == []  # type: ignore[attr-defined]
        assert "Aucune entrée" in str(screen.query_one("#journal-detail").render())  # type: ignore[attr-defined]
        screen.query_one("#journal-table").focus()  # type: ignore[attr-defined]
        await pilot.press("c")
        await settle(app, pilot)
        assert len(screen.entries) == len(everything)  # type: ignore[attr-defined]


async def test_removing_a_member_who_holds_actions_is_refused(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="equipe") as (app, pilot):
        screen = screen_of(app, EquipeScreen)
        assert screen.selected_login() == "cmartin"  # type: ignore[attr-defined]
        await pilot.press("delete")
        await settle(app, pilot)
        assert app.screen is screen  # refused up front, naming the next step
        messages = [m for _, m in app.notifications]  # type: ignore[attr-defined]
        assert any("faites d'abord une passation (touche p" in m for m in messages)
        assert await role_of("cmartin") is Role.TRINOME
