"""The Jalons screen, driven by the Pilot as a user would: frise, re-routing, forms."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from textual.widgets import Input, Select

from roadmap.domain.enums import AdjustmentKind
from roadmap.tui.screens.declared_form import FormModal
from roadmap.tui.screens.jalons import JalonsScreen
from roadmap.tui.widgets.timeline import Timeline
from roadmap.usecases import jalons as jalon_usecases
from roadmap.usecases import queries
from roadmap.usecases.demo import DEMO_SLUG
from roadmap.usecases.identity import actor_for

from .helpers import demo_app, settle, type_text


def jalons_screen(app: object) -> JalonsScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, JalonsScreen), screen
    return screen


async def jalon(ref: str) -> queries.JalonDetail:
    return await queries.jalon_detail(DEMO_SLUG, ref)


async def select_jalon(app: object, pilot: object, ref: str) -> JalonsScreen:
    """Move the list's cursor down to ``ref`` with the arrow keys."""
    screen = jalons_screen(app)
    assert screen.data is not None
    refs = [r.ref for r in screen.data.rows]
    for _ in range(refs.index(ref) - refs.index(screen.selected_ref or refs[0])):
        await pilot.press("down")  # type: ignore[attr-defined]
    await settle(app, pilot)  # type: ignore[arg-type]
    assert screen.selected_ref == ref
    return screen


async def test_list_is_chronological_and_the_frise_places_every_jalon(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="jalons") as (app, _pilot):
        screen = jalons_screen(app)
        assert screen.data is not None
        dates = [r.current_date for r in screen.data.rows]
        assert dates == sorted(dates) and len(dates) == 8
        timeline = screen.query_one(Timeline)
        assert {m.ref for m in timeline.marks} == {r.ref for r in screen.data.rows}
        assert timeline.selected == screen.data.rows[0].ref
        assert screen.data.margins.available  # the graph's marges fill the column


async def test_reroute_a_jalon_with_a_reason(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="jalons") as (app, pilot):
        screen = await select_jalon(app, pilot, "J5")
        before = await jalon("J5")
        await pilot.press("d")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        await type_text(pilot, "2026-05-20")
        preview = str(form.query_one("#form-preview").render())
        assert "Décalage : +34 j" in preview
        form.query_one("#field-kind", Select).value = AdjustmentKind.OPPORTUNITE.value
        form.query_one("#field-reason", Input).focus()
        await type_text(pilot, "Report pour caler sur le COTECH de la prefecture")
        await pilot.press("enter")  # the last field: enter saves
        await settle(app, pilot)

        assert app.screen is screen
        after = await jalon("J5")
        assert after.row.current_date == date(2026, 5, 20)
        assert after.row.planned_date == before.row.planned_date
        adjustment = after.adjustments[-1]
        assert adjustment.reason == "Report pour caler sur le COTECH de la prefecture"
        assert adjustment.kind is AdjustmentKind.OPPORTUNITE
        # The history of the selected jalon shows the reason, the frise the first date.
        assert "caler sur le COTECH" in str(screen.query_one("#jalon-detail").render())
        mark = next(m for m in screen.query_one(Timeline).marks if m.ref == "J5")
        assert mark.when == date(2026, 5, 20) and mark.planned == before.row.planned_date


async def test_reroute_without_a_reason_is_refused_and_the_input_kept(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="jalons") as (app, pilot):
        await select_jalon(app, pilot, "J6")
        before = await jalon("J6")
        await pilot.press("d")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        await type_text(pilot, "2026-09-15")
        await pilot.press("ctrl+s")
        await settle(app, pilot)

        assert app.screen is form, "the form stays open on a refusal"
        assert "motif est obligatoire" in str(form.query_one("#error-reason").render())
        assert form.query_one("#field-new_date", Input).value == "2026-09-15"
        assert form.focused is form.query_one("#field-reason")
        errors = [m for severity, m in app.notifications if severity == "error"]  # type: ignore[attr-defined]
        assert any("motif est obligatoire" in m for m in errors)
        assert (await jalon("J6")).row.current_date == before.row.current_date

        await type_text(pilot, "Salle indisponible")  # fix it in place, then save
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, JalonsScreen)
        assert (await jalon("J6")).row.current_date == date(2026, 9, 15)


