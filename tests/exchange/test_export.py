"""Export: deterministic bytes, identical across backends, private data absent, changes."""

from __future__ import annotations

import tomllib
from pathlib import Path

from roadmap import models as m
from roadmap.exchange.export import export
from roadmap.exchange.metadata import ExportOptions
from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import DatabaseLocation, parse_location
from tests.conftest import create_pg_database, drop_pg_database, require_postgres
from tests.exchange.helpers import read_tree
from tests.exchange.seed import EMAIL, SECRET_NOTE, seed_roadmap


async def test_two_runs_give_identical_bytes(db: DatabaseLocation, tmp_path: Path) -> None:
    await seed_roadmap()
    first = await export(tmp_path / "a", options=ExportOptions(ics=True))
    second = await export(tmp_path / "b", options=ExportOptions(ics=True))
    assert read_tree(tmp_path / "a") == read_tree(tmp_path / "b")
    again = await export(tmp_path / "a", options=ExportOptions(ics=True))
    assert again.written == [] and len(again.unchanged) == len(first.written)
    assert len(second.written) == 14  # 1 roadmap + 6 services, .toml and .ics each


async def test_sqlite_and_postgres_give_identical_bytes(tmp_path: Path) -> None:
    require_postgres()
    await open_database(parse_location(str(tmp_path / "r.db")))
    try:
        await seed_roadmap()
        await export(tmp_path / "sqlite", options=ExportOptions(ics=True))
    finally:
        await close_database()
    url = await create_pg_database()
    try:
        await open_database(parse_location(url))
        try:
            await seed_roadmap()
            await export(tmp_path / "pg", options=ExportOptions(ics=True))
        finally:
            await close_database()
    finally:
        await drop_pg_database(url)
    assert read_tree(tmp_path / "sqlite") == read_tree(tmp_path / "pg")


async def test_header_refs_and_money(db: DatabaseLocation, tmp_path: Path) -> None:
    await seed_roadmap()
    await export(tmp_path)
    raw = (tmp_path / "pat-test.toml").read_bytes()
    assert raw.startswith(b'schema_version = 2\n\n[generation]\noutil = "roadmap"\n')
    doc = tomllib.loads(raw.decode())
    road = doc["feuille_de_route"]
    assert doc["generation"]["feuilles_de_route"] == ["pat-test"]
    assert [a["ref"] for a in road["actions"]] == ["A1", "A2", "A10"]
    assert road["actions"][1]["depend_des_actions"] == ["A1"]
    assert road["dossiers"][0]["financements"][1] == {
        "financeur": "dsu",
        "demande": "10000.00",
        "accorde": "8000.00",
    }
    assert road["dossiers"][0]["montant_demande"] == "15000.50"
    assert "genere_le" not in doc["generation"]
    assert b" id = " not in raw and b"_id" not in raw  # no database row ids


async def test_private_annotations_and_emails_never_exported(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await seed_roadmap()
    await export(tmp_path / "plain", options=ExportOptions(ics=True))
    for name, data in read_tree(tmp_path / "plain").items():
        assert SECRET_NOTE.encode() not in data, name
        assert b"@example" not in data and b"ampmetropole" not in data, name
    await export(tmp_path / "contacts", options=ExportOptions(with_contacts=True, ics=True))
    tree = read_tree(tmp_path / "contacts")
    assert any(EMAIL.encode() in data for data in tree.values())
    assert all(SECRET_NOTE.encode() not in data for data in tree.values())


async def test_service_file_lists_what_concerns_it_and_what_changed(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await seed_roadmap()
    await export(tmp_path)
    ddets = tomllib.loads((tmp_path / "services" / "ddets.toml").read_text())["service"]
    assert [j["ref"] for j in ddets["jalons"]] == ["J1"]
    assert ddets["dossiers"][0]["roles"] == ["instructeur"]
    assert ddets["dossiers"][0]["avis_du_service"] == "favorable"
    assert "changements" not in ddets
    caf = tomllib.loads((tmp_path / "services" / "caf.toml").read_text())["service"]
    assert {a["ref"]: a["roles"] for a in caf["actions"]} == {
        "A1": ["contributeur"],
        "A2": ["engagement"],
        "A10": ["pilote"],
    }

    await m.Action.filter(ref="A10").update(status="en_cours")
    await m.Jalon.filter(ref="J2").delete()
    second = await export(tmp_path, rebuild=True)  # direct updates: no journal rows
    caf_path = tmp_path / "services" / "caf.toml"
    assert caf_path in second.written
    changes = tomllib.loads(caf_path.read_text())["changements"]["elements"]
    assert {"section": "actions", "cle": "pat-test/A10", "changement": "modifie",
            "champs": ["statut"]} in changes  # fmt: skip
    assert {"section": "jalons", "cle": "pat-test/J2", "changement": "retire"} in changes
    before = caf_path.read_bytes()
    third = await export(tmp_path, rebuild=True)
    assert caf_path in third.unchanged and caf_path.read_bytes() == before


async def test_single_roadmap_and_stamp(db: DatabaseLocation, tmp_path: Path) -> None:
    await seed_roadmap()
    result = await export(tmp_path, roadmap="pat-test", options=ExportOptions(stamp=True))
    names = sorted(str(p.relative_to(tmp_path)) for p in result.files)
    assert "services/orphelin.toml" not in names and "pat-test.toml" in names
    doc = tomllib.loads((tmp_path / "pat-test.toml").read_text())
    assert doc["generation"]["genere_le"].tzinfo is not None
