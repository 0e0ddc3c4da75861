"""Large exports write the service files in a helper process: same bytes as one process."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadmap.exchange import export as export_module
from roadmap.exchange import service_files
from roadmap.exchange.export import export
from roadmap.exchange.metadata import ExportOptions
from roadmap.storage.location import DatabaseLocation
from tests.exchange.helpers import read_tree
from tests.exchange.test_demo_example import DEMO_TODAY
from tests.roles import make_admin


async def test_helper_process_gives_the_same_files(
    sqlite_db: DatabaseLocation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from roadmap.usecases.demo import build_demo

    await build_demo(await make_admin("cmartin"), today=DEMO_TODAY)
    options = ExportOptions(ics=True)
    alone = await export(tmp_path / "alone", options=options)
    # Every export goes parallel, in chunks of 2 services, so the helper's chunks, the
    # chunks taken back and the progress from both processes are all exercised.
    monkeypatch.setattr(export_module, "PARALLEL_ROWS", 0)
    monkeypatch.setattr(export_module, "PARALLEL_SERVICES", 0)  # the demo has 12 services
    monkeypatch.setattr(service_files, "CHUNK", 2)
    seen: list[tuple[int, int]] = []
    both = await export(
        tmp_path / "both", options=options, progress=lambda d, t, _: seen.append((d, t))
    )
    assert read_tree(tmp_path / "both") == read_tree(tmp_path / "alone")
    assert both.files == [
        tmp_path / "both" / p.relative_to(tmp_path / "alone") for p in alone.files
    ]
    total = len(alone.files)
    assert seen == [(n, total) for n in range(1, total + 1)]
    again = await export(tmp_path / "both", options=options)
    assert again.written == [] and len(again.unchanged) == total
