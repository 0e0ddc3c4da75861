"""Snapshot of the Jalons screen on the demo (fixed sizes, frozen clock, theme dsfr).

Same setup as the frame's ``test_snapshots.py`` (``SnapshotApp`` opens the database in the
task that runs the app). Regenerate after a deliberate change:
``pytest tests/tui/test_jalons_snapshot.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .helpers import SnapshotApp, freeze_clock, open_and_settle

SIZES = [(100, 32), (80, 24)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_jalons(
    snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    freeze_clock(monkeypatch)
    assert snap_compare(
        SnapshotApp(tmp_path),
        terminal_size=size,
        run_before=open_and_settle("tableau_de_bord", "jalons"),
    )
