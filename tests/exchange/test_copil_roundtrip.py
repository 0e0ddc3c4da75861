"""Baselines and the relevé travel in the roadmap file, and come back as they were."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadmap import models as m
from roadmap.exchange.export import export
from roadmap.exchange.importer import import_file
from roadmap.exchange.metadata import ExportOptions
from roadmap.exchange.problems import ImportRefused
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases import baselines as bl
from roadmap.usecases import releve as rel
from roadmap.usecases.identity import actor_for
from tests.exchange.helpers import without_journal

EXAMPLE = Path(__file__).resolve().parents[2] / "exports" / "demo" / "pat-salon-martigues.toml"
SLUG = "pat-salon-martigues"


async def test_restored_into_an_empty_base(db: DatabaseLocation, tmp_path: Path) -> None:
    await import_file(await actor_for("testeur"), EXAMPLE)
    (info,) = await bl.list_baselines(SLUG)
    assert (info.name, info.jalon_ref, info.taken_by, info.intact) == (
        "COPIL de lancement",
        "J1",
        "cmartin",
        True,
    )
    comparison = await bl.compare_with(await actor_for("testeur"), SLUG)
    assert comparison is not None and {m.ref for m in comparison.moved} == {"J4", "J6"}
    assert all(m.reasons for m in comparison.moved)
    decisions = await rel.list_decisions(SLUG)
    assert [(d.ref, d.done, d.links) for d in decisions] == [
        ("D1", True, ("A7",)),
        ("D2", False, ("A2",)),
        ("D3", False, ("A10", "J8")),
    ]
    # Imported again over itself (by a trinôme member): the same baseline, not a second one.
    await import_file(await actor_for("cmartin"), EXAMPLE)
    assert await m.Baseline.all().count() == 1
    await export(tmp_path, options=ExportOptions())
    # Byte for byte but the journal head, which is this database's own history.
    exported = (tmp_path / f"{SLUG}.toml").read_bytes()
    assert without_journal(exported) == without_journal(EXAMPLE.read_bytes())


async def test_edited_baseline_refused(db: DatabaseLocation, tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    edited = tmp_path / "edite.toml"
    old = (
        '\\"A10\\":{\\"attend\\":[],\\"axe\\":\\"AX4\\",'
        '\\"debut\\":\\"2026-01-16\\",\\"fin\\":\\"2026-05-01\\"'
    )
    assert old in text
    edited.write_text(text.replace(old, old.replace("2026-05-01", "2026-09-01")), encoding="utf-8")
    with pytest.raises(ImportRefused, match="ne correspond plus à son empreinte"):
        await import_file(await actor_for("testeur"), edited)
    assert await m.Baseline.all().count() == 0 and await m.Roadmap.all().count() == 0


async def test_update_by_file_leaves_baselines_and_releve_to_the_application(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await import_file(await actor_for("testeur"), EXAMPLE)
    text = EXAMPLE.read_text(encoding="utf-8")
    edited = tmp_path / "edite.toml"
    edited.write_text(
        text.replace('statut = "ouverte"', 'statut = "faite"', 1).replace(
            'nom = "COPIL de lancement"', 'nom = "COPIL renommé"'
        ),
        encoding="utf-8",
    )
    with pytest.raises(ImportRefused) as refused:
        await import_file(await actor_for("cmartin"), edited)
    message = str(refused.value)
    assert "le relevé de décisions ne change pas par import" in message
    assert "« COPIL renommé » n'est pas celle de la base" in message
    assert [d.done for d in await rel.list_decisions(SLUG)] == [True, False, False]
