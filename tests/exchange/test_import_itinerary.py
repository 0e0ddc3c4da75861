"""Issue 11 through import: dates that contradict a dependency are named, dry run included."""

from __future__ import annotations

import asyncio
import contextlib
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from roadmap import models as m
from roadmap.cli import main
from roadmap.exchange.import_itinerary import ChoiceNeeded
from roadmap.exchange.importer import import_file
from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases.check import check_roadmap
from roadmap.usecases.identity import actor_for
from tests.exchange.test_import_changeset import (  # noqa: F401 (autouse fixture)
    _moved,
    administrator,
    counts,
    edited,
    restored,
    road,
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


def _a1_later(doc: dict[str, Any]) -> None:
    """A1 ends three months later; J2 (05/05/2026), which waits for it, is not in the edit."""
    road(doc)["actions"][0]["fin"] = date(2026, 9, 30)


MOTIF = {"motif": "diagnostic élargi", "nature": "opportunite"}


async def test_without_a_choice_an_import_contradicting_dependents_is_refused(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await restored(tmp_path)
    path = edited(tmp_path, _a1_later)
    me = await actor_for("cmartin")
    before = await counts()
    with pytest.raises(ChoiceNeeded) as refused:
        await import_file(me, path, **MOTIF)
    message = str(refused.value)
    assert "J2 « Journée sprint » commence le 05/05/2026, avant la fin de A1" in message
    assert "--decaler" in message and "--garder" in message
    assert refused.value.itinerary.moved == [("A1", 92)]
    assert await counts() == before
    # a dry run without a choice shows both outcomes and refuses nothing
    preview = await import_file(me, path, dry_run=True, **MOTIF)
    itinerary = preview.itinerary
    assert itinerary is not None and itinerary.choice is None
    assert itinerary.shift.pushed == (("J2", 148),) and itinerary.shift.causes == ("A1",)
    assert itinerary.shift.conflicts == () and itinerary.keep.pushed == ()
    assert [c[:20] for c in itinerary.keep.conflicts] == ["J2 « Journée sprint "]
    assert itinerary.shift.horizon == date(2028, 12, 31) and not itinerary.shift.horizon_missed
    assert await counts() == before


async def test_decaler_shifts_the_dependents_with_the_reason_and_cause(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await restored(tmp_path)
    path = edited(tmp_path, _a1_later)
    me = await actor_for("cmartin")
    dry = await import_file(me, path, dry_run=True, shift_dependents=True, **MOTIF)
    assert dry.itinerary is not None and [s.ref for s in dry.itinerary.shifted] == ["J2"]
    assert (await m.Jalon.get(ref="J2")).current_date == date(2026, 5, 5)  # rolled back
    result = await import_file(me, path, shift_dependents=True, **MOTIF)
    assert result.itinerary is not None
    assert [(s.ref, s.days, s.cause) for s in result.itinerary.shifted] == [("J2", 148, "A1")]
    assert result.contradicted == []
    assert (await m.Jalon.get(ref="J2")).current_date == date(2026, 9, 30)
    rows = await m.Adjustment.filter(jalon__ref="J2", cause="A1").values_list(
        "new_value", "reason", "kind", "author"
    )
    assert rows == [("2026-09-30", "diagnostic élargi", "opportunite", "cmartin")]
    assert await m.JournalEntry.filter(
        entity_ref="J2", operation="ajustement", reason="entraîné par A1 : diagnostic élargi"
    ).exists()
    assert not [a for a in await check_roadmap("pat-test") if a.code == "dependance-contredite"]


async def test_garder_keeps_the_dependents_and_the_contradiction_is_an_alert(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await restored(tmp_path)
    me = await actor_for("cmartin")
    result = await import_file(me, edited(tmp_path, _a1_later), shift_dependents=False, **MOTIF)
    assert result.itinerary is not None and result.itinerary.shifted == ()
    assert (await m.Jalon.get(ref="J2")).current_date == date(2026, 5, 5)
    alerts = [a.ref for a in await check_roadmap("pat-test") if a.code == "dependance-contredite"]
    assert alerts == ["J2"]


async def test_the_cli_prints_the_preview_and_refuses_without_a_choice(
    sqlite_db: DatabaseLocation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = sqlite_db  # the CLI opens its own SQLite file (PostgreSQL doors: tests/doors)
    await restored(tmp_path)
    path = edited(tmp_path, _a1_later)
    monkeypatch.setenv("ROADMAP_USER", "cmartin")
    await close_database()
    try:
        argv = ["--db", str(db.path), "import", str(path), "--motif", "diagnostic élargi",
                "--nature", "opportunite"]  # fmt: skip
        code, text = await asyncio.to_thread(_run, [*argv, "--dry-run"])
        assert code == 0, text
        assert "Déplacés par le fichier : A1 (+92 j)" in text
        assert "Avec --decaler :\n    Fait bouger : J2 (+148 j, par A1)" in text
        assert "Avec --garder :\n    ⚠ J2 « Journée sprint » commence le 05/05/2026" in text
        assert "L'horizon du 31/12/2028 tient" in text
        code, text = await asyncio.to_thread(_run, argv)
        assert code == 2 and "Rien n'a été écrit" in text and "--garder" in text, text
        code, text = await asyncio.to_thread(_run, [*argv, "--decaler"])
        assert code == 0 and "Décalés aussi : J2 (+148 j, par A1)" in text, text
    finally:
        await open_database(db)


def _run(argv: list[str]) -> tuple[int, str]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        code = main(argv)
    return code, buffer.getvalue()
