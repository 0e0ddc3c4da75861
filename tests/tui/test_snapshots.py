"""Pictures of every screen on the demo at 80×24 and 120×36, with a frozen clock.

One app per picture (the demo is built in the app's own task, RISKS 9). What they guard:
nothing essential cut at 80 columns (amounts, « Avis attendus », the role in the title),
help and quit first in every footer, ellipses on cut titles.
Regenerate after a deliberate change: ``pytest tests/tui/test_snapshots.py --snapshot-update``
and look at the pictures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from .helpers import SnapshotApp, freeze_clock, no_blink, open_and_settle, settle

SIZES = [(80, 24), (120, 36)]
SCREENS = [
    (),
    ("tableau_de_bord",),
    ("tableau_de_bord", "actions"),
    ("tableau_de_bord", "jalons"),
    ("tableau_de_bord", "equipe"),
    ("tableau_de_bord", "observations"),
    ("tableau_de_bord", "journal"),
    ("tableau_de_bord", "instruction"),
    ("tableau_de_bord", "revue"),
    # Exporter shows the output folder, a temporary path: its Pilot tests cover it.
]


def size_id(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_clock(monkeypatch)


@pytest.mark.parametrize("size", SIZES, ids=size_id)
@pytest.mark.parametrize("screens", SCREENS, ids=lambda s: s[-1] if s else "accueil")
def test_screen(
    snap_compare: Any,
    tmp_path: Path,
    frozen: None,
    size: tuple[int, int],
    screens: tuple[str, ...],
) -> None:
    assert snap_compare(
        SnapshotApp(tmp_path), terminal_size=size, run_before=open_and_settle(*screens)
    )


def then_press(*keys: str, screens: tuple[str, ...] = ("tableau_de_bord", "actions")) -> Any:
    opened = open_and_settle(*screens)

    async def run_before(pilot: Pilot[Any]) -> None:
        await opened(pilot)
        await pilot.press(*keys)
        await settle(pilot.app, pilot)  # type: ignore[arg-type]
        no_blink(pilot.app)  # type: ignore[arg-type]

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_action_form(snap_compare: Any, tmp_path: Path, frozen: None, size: Any) -> None:
    assert snap_compare(SnapshotApp(tmp_path), terminal_size=size, run_before=then_press("enter"))


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_help(snap_compare: Any, tmp_path: Path, frozen: None, size: Any) -> None:
    assert snap_compare(
        SnapshotApp(tmp_path), terminal_size=size, run_before=then_press("question_mark")
    )
