"""A corpus of broken files: each is refused with the expected message, nothing written."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from roadmap import models as m
from roadmap.exchange.importer import import_file
from roadmap.exchange.problems import ImportRefused
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases.identity import actor_for
from tests.roles import make_admin

SOURCE = Path(__file__).parent / "data" / "pat-test.toml"
Edit = Callable[[dict[str, Any]], None]


def text_case(old: str, new: str) -> bytes:
    data = SOURCE.read_text()
    assert old in data
    return data.replace(old, new, 1).encode()


def doc_case(edit: Edit) -> bytes:
    doc = tomllib.loads(SOURCE.read_text())
    edit(doc)
    return tomli_w.dumps(doc).encode()


def _road(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["feuille_de_route"]


CASES: list[tuple[str, bytes, list[str]]] = [
    ("syntaxe", text_case('titre = "Sans axe"', 'titre = "Sans axe'),
     ["pat-test.toml:", "TOML invalide"]),
    ("imbrication", b"x = " + b"[" * 800 + b"]" * 800, ["imbrication trop profonde"]),
    ("entier-geant", text_case("annee = 2026", "annee = 99999999999999999999"),
     ["feuille_de_route.campagnes[0].annee", "entier trop grand"]),
    ("version", text_case("schema_version = 2", "schema_version = 99"),
     [":1 : schema_version", "version de schéma « 99 » inconnue"]),
    ("cle-manquante", doc_case(lambda d: _road(d)["actions"][1].pop("titre")),
     ["feuille_de_route.actions[1]", "clé obligatoire « titre » absente"]),
    ("mauvais-type", text_case("horizon = 2028-12-31", 'horizon = "fin 2028"'),
     [":17 : feuille_de_route.horizon", "attendu une date AAAA-MM-JJ sans guillemets"]),
    ("service-inconnu", text_case('service_pilote = "caf"', 'service_pilote = "cnaf"'),
     ["feuille_de_route.actions[2].service_pilote", "service « cnaf » inconnu"]),
    ("cycle", doc_case(lambda d: _road(d)["actions"][0].update(depend_des_actions=["A2"])),
     ["les dépendances forment un cycle : action A1 → action A2 → action A1"]),
    ("hors-horizon", text_case("fin = 2026-06-30", "fin = 2031-06-30"),
     ["feuille_de_route.actions[0].fin", "30/06/2031 dépasse l'horizon (31/12/2028)"]),
    ("cle-inconnue", text_case('statut = "idee"', 'statut = "idee"\npriorite = 1'),
     ["feuille_de_route.actions[2].priorite", "clé inconnue « priorite »"]),
    ("montant-flottant", text_case('montant = "0.50"', "montant = 0.505"),
     ["engagements[0].montant", "deux décimales au plus"]),
    ("montant-negatif", text_case('demande = "5000.50"', 'demande = "-5"'),
     ["financements[0].demande", "négatif"]),
    ("enum", text_case('statut = "en_cours"', 'statut = "presque"'),
     ["feuille_de_route.actions[0].statut", "valeur « presque » inconnue"]),
    ("axe-inconnu", text_case('axe = "AX1"', 'axe = "AX9"', ), ["axe « AX9 » absent"]),
    ("fichier-service", text_case('type = "feuille_de_route"', 'type = "service"'),
     ["generation.type", "ne s'importe pas"]),
    ("sans-fuseau", text_case("le = 2026-01-06 09:30:00+00:00", "le = 2026-01-06 09:30:00"),
     ["commentaires[0].le", "sans fuseau"]),
    ("encodage", b"schema_version = 1\ntitre = \"\xff\"\n", ["encodage invalide"]),
    ("doublon", doc_case(lambda d: _road(d)["actions"][2].update(ref="A1")),
     ["feuille_de_route.actions[2].ref", "« A1 » apparaît deux fois"]),
    ("personne-inconnue", text_case('responsable = "pbernard"', 'responsable = "inconnu"'),
     ["personne « inconnu » inconnu"]),
    ("slug", text_case('slug = "pat-test"', 'slug = "PAT Test"'), ["feuille_de_route.slug"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "expected"), CASES, ids=[c[0] for c in CASES])
async def test_broken_file_refused_and_nothing_written(
    sqlite_db: DatabaseLocation, tmp_path: Path, name: str, content: bytes, expected: list[str]
) -> None:
    path = tmp_path / "pat-test.toml"
    path.write_bytes(content)
    with pytest.raises(ImportRefused) as refused:
        await import_file(await make_admin("testeur"), path)
    message = str(refused.value)
    assert message.startswith("import refusé, rien n'a été écrit")
    assert "pat-test.toml" in message
    for fragment in expected:
        assert fragment in message
    for model in (m.Roadmap, m.Service, m.Person, m.Qpv, m.Campagne, m.JournalEntry):
        assert await model.all().count() == 0, model.__name__


async def test_size_cap_and_missing_file(sqlite_db: DatabaseLocation, tmp_path: Path) -> None:
    actor = await make_admin("testeur")
    with pytest.raises(ImportRefused, match="fichier trop gros"):
        await import_file(actor, SOURCE, max_bytes=1024)
    from roadmap.domain.errors import StorageError  # a file the system cannot read: I/O, exit 4

    with pytest.raises(
        StorageError, match=r"absent\.toml impossible : fichier ou dossier introuvable"
    ):
        await import_file(actor, tmp_path / "absent.toml")


async def test_foreign_roadmap_needs_edit_rights(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    from roadmap.domain.errors import PermissionDenied

    await import_file(await make_admin("testeur"), SOURCE)
    assert (await import_file(await actor_for("sroux"), SOURCE)).changes == []  # nothing to do
    changed = tmp_path / "pat-test.toml"
    changed.write_bytes(text_case('titre = "Sans axe"', 'titre = "Sans axe, renommée"'))
    with pytest.raises(PermissionDenied, match="trinôme ou direction"):
        await import_file(await actor_for("sroux"), changed)  # cercle élargi
    assert not await m.Action.filter(title="Sans axe, renommée").exists()
