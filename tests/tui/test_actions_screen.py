"""The Actions screen, driven by the Pilot as a user would."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

from textual.widgets import Input, Select, SelectionList

from roadmap.domain.enums import ActionStatus
from roadmap.tui.screens.action_form import ActionFormScreen
from roadmap.tui.screens.actions import ActionsScreen
from roadmap.tui.screens.dashboard import DashboardScreen
from roadmap.tui.screens.status_picker import StatusPickerScreen
from roadmap.usecases import actions as action_usecases
from roadmap.usecases import queries
from roadmap.usecases.demo import DEMO_SLUG
from roadmap.usecases.identity import actor_for

from .helpers import demo_app, settle, type_text


def actions_screen(app: object) -> ActionsScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, ActionsScreen), screen
    return screen


async def status_of(ref: str) -> ActionStatus:
    return next(r.status for r in await queries.list_actions(DEMO_SLUG) if r.ref == ref)


async def test_table_lists_every_demo_action(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, _pilot):
        screen = actions_screen(app)
        expected = [r.ref for r in await queries.list_actions(DEMO_SLUG)]
        assert [r.ref for r in screen.table.rows] == expected
        assert "15 actions" in str(screen.query_one("#actions-title").render())


async def test_rows_are_kept_off_the_full_collections_while_shown(tmp_path: Path) -> None:
    """Once loaded and prepared, the rows (and all that lived then) are frozen out of the
    garbage collector's full passes, 80-110 ms at 10,000 actions (issue 15); leaving the
    screen hands them back, so they are freed."""
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        for _ in range(100):
            if gc.get_freeze_count():
                break
            await pilot.pause()
        assert gc.get_freeze_count() > 0
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, ActionsScreen)
        assert gc.get_freeze_count() == 0


async def test_create_an_action_through_the_form(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ActionFormScreen)
        await type_text(pilot, "Marche solidaire du samedi")
        form.query_one("#pilot", Select).value = "dapat"
        form.query_one("#axe", Select).value = "AX3"
        form.query_one("#owner", Select).value = "jrey"
        form.query_one("#start", Input).value = "01/04/2026"
        form.query_one("#end", Input).value = "30/09/2026"
        form.query_one("#contributors", SelectionList).select("caf")
        form.query_one("#deps", SelectionList).select("A7")
        await pilot.press("ctrl+s")
        await settle(app, pilot)

        screen = actions_screen(app)
        assert screen.table.current is not None
        assert screen.table.current.title == "Marche solidaire du samedi"
        detail = await queries.action_detail(DEMO_SLUG, screen.table.current.ref)
        assert detail.row.pilot_code == "dapat"
        assert detail.row.owner_login == "jrey"
        assert detail.row.contributors == ("caf",)
        assert detail.depends_on == ("A7",)


async def test_a_refused_form_keeps_the_input_and_names_the_field(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ActionFormScreen)
        await type_text(pilot, "Dates a l'envers")
        form.query_one("#pilot", Select).value = "dcs"
        form.query_one("#start", Input).value = "01/06/2026"
        form.query_one("#end", Input).value = "01/05/2026"
        await pilot.press("ctrl+s")
        await settle(app, pilot)

        assert app.screen is form, "the form stays open on a refusal"
        assert "précède le début" in str(form.query_one("#error-end").render())
        assert form.query_one("#title", Input).value == "Dates a l'envers"
        assert any("précède le début" in m for _, m in app.notifications)  # type: ignore[attr-defined]


async def test_quick_status_change_from_the_table(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        screen = actions_screen(app)
        await pilot.press("down")  # A2, en cours
        assert screen.table.current is not None and screen.table.current.ref == "A2"
        await pilot.press("s")
        await settle(app, pilot)
        assert isinstance(app.screen, StatusPickerScreen)
        await pilot.press("up", "enter")  # En cours → À lancer… one up is "À lancer"
        await settle(app, pilot)
        assert app.screen is screen
        assert await status_of("A2") is ActionStatus.A_LANCER
        assert screen.table.current is not None
        assert screen.table.current.status is ActionStatus.A_LANCER


async def test_cercle_elargi_member_sees_the_permission_refusal(tmp_path: Path) -> None:
    async with demo_app(tmp_path, login="sgarcia", screen="actions") as (app, pilot):
        await pilot.press("s")  # refused before choosing, not after
        await settle(app, pilot)
        warnings = [m for severity, m in app.notifications if severity == "warning"]  # type: ignore[attr-defined]
        assert any("demande le rôle" in m and "cercle élargi" in m for m in warnings), warnings
        assert await status_of("A1") is ActionStatus.TERMINEE  # unchanged
        assert isinstance(app.screen, ActionsScreen)


async def test_stale_version_is_reported_and_the_input_kept(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        await pilot.press("down", "enter")  # edit A2
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ActionFormScreen)
        assert form.detail is not None and form.detail.row.ref == "A2"
        # Someone else saves A2 between our load and our save.
        other = await actor_for("cmartin")
        await action_usecases.set_action_status(
            other, DEMO_SLUG, "A2", form.detail.row.version, "bloquee"
        )
        title = form.query_one("#title", Input)
        title.value = "Chèques fruits et légumes, deuxième vague"
        await pilot.press("ctrl+s")
        await settle(app, pilot)

        assert app.screen is form
        assert "modifié entre-temps par cmartin" in str(form.query_one("#error-form").render())
        assert title.value == "Chèques fruits et légumes, deuxième vague"
        assert await status_of("A2") is ActionStatus.BLOQUEE


async def test_leaving_the_screen_while_a_save_runs(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    release = asyncio.Event()
    real = action_usecases.set_action_status

    async def slow_set_status(*args: object, **kwargs: object) -> int:
        await release.wait()
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(action_usecases, "set_action_status", slow_set_status)
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        await pilot.press("down", "s")
        await pilot.pause()
        await pilot.press("down", "enter")  # En cours → Bloquée, held by the event
        await pilot.pause()
        await pilot.press("escape")  # leave while the save is pending
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)

        release.set()
        await settle(app, pilot)
        assert await status_of("A2") is ActionStatus.BLOQUEE
        assert any("enregistré" in m for _, m in app.notifications)  # type: ignore[attr-defined]

        await pilot.press("a")  # the app still answers, and shows the saved status
        await settle(app, pilot)
        rows = {r.ref: r for r in actions_screen(app).table.rows}
        assert rows["A2"].status is ActionStatus.BLOQUEE


async def test_filters_and_search(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        screen = actions_screen(app)
        screen.query_one("#f-axe", Select).value = "AX2"
        await settle(app, pilot)
        assert {r.axe_ref for r in screen.table.view_rows()} == {"AX2"}
        await pilot.press("ctrl+x", "slash")
        await type_text(pilot, "tarification")
        await settle(app, pilot)
        assert [r.ref for r in screen.table.view_rows()] == ["A12"]
        await pilot.press("enter")  # back to the table
        assert screen.focused is screen.table


async def test_a_long_search_says_so_then_counts_its_rows(tmp_path: Path) -> None:
    """At 50,000 actions a search completes between frames (issue 15): the title says
    it is searching, then gives the count. Here the table's limit is lowered to 1 text."""
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        screen = actions_screen(app)
        screen.table.SEARCH_READS = 1
        title = screen.query_one("#actions-title")
        needle = screen.table.rows[0].pilot_code  # the service piloting some actions
        screen.query_one("#search", Input).value = needle
        screen.apply_filters()  # as the key does: the first screenful now, then the rest
        assert "recherche dans 15 actions…" in str(title.render())
        await settle(app, pilot)
        assert not screen.table.searching
        expected = [
            r
            for r in screen.table.rows
            if needle in f"{r.ref} {r.title} {r.owner_name} {r.pilot_code}".lower()
        ]
        assert 0 < len(expected) < 15
        assert screen.table.view_rows() == expected
        assert f"{len(expected)} sur 15 actions" in str(title.render())


async def test_another_users_change_shows_up_without_a_key(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="actions", refresh=0.2) as (app, pilot):
        screen = actions_screen(app)
        await pilot.pause(0.5)  # the first check only records where the journal stands
        row = next(r for r in screen.table.rows if r.ref == "A3")
        other = await actor_for("cmartin")
        await action_usecases.set_action_status(other, DEMO_SLUG, "A3", row.version, "bloquee")
        for _ in range(40):
            await pilot.pause(0.1)
            rows = {r.ref: r for r in screen.table.rows}
            if rows["A3"].status is ActionStatus.BLOQUEE:
                break
        assert rows["A3"].status is ActionStatus.BLOQUEE
