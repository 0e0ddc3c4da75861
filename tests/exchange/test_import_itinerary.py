"""Issue 11 through import: dates that contradict a dependency are named, dry run included."""

from __future__ import annotations

from pathlib import Path

from roadmap import models as m
from roadmap.exchange.importer import import_file
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases.check import check_roadmap
from roadmap.usecases.identity import actor_for
from tests.exchange.test_import_changeset import (  # noqa: F401 (autouse fixture)
    _moved,
    administrator,
    edited,
    restored,
)


async def test_import_names_the_dependencies_its_dates_contradict(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await restored(tmp_path)
    path = edited(tmp_path, _moved)  # A1 now ends 30/09/2026; J2, which waits for it, 19/05
    me = await actor_for("cmartin")
    expected = ["J2 commence le 19/05/2026, avant la fin de A1 dont il dépend (30/09/2026)"]
    preview = await import_file(
        me, path, motif="diagnostic élargi", nature="opportunite", dry_run=True
    )
    assert preview.dry_run and preview.contradicted == expected
    assert (await m.Action.get(ref="A1")).end_date.isoformat() == "2026-06-30"  # nothing kept
    result = await import_file(me, path, motif="diagnostic élargi", nature="opportunite")
    assert result.contradicted == expected
    alerts = [a for a in await check_roadmap("pat-test") if a.code == "dependance-contredite"]
    assert [(a.ref, a.message) for a in alerts] == [("J2", expected[0])]
