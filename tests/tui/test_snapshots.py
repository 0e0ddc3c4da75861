"""Pictures of the frame's screens on the demo, at fixed sizes, with a frozen clock.

Regenerate after a deliberate change: ``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .helpers import SnapshotApp, freeze_clock, open_and_settle

SIZES = [(100, 32), (80, 24)]


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_clock(monkeypatch)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_accueil(snap_compare: Any, tmp_path: Path, frozen: None, size: tuple[int, int]) -> None:
    assert snap_compare(SnapshotApp(tmp_path), terminal_size=size, run_before=open_and_settle())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_tableau_de_bord(
    snap_compare: Any, tmp_path: Path, frozen: None, size: tuple[int, int]
) -> None:
    assert snap_compare(
        SnapshotApp(tmp_path), terminal_size=size, run_before=open_and_settle("tableau_de_bord")
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_actions(snap_compare: Any, tmp_path: Path, frozen: None, size: tuple[int, int]) -> None:
    assert snap_compare(
        SnapshotApp(tmp_path),
        terminal_size=size,
        run_before=open_and_settle("tableau_de_bord", "actions"),
    )
