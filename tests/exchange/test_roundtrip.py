"""Export → import into an empty database → export gives the same bytes."""

from __future__ import annotations

from pathlib import Path

from roadmap import models as m
from roadmap.exchange.export import export
from roadmap.exchange.importer import import_file
from roadmap.graph.report import write_report
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases import actions as act
from roadmap.usecases.identity import actor_for
from tests.exchange.generate import large_roadmap
from tests.exchange.helpers import read_tree, reopen_sqlite, without_journal
from tests.exchange.seed import SECRET_NOTE, seed_roadmap
from tests.roles import make_admin


async def test_round_trip_through_an_empty_database(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    await seed_roadmap()
    await export(tmp_path / "a")
    await reopen_sqlite(tmp_path / "second.db")
    result = await import_file(await make_admin("testeur"), tmp_path / "a" / "pat-test.toml")
    assert result.created and result.counts["actions"] == 3
    await export(tmp_path / "b")
    a, b = read_tree(tmp_path / "a"), read_tree(tmp_path / "b")
    assert b["pat-test.toml"] == a["pat-test.toml"]
    del a["services/orphelin.toml"]  # a service no roadmap mentions is not in the file
    assert a == b
    entry = await m.JournalEntry.filter(operation="import").get()
    assert entry.roadmap_slug == "pat-test" and "pat-test.toml" in entry.reason


async def test_file_imports_identically_on_each_backend(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    source = Path(__file__).parent / "data" / "pat-test.toml"
    await import_file(await make_admin("testeur"), source)
    await export(tmp_path)
    assert without_journal((tmp_path / "pat-test.toml").read_bytes()) == without_journal(
        source.read_bytes()
    )


async def test_reimport_updates_in_place_and_keeps_private_annotations(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    await seed_roadmap()
    await export(tmp_path / "a")
    cmartin = await actor_for("cmartin")
    await m.Action.filter(ref="A1").update(title="Titre changé")
    dossier_id = (await m.Dossier.get(ref="D2026-001")).id
    result = await import_file(cmartin, tmp_path / "a" / "pat-test.toml")
    assert not result.created
    assert result.changes == [
        "action A1 : titre : « Titre changé » → « Diagnostic de l'offre alimentaire »"
    ]
    row = await m.JournalEntry.filter(entity="action", entity_ref="A1").get()
    assert (row.actor, row.field, row.old_value) == ("cmartin", "titre", "Titre changé")
    await export(tmp_path / "b")
    assert read_tree(tmp_path / "a") == read_tree(tmp_path / "b")
    assert (await m.Dossier.get(ref="D2026-001")).id == dossier_id
    assert await m.Annotation.filter(dossier_id=dossier_id, text=SECRET_NOTE).exists()


async def test_large_generated_roadmap_round_trip(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    source = tmp_path / "grande.toml"
    source.write_bytes(large_roadmap())
    actor = await make_admin("testeur")
    await import_file(actor, source)
    await export(tmp_path / "a", options=None)
    await reopen_sqlite(tmp_path / "second.db")
    await import_file(actor, tmp_path / "a" / "grande-feuille.toml")
    await export(tmp_path / "b")
    a = without_journal((tmp_path / "a" / "grande-feuille.toml").read_bytes())
    assert a == without_journal((tmp_path / "b" / "grande-feuille.toml").read_bytes())
    assert a.count(b"[[feuille_de_route.dossiers]]") == 800
    assert read_tree(tmp_path / "a") == read_tree(tmp_path / "b")


async def test_the_cause_of_a_shift_is_exported_reported_and_restored(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    """Issue 11: a dependent shifted along keeps the same reason and its cause, a column
    written to the file, listed by the COPIL report, and kept by a restore byte for byte."""
    await seed_roadmap()
    cmartin = await actor_for("cmartin")
    version = (await m.Action.get(ref="A1")).version
    outcome = await act.reroute_action(
        cmartin, "pat-test", "A1", version, "2026-02-01", "2026-07-31",
        "Retard du diagnostic", "contrainte", shift_dependents=True,
    )  # fmt: skip
    assert [(s.ref, s.cause) for s in outcome.shifted] == [("J2", "A1")]
    await export(tmp_path / "a")
    text = (tmp_path / "a" / "pat-test.toml").read_text()
    assert 'motif = "Retard du diagnostic"\ncause = "A1"\nnature = "contrainte"' in text
    assert text.count("cause = ") == 1  # re-routings made by hand carry none
    report, _ = await write_report(cmartin, "pat-test", tmp_path / "r.md", picture=False)
    assert "| entraîné par A1 : Retard du diagnostic |" in report.read_text()
    await reopen_sqlite(tmp_path / "second.db")
    await import_file(await make_admin("testeur"), tmp_path / "a" / "pat-test.toml")
    assert await m.Adjustment.filter(cause="A1").values_list("reason", flat=True) == [
        "Retard du diagnostic"
    ]
    await export(tmp_path / "b")
    a, b = read_tree(tmp_path / "a"), read_tree(tmp_path / "b")
    assert b["pat-test.toml"] == a["pat-test.toml"]
