"""One table of exit codes (README), true for every command: a test walks them all.

0 done · 1 alerts or lines refused · 2 usage or bad input · 3 refused (role, conflict) ·
4 storage or I/O · 141 reader gone (tests/badinput/test_pipes.py).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from roadmap.cli import build_parser, main

from .conftest import DATA

TOML_SOURCE = Path(__file__).parents[1] / "exchange" / "data" / "pat-test.toml"

# (subcommand words, extra arguments, user, expected code); {tmp} is the test's folder
START = [
    "--territoire", "Ville de Roubaix", "--nom", "Aïcha Benhamou", "--service", "DPV",
    "--autre-service", "Sports", "--titre", "Sport santé", "--point-arrivee", "Du sport",
    "--horizon", "31/12/2028",
]  # fmt: skip
CASES: list[tuple[str, list[str], str, int]] = [
    ("whoami", [], "testeur", 0),
    ("check", [], "testeur", 1),
    ("check", ["--roadmap", "inconnue"], "testeur", 2),
    ("db upgrade", [], "testeur", 0),
    ("db backup", ["{tmp}/copie.db"], "testeur", 0),
    ("db backup", ["{tmp}/fichier/copie.db"], "testeur", 4),
    ("db verify", [], "testeur", 0),
    ("db verify", ["--export", "{tmp}/fichier"], "testeur", 1),  # no journal head in it
    ("db acces", ["pcaf", "--role", "lecteur"], "testeur", 2),  # PostgreSQL only
    ("dossiers", ["--format", "csv"], "testeur", 0),
    ("dossier show", ["AAP2026-001"], "testeur", 0),
    ("dossier show", ["AAP1999-999"], "testeur", 2),
    (
        "dossier import",
        ["{data}/excel-cp1252-pointvirgule.csv", "--campagne", "2031"],
        "testeur",
        1,
    ),
    ("dossier import", ["{data}/guillemet-non-ferme.csv"], "testeur", 2),
    ("dossier import", ["{tmp}/absent.csv"], "testeur", 4),
    ("dossier avis", ["AAP2026-005", "--valeur", "favorable"], "visiteur", 3),
    ("dossier decide", ["AAP2026-005", "--issue", "refuse"], "visiteur", 3),
    ("dossier etat", ["AAP2026-005", "irrecevable"], "visiteur", 3),
    ("export", ["--out", "{tmp}/exports"], "testeur", 0),
    ("export", ["--marges", "demain"], "testeur", 2),
    ("export", ["--out", "{tmp}/fichier/exports"], "testeur", 4),
    ("import", ["{tmp}/casse.toml"], "testeur", 2),
    ("import", ["{tmp}/absent.toml"], "testeur", 4),
    ("action dates", ["A5", "--fin", "31/13/2027", "--garder"], "testeur", 2),
    (
        "action dates",
        ["A5", "--fin", "01/02/2028", "--motif", "Retard", "--nature", "contrainte", "--decaler"],
        "visiteur",
        3,
    ),
    ("graph", ["--out", "{tmp}/g.dot"], "testeur", 0),
    ("graph", ["--out", "{tmp}/g.txt"], "testeur", 2),
    ("graph", ["--out", "{tmp}/absent/g.svg"], "testeur", 4),
    ("report", ["--out", "{tmp}/r.md", "--sans-image"], "testeur", 0),
    ("report", ["--out", "{tmp}/r.html"], "testeur", 2),
    ("report", ["--out", "{tmp}/absent/r.md"], "testeur", 4),
    ("baseline list", [], "testeur", 0),
    ("baseline create", ["--nom", "COPIL test"], "visiteur", 3),
    ("baseline compare", ["--depuis", "inconnue"], "testeur", 2),
    ("baseline verify", [], "testeur", 0),
    ("baseline delete", ["--nom", "inconnue"], "visiteur", 3),
    ("decision liste", [], "testeur", 0),
    ("decision ajouter", ["--jalon", "J1", "--texte", "Valider"], "visiteur", 3),
    ("decision fait", ["D999"], "testeur", 2),
    ("propositions recevoir", ["{tmp}/fichier"], "testeur", 2),  # not TOML
    ("propositions recevoir", ["{tmp}/absent.toml"], "testeur", 4),
    ("propositions liste", [], "testeur", 0),
    ("propositions accepter", ["999"], "testeur", 2),
    ("propositions refuser", ["999", "--motif", "pas maintenant"], "testeur", 2),
    ("demo", [], "testeur", 2),  # exists already: --force needed
    ("demo", ["--supprimer"], "visiteur", 3),
    ("demo", ["--supprimer"], "testeur", 2),  # no terminal and no --force
    ("commencer", [*START, "--cote", "politique_de_la_ville"], "visiteur", 3),
    ("commencer", [*START, "--cote", "droit_commun", "--horizon", "2028-12"], "testeur", 2),
    ("commencer", [*START, "--cote", "politique_de_la_ville"], "testeur", 0),
    ("propositions liste", [], "testeur", 0),
    ("propositions accepter", ["999"], "testeur", 2),
    ("propositions refuser", ["999", "--motif", "hors sujet"], "testeur", 2),
    ("propositions recevoir", ["{tmp}/absent.toml"], "testeur", 4),
    ("acces mot-de-passe", ["jrey"], "testeur", 2),  # no terminal and no --stdin
    ("acces mot-de-passe", ["jrey", "--stdin"], "visiteur", 3),
    ("acces invitation", ["personne"], "testeur", 2),
    ("acces invitation", ["jrey"], "visiteur", 3),
    ("serve", ["--port", "70000"], "testeur", 2),
    ("serve", [], "visiteur", 3),
    ("admin liste", [], "testeur", 0),
    ("admin ajouter", ["jrey"], "visiteur", 3),
    ("admin retirer", ["personne"], "visiteur", 3),
    ("admin territoires", [], "testeur", 0),
    ("admin territoire", ["nord", "Territoire nord"], "visiteur", 3),
    (
        "admin service",
        ["sports", "Direction des sports", "--nature", "droit_commun"],
        "visiteur",
        3,
    ),
    ("admin service", ["dcs", "Doublon", "--nature", "droit_commun"], "testeur", 2),
    ("admin nouvelle-personne", ["ldurand", "Lina Durand", "--service", "dcs"], "testeur", 0),
    ("admin nouvelle-personne", ["jrey", "Julien Rey"], "testeur", 2),  # exists already
    ("admin nouvelle-personne", ["ldurand", "Lina Durand"], "visiteur", 3),
    ("admin personne", ["jrey", "--courriel", "julien.rey@example.org"], "testeur", 0),
    ("admin personne", ["jrey", "--courriel", "sans-arobase"], "testeur", 2),
    ("admin personne", ["inconnu", "--nom", "X"], "testeur", 2),
    ("admin personne", ["jrey", "--nom", "Autre"], "visiteur", 3),
]


def _leaf_commands() -> set[str]:
    found: set[str] = set()

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    if any(isinstance(a, argparse._SubParsersAction) for a in sub._actions):
                        walk(sub, f"{prefix}{name} ")
                    else:
                        found.add(prefix + name)

    walk(build_parser(), "")
    return found


def test_every_command_is_walked() -> None:
    """A new subcommand must add its lines here (and keep to the README's table)."""
    assert _leaf_commands() <= {words for words, *_ in CASES}


@pytest.mark.parametrize(
    ("words", "extra", "user", "expected"), CASES, ids=[f"{c[0]}-{c[3]}" for c in CASES]
)
def test_exit_code(
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    words: str,
    extra: list[str],
    user: str,
    expected: int,
) -> None:
    (tmp_path / "fichier").write_text("un fichier, pas un dossier")
    (tmp_path / "casse.toml").write_text(
        TOML_SOURCE.read_text().replace("horizon = 2028-12-31", "horizon = 2028-12")
    )
    monkeypatch.setenv("ROADMAP_USER", user)
    argv = [a.format(tmp=tmp_path, data=DATA) for a in extra]
    try:
        code = main(["--db", str(demo_db), *words.split(), *argv])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    err = capsys.readouterr().err
    assert code == expected, err
    assert "Traceback" not in err
    if expected in (2, 3, 4):
        assert err.startswith(("roadmap : ", "usage")) or ":ligne" in err, err


def test_argparse_errors_are_usage() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["dossiers", "--etat", "nimporte"])
    assert exited.value.code == 2


def test_a_file_that_is_not_a_database_is_storage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "notes.db"
    text.write_text("pas une base")
    assert main(["--db", str(text), "whoami"]) == 4
    assert "n'est pas une base SQLite" in capsys.readouterr().err