async def test_reroute_beyond_the_horizon_is_refused_next_to_the_date(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="jalons") as (app, pilot):
        await select_jalon(app, pilot, "J8")
        await pilot.press("d")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        await type_text(pilot, "2031-01-01")
        form.query_one("#field-reason", Input).value = "Trop tard"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "dépasse l'horizon" in str(form.query_one("#error-new_date").render())


async def test_stale_version_when_someone_moved_it_first(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="jalons") as (app, pilot):
        await select_jalon(app, pilot, "J7")
        await pilot.press("d")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        current = await jalon("J7")
        await jalon_usecases.reroute_jalon(
            await actor_for("cmartin"),
            DEMO_SLUG,
            "J7",
            current.row.version,
            date(2026, 7, 1),
            "Deplace par Claire",
            "contrainte",
        )
        await type_text(pilot, "2026-08-01")
        form.query_one("#field-reason", Input).value = "Vacances"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "modifié entre-temps par cmartin" in str(form.query_one("#error-form").render())
        assert form.query_one("#field-new_date", Input).value == "2026-08-01"
        assert (await jalon("J7")).row.current_date == date(2026, 7, 1)
        # Her version beside ours; ctrl+s then saves ours over hers, knowingly.
        theirs = form.query_one("#theirs-field-new_date")
        assert "01/07/2026" in str(theirs.query_one(".their-text").render())
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is not form
        assert (await jalon("J7")).row.current_date == date(2026, 8, 1)


async def test_create_a_jalon_through_the_form(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="jalons") as (app, pilot):
        screen = jalons_screen(app)
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        await type_text(pilot, "Atelier cuisine aux Canourgues")
        await pilot.press("enter")  # on to the date
        await type_text(pilot, "12/05/2026")
        form.query_one("#field-kind", Select).value = "atelier"
        from textual.widgets import SelectionList

        form.query_one("#field-services", SelectionList).select("centres-sociaux")
        form.query_one("#field-depends_on", SelectionList).select("J5")
        await pilot.press("ctrl+s")
        await settle(app, pilot)

        assert app.screen is screen
        created = await jalon("J9")
        assert created.row.title == "Atelier cuisine aux Canourgues"
        assert created.row.current_date == date(2026, 5, 12)
        assert created.row.invited_services == ("centres-sociaux",)
        assert created.row.depends_on == ("J5",)
        assert screen.selected_ref == "J9"


async def test_cercle_elargi_gets_a_read_only_form_with_the_reason(tmp_path: Path) -> None:
    async with demo_app(tmp_path, login="sgarcia", screen="jalons") as (app, pilot):
        await select_jalon(app, pilot, "J5")
        before = (await jalon("J5")).row.version
        await pilot.press("d")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        assert "demande le rôle" in str(form.query_one("#form-readonly").render())
        assert form.query_one("#field-new_date", Input).disabled
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not form.query_one("#form-save").display
        assert (await jalon("J5")).row.version == before


async def test_edit_keeps_the_date_and_status_changes_from_the_list(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="jalons") as (app, pilot):
        screen = await select_jalon(app, pilot, "J8")
        before = await jalon("J8")
        await pilot.press("enter")  # enter on a row opens its form
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        assert "field-date" not in {w.id for w in form.query("Input")}  # moving = re-routing
        title = form.query_one("#field-title", Input)
        assert title.value == before.row.title
        title.value = "COPIL annuel elargi"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        after = await jalon("J8")
        assert after.row.title == "COPIL annuel elargi"
        assert after.row.current_date == before.row.current_date
        assert after.row.depends_on == before.row.depends_on  # the lists were kept

        await pilot.press("s")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        form.query_one("#field-status", Select).value = "annule"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert (await jalon("J8")).row.status.value == "annule"
        assert next(m for m in screen.query_one(Timeline).marks if m.ref == "J8").status == "annule"
