"""The dashboard of a large roadmap (issue 15): the first risks and alerts are painted, the
counts stay whole, the other risks are one key away, the other alerts one command away.

Textual measures every line of a list or a text at each layout: at 10,000 actions (4,000
risks, 7,000 alerts) painting them all held the keys for seconds. The demo has fewer lines
than the screen paints at once, so these tests lower the limit (``dashboard.SHOWN``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList

from roadmap.tui.screens import dashboard as dashboard_module
from roadmap.tui.screens.dashboard import DashboardScreen
from roadmap.usecases.check import check_roadmap
from roadmap.usecases.demo import DEMO_SLUG
from roadmap.usecases.risks import roadmap_risks

from .helpers import DEMO_TODAY, demo_app, settle


def _prompts(menu: OptionList) -> list[str]:
    return [str(menu.get_option_at_index(i).prompt) for i in range(menu.option_count)]


async def test_first_risks_then_the_others_on_enter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dashboard_module, "SHOWN", 2)
    async with demo_app(tmp_path) as (app, pilot):
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        every = [r.message for r in await roadmap_risks(DEMO_SLUG, today=DEMO_TODAY)]
        assert len(every) > 3
        menu = screen.query_one("#dash-risks", OptionList)
        lines = _prompts(menu)
        assert [line.removeprefix("● ") for line in lines[:2]] == every[:2]
        assert lines[2:] == [f"… et {len(every) - 2} autres : Entrée pour les afficher"]

        menu.focus()
        menu.highlighted = 2
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen  # the line opens nothing: it lists the others
        assert [line.removeprefix("● ") for line in _prompts(menu)] == every
        assert menu.highlighted == 2  # on the first risk that was not shown

        screen.action_reload()  # a reload keeps them all
        await settle(app, pilot)
        assert menu.option_count == len(every)


async def test_first_alerts_whole_count_and_where_the_others_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dashboard_module, "SHOWN", 2)
    async with demo_app(tmp_path) as (app, _pilot):
        every = await check_roadmap(DEMO_SLUG, today=DEMO_TODAY)
        assert len(every) > 3
        text = str(app.screen.query_one("#dash-alerts").render()).splitlines()
        assert text[0] == f"Alertes ({len(every)})"
        assert len(text) == 4 and every[0].message in text[1] and every[1].message in text[2]
        assert text[3] == f"… et {len(every) - 2} autres : roadmap check --roadmap {DEMO_SLUG}"


async def test_few_lines_are_all_shown(tmp_path: Path) -> None:
    async with demo_app(tmp_path) as (app, _pilot):
        every = await roadmap_risks(DEMO_SLUG, today=DEMO_TODAY)
        alerts = await check_roadmap(DEMO_SLUG, today=DEMO_TODAY)
        assert len(every) < dashboard_module.SHOWN and len(alerts) < dashboard_module.SHOWN
        menu = app.screen.query_one("#dash-risks", OptionList)
        assert [line.removeprefix("● ") for line in _prompts(menu)] == [r.message for r in every]
        text = str(app.screen.query_one("#dash-alerts").render())
        assert "autres" not in text and len(text.splitlines()) == len(alerts) + 1
