"""A roadmap file names its territory (schema 2): a restore lands there, with its own
campaigns, never in another territory's campaign of the same year (issue 9)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from roadmap import models as m
from roadmap.domain.errors import PermissionDenied
from roadmap.exchange.export import export
from roadmap.exchange.importer import import_file
from roadmap.exchange.metadata import ExportOptions
from roadmap.exchange.problems import ImportRefused
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases import reference as ref
from roadmap.usecases.identity import actor_for
from tests.exchange.helpers import without_journal
from tests.roles import make_admin

SOURCE = Path(__file__).parent / "data" / "pat-test.toml"  # territory « metro », AAP 2026


def _nord(doc: dict[str, Any]) -> None:
    """The same kind of roadmap, from another contrat de ville, with its own AAP 2026."""
    road = doc["feuille_de_route"]
    road["slug"] = "pat-nord"
    road["territoire"] = "nord"
    road["campagnes"][0]["titre"] = "AAP du Nord 2026"
    road["campagnes"][0]["services_instructeurs"] = ["dsu"]
    for d in road["dossiers"]:
        d["ref"] = d["ref"].replace("D2026", "N2026")
    doc["referentiel"]["territoires"] = [{"code": "nord", "nom": "Contrat de ville du Nord"}]
    doc["generation"]["feuilles_de_route"] = ["pat-nord"]


def _v1(doc: dict[str, Any]) -> None:
    """A file written before the territory: schema 1, no territory anywhere."""
    doc["schema_version"] = 1
    doc["feuille_de_route"].pop("territoire", None)
    doc["referentiel"].pop("territoires", None)


def write(tmp_path: Path, name: str, *edits: Callable[[dict[str, Any]], None]) -> Path:
    doc = tomllib.loads(SOURCE.read_text())
    for edit in edits:
        edit(doc)
    path = tmp_path / name
    path.write_text(tomli_w.dumps(doc))
    return path


async def _campaigns() -> dict[tuple[str, int], tuple[str, list[str], list[str]]]:
    """(territory, year) → (title, instructors, roadmaps served)."""
    out = {}
    for c in await m.Campagne.all().prefetch_related("territoire"):
        instructors = sorted(
            await m.CampagneInstructor.filter(campagne_id=c.id).values_list(
                "service__code", flat=True
            )
        )
        served = sorted(
            set(
                await m.CampagneRoadmap.filter(campagne_id=c.id).values_list(
                    "roadmap__slug", flat=True
                )
            )
        )
        out[(c.territoire.code, c.year)] = (c.title, instructors, served)
    return out


async def _territory_of(slug: str) -> str:
    roadmap = await m.Roadmap.get(slug=slug).prefetch_related("territoire")
    return str(roadmap.territoire.code)


async def _rows() -> dict[str, int]:
    models = (m.Roadmap, m.Campagne, m.CampagneRoadmap, m.Territoire, m.JournalEntry, m.Dossier)
    return {model.__name__: await model.all().count() for model in models}


async def test_export_names_the_territory(db: DatabaseLocation, tmp_path: Path) -> None:
    await import_file(await make_admin("admin"), SOURCE)
    await export(tmp_path, options=ExportOptions())
    doc = tomllib.loads((tmp_path / "pat-test.toml").read_text())
    assert doc["schema_version"] == 2
    assert doc["feuille_de_route"]["territoire"] == "metro"
    assert doc["referentiel"]["territoires"] == [{"code": "metro", "nom": "Métropole test"}]
    assert await _territory_of("pat-test") == "metro"


async def test_second_territory_lands_in_its_own_territory_and_campaign(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    admin = await make_admin("admin")
    await import_file(admin, SOURCE)
    await ref.create_territoire(admin, "sud", "Contrat de ville du Sud")  # several territories
    metro_before = await _campaigns()
    nord = write(tmp_path, "pat-nord.toml", _nord)
    result = await import_file(admin, nord)
    assert result.created and "territoire nord" in result.new_reference
    assert await _territory_of("pat-nord") == "nord"
    assert await _territory_of("pat-test") == "metro"
    campaigns = await _campaigns()
    assert campaigns[("metro", 2026)] == metro_before[("metro", 2026)]  # untouched
    assert campaigns[("nord", 2026)] == ("AAP du Nord 2026", ["dsu"], ["pat-nord"])
    dossier = (
        await m.Dossier.filter(roadmap__slug="pat-nord")
        .first()
        .prefetch_related("campagne__territoire")
    )
    assert dossier is not None and dossier.campagne.territoire.code == "nord"
    # export → import → export: the exported file comes back byte for byte (but the journal
    # head), the hand-made one with the same content
    await export(tmp_path / "out", options=ExportOptions())
    exported = (tmp_path / "out" / "pat-test.toml").read_bytes()
    assert without_journal(exported) == without_journal(SOURCE.read_bytes())
    again = tomllib.loads((tmp_path / "out" / "pat-nord.toml").read_text())
    given = tomllib.loads(nord.read_text())
    assert again["feuille_de_route"] == given["feuille_de_route"]
    assert again["referentiel"]["territoires"] == given["referentiel"]["territoires"]


async def test_an_unknown_territory_is_created_by_administrators_only(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    def with_direction(doc: dict[str, Any]) -> None:
        doc["referentiel"]["personnes"].append({"login": "ddir", "nom": "Dominique Dir"})
        doc["feuille_de_route"]["equipe"].append(
            {"login": "ddir", "role": "direction", "cote": "autre"}
        )

    admin = await make_admin("admin")
    await import_file(admin, write(tmp_path, "base.toml", with_direction))
    direction = await actor_for("ddir")
    nord = write(tmp_path, "pat-nord.toml", _nord)
    before = await _rows()
    with pytest.raises(PermissionDenied, match="territoire nord") as refused:
        await import_file(direction, nord)
    assert "administrateurs" in str(refused.value) and "rien n'a été écrit" in str(refused.value)
    assert await _rows() == before
    # once an administrator created it (same name), the direction member restores the file
    await ref.create_territoire(admin, "nord", "Contrat de ville du Nord")
    await import_file(direction, nord)
    assert await _territory_of("pat-nord") == "nord"


async def test_a_territory_of_another_name_is_refused(db: DatabaseLocation, tmp_path: Path) -> None:
    admin = await make_admin("admin")
    await ref.create_territoire(admin, "nord", "Nord (ancien nom)")
    before = await _rows()
    with pytest.raises(ImportRefused) as refused:
        await import_file(admin, write(tmp_path, "pat-nord.toml", _nord))
    assert "referentiel.territoires[0].nom" in str(refused.value)
    assert await _rows() == before


async def test_old_files_without_territory(db: DatabaseLocation, tmp_path: Path) -> None:
    admin = await make_admin("admin")
    old = write(tmp_path, "pat-test.toml", _v1)
    # a base with one territory: the file goes there, as before the territory was exported
    await ref.create_territoire(admin, "metro", "Métropole test")
    await import_file(admin, old, dry_run=True)
    # several: ambiguous, refused naming --territoire, nothing written
    await ref.create_territoire(admin, "nord", "Contrat de ville du Nord")
    before = await _rows()
    with pytest.raises(ImportRefused) as refused:
        await import_file(admin, old)
    text = str(refused.value)
    assert "ne dit pas à quel territoire" in text and "--territoire CODE" in text
    assert "metro, nord" in text
    with pytest.raises(ImportRefused, match="territoire « sud » inconnu"):
        await import_file(admin, old, territoire="sud")
    assert await _rows() == before
    await import_file(admin, old, territoire="nord")
    assert await _territory_of("pat-test") == "nord"
    assert ("nord", 2026) in await _campaigns() and ("metro", 2026) not in await _campaigns()


async def test_a_version_1_file_may_not_carry_the_territory(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    def claims_1(doc: dict[str, Any]) -> None:
        doc["schema_version"] = 1

    with pytest.raises(ImportRefused) as refused:
        await import_file(await make_admin("admin"), write(tmp_path, "x.toml", claims_1))
    text = str(refused.value)
    assert "feuille_de_route.territoire" in text and "schema_version = 2" in text
    assert "referentiel.territoires" in text


async def test_an_update_never_moves_a_roadmap_to_another_territory(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    admin = await make_admin("admin")
    await import_file(admin, SOURCE)
    await ref.create_territoire(admin, "nord", "Contrat de ville du Nord")

    def moved(doc: dict[str, Any]) -> None:
        doc["feuille_de_route"]["territoire"] = "nord"
        doc["referentiel"]["territoires"] = [{"code": "nord", "nom": "Contrat de ville du Nord"}]

    before = await _rows()
    with pytest.raises(ImportRefused, match="ne la change pas de territoire"):
        await import_file(admin, write(tmp_path, "pat-test.toml", moved))
    with pytest.raises(ImportRefused, match="ne la change pas de territoire"):
        await import_file(admin, SOURCE, territoire="nord")
    assert await _rows() == before
    assert await _territory_of("pat-test") == "metro"


async def test_a_service_file_tells_two_territories_aap_of_the_same_year_apart(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    """dsu instructs both metro's and nord's AAP 2026: its file and calendar name each."""
    admin = await make_admin("admin")
    await import_file(admin, SOURCE)
    await import_file(admin, write(tmp_path, "pat-nord.toml", _nord))
    out = tmp_path / "out"
    await export(out, options=ExportOptions(ics=True))
    service = tomllib.loads((out / "services" / "dsu.toml").read_text())["service"]
    assert [(c["campagne"], c["territoire"], c["titre"]) for c in service["echeances_aap"]] == [
        (2026, "metro", "AAP contrat de ville 2026"),
        (2026, "nord", "AAP du Nord 2026"),
    ]
    dossiers = {d["ref"]: (d["campagne"], d["territoire"]) for d in service["dossiers"]}
    assert dossiers["D2026-001"] == (2026, "metro")
    assert dossiers["N2026-001"] == (2026, "nord")
    calendar = (out / "services" / "dsu.ics").read_text().replace("\r\n ", "")
    assert calendar.count("SUMMARY:Clôture de l'AAP 2026") == 2  # one event per territory
    again = tmp_path / "again"
    await export(again, options=ExportOptions())  # deterministic
    assert (again / "services" / "dsu.toml").read_bytes() == (
        out / "services" / "dsu.toml"
    ).read_bytes()
