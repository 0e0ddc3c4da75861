"""The Revue direction screen on the demo, driven by the Pilot."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input, Static, TabbedContent, Tree

from roadmap.tui.screens.revue import RevueScreen

from .helpers import demo_app, settle, type_text


def revue(app: object) -> RevueScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, RevueScreen), screen
    return screen


def text_of(screen: RevueScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_review_shows_path_marges_load_alliance(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="revue") as (app, pilot):
        screen = revue(app)
        assert screen.review is not None
        chain = text_of(screen, "#revue-chain")
        assert "Chemin critique" in chain and "→ Point d'arrivée" in chain
        assert "horizon" in text_of(screen, "#revue-summary")
        margins = screen.query_one("#revue-margins", DataTable)
        assert margins.row_count > 5
        values = [
            int(str(margins.get_row_at(i)[3]).split()[0])
            for i in range(margins.row_count)
            if str(margins.get_row_at(i)[3]) not in ("—", "en retard")  # late: no marge
        ]
        assert values == sorted(values)
        assert screen.query_one("#revue-load", DataTable).row_count > 3
        alliance = text_of(screen, "#revue-alliance")
        assert "Droit commun" in alliance and "Pas encore dans l'alliance" in alliance
        # Switching tabs with the keyboard works (networkx never blocked the screen).
        screen.query_one("#revue-tabs", TabbedContent).active = "revue-tab-marges"
        await settle(app, pilot)


async def test_neighbourhood_tree_of_the_least_margin(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="revue") as (app, pilot):
        screen = revue(app)
        tabs = screen.query_one("#revue-tabs", TabbedContent)
        tabs.active = "revue-tab-marges"
        await settle(app, pilot)
        table = screen.query_one("#revue-margins", DataTable)
        table.focus()
        first_ref = str(table.get_row_at(0)[0])
        await pilot.press("v")
        await settle(app, pilot)
        assert tabs.active == "revue-tab-voisinage"
        tree = screen.query_one("#revue-tree", Tree)
        assert first_ref in str(tree.root.label)
        branches = [str(child.label) for child in tree.root.children]
        assert branches and any("attendu par" in b or "attend" in b for b in branches)


async def test_impact_simulator(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="revue") as (app, pilot):
        screen = revue(app)
        review = screen.review
        assert review is not None
        first = review.schedule.critical_path[0]
        ref = str(review.graph.nodes[first]["ref"])
        screen.query_one("#revue-tabs", TabbedContent).active = "revue-tab-simulateur"
        await settle(app, pilot)
        screen.query_one("#revue-sim-ref", Input).focus()
        await type_text(pilot, ref)
        screen.query_one("#revue-sim-days", Input).focus()
        await type_text(pilot, "30")
        await pilot.press("enter")
        await settle(app, pilot)
        result = text_of(screen, "#revue-sim-result")
        assert "glisse de 30 jours" in result and "horizon" in result
        assert screen.impact is not None and screen.impact.moves[0].days == 30
        # A wrong reference is named in French, nothing crashes.
        screen.query_one("#revue-sim-ref", Input).value = "Z9"
        screen.run_simulation()
        assert "« Z9 » n'est ni une action ni un jalon" in text_of(screen, "#revue-sim-result")
        screen.query_one("#revue-sim-ref", Input).value = ref
        screen.query_one("#revue-sim-days", Input).value = "beaucoup"
        screen.run_simulation()
        assert "nombre de jours attendu" in text_of(screen, "#revue-sim-result")


async def test_s_with_nothing_selected_asks_which_item_first(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="revue") as (app, pilot):
        screen = revue(app)
        screen.query_one("#revue-sim-ref", Input).value = ""
        screen.action_simulate_selected()
        await settle(app, pilot)
        if screen.query_one("#revue-sim-ref", Input).value:
            assert app.focused is screen.query_one("#revue-sim-days", Input)
        else:  # no item selected: the first field to fill is the item
            assert app.focused is screen.query_one("#revue-sim-ref", Input)
