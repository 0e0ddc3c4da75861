"""Hand-written TOML: French amounts accepted when unambiguous, month-only dates and every
parser error said in French with the line, the key and what is expected; nothing written."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from roadmap import models as m
from roadmap.cli import main
from roadmap.exchange.importer import import_file
from roadmap.exchange.problems import ImportRefused
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases.identity import actor_for

SOURCE = Path(__file__).parents[1] / "exchange" / "data" / "pat-test.toml"
ENGLISH = re.compile(r"\b(Expected|Invalid|Illegal|Unclosed|Cannot|line|column|value)\b")


def _write(tmp_path: Path, old: str, new: str) -> Path:
    text = SOURCE.read_text()
    assert old in text
    path = tmp_path / "pat-test.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ('montant = "12 500,10"', "12500.10"),
        ('montant = "12 500,10 €"', "12500.10"),
        ('montant = "8 000 €"', "8000.00"),
        ("montant = 12500.1", "12500.10"),
        ("montant = 12500", "12500.00"),
        ('montant = "12500,1"', "12500.10"),
    ],
)
async def test_french_amounts_are_read(
    db: DatabaseLocation, tmp_path: Path, written: str, stored: str
) -> None:
    path = _write(tmp_path, 'montant = "12500.10"', written)
    await import_file(await actor_for("testeur"), path)
    engagement = await m.Engagement.filter(kind="budget").first()
    assert engagement is not None and engagement.amount == Decimal(stored)


CASES = [
    (
        'montant = "12500.10"',
        'montant = "12.500"',
        ":86 : feuille_de_route.actions[1].engagements[0].montant : « 12.500 » est ambigu "
        '(milliers ou décimales ?) ; écrivez "25000.50", "25 000,50" ou 25000.5',
    ),
    (
        'montant = "12500.10"',
        "montant = 12 500,10",
        ":86 : feuille_de_route.actions[1].engagements[0].montant : TOML invalide (colonne 14) : "
        'nombre « 12 500,10 » illisible en TOML : écrivez-le entre guillemets ("12 500,10")',
    ),
    (
        "date_prevue = 2026-03-10",
        "date_prevue = 2026-03",
        ":100 : feuille_de_route.jalons[0].date_prevue : TOML invalide (colonne 19) : date "
        "incomplète « 2026-03 » : le jour manque ; attendu une date complète AAAA-MM-JJ, "
        "ex. 2026-03-01",
    ),
    (
        "date_prevue = 2026-03-10",
        'date_prevue = "2026-03"',
        ":100 : feuille_de_route.jalons[0].date_prevue : date incomplète « 2026-03 » : le jour "
        "manque ; attendu une date complète AAAA-MM-JJ sans guillemets, ex. 2026-01-15",
    ),
    (
        'titre = "COPIL de lancement"',
        'titre = "COPIL de lancement',
        ":98 : feuille_de_route.jalons[0].titre : TOML invalide (colonne 28) : texte non "
        "refermé : guillemet fermant attendu avant la fin de la ligne",
    ),
    (
        'titre = "COPIL de lancement"',
        'titre = "COPIL\\u0007 de lancement"',
        ":98 : feuille_de_route.jalons[0].titre : caractère de contrôle U+0007 refusé",
    ),
    (
        "date_prevue = 2026-03-10",
        "date_prevue = 2026-02-30",
        ":100 : feuille_de_route.jalons[0].date_prevue : TOML invalide (colonne 15) : date "
        "impossible « 2026-02-30 »",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), CASES, ids=[c[1] for c in CASES])
async def test_refused_in_french_with_line_and_key_nothing_written(
    sqlite_db: DatabaseLocation, tmp_path: Path, old: str, new: str, expected: str
) -> None:
    path = _write(tmp_path, old, new)
    with pytest.raises(ImportRefused) as refused:
        await import_file(await actor_for("testeur"), path)
    message = str(refused.value)
    assert expected in message, message
    assert not ENGLISH.search(message), message
    for model in (m.Roadmap, m.Service, m.Engagement, m.JournalEntry):
        assert await model.all().count() == 0, model.__name__


def test_a_returned_service_file_reads_amounts_as_the_import_does(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A service edits its own file by hand: « 30.000 » is refused as ambiguous (it used to
    become a proposal of 30 €), « 30 000,00 » is 30000.00."""
    db = ["--db", str(demo_db)]
    assert main([*db, "export", "--out", str(tmp_path / "ex")]) == 0
    text = (tmp_path / "ex" / "services" / "caf.toml").read_text(encoding="utf-8")
    assert 'montant = "25000.00"' in text
    returned = tmp_path / "caf.toml"
    returned.write_text(text.replace('montant = "25000.00"', 'montant = "30.000"', 1))
    capsys.readouterr()
    assert main([*db, "propositions", "recevoir", str(returned)]) == 2
    err = capsys.readouterr().err
    assert "« 30.000 » est ambigu" in err and "engagements[0].montant" in err
    assert err.startswith("roadmap : fichier refusé, aucune proposition enregistrée :")
    assert main([*db, "propositions", "liste"]) == 0
    assert "30.00" not in capsys.readouterr().out
    returned.write_text(text.replace('montant = "25000.00"', 'montant = "30 000,00"', 1))
    assert main([*db, "propositions", "recevoir", str(returned)]) == 0
    assert "« 25000.00 » → « 30000.00 »" in capsys.readouterr().out
