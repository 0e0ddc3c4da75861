"""``roadmap export`` / ``roadmap import`` from the command line: exit codes, French text."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadmap.cli import main
from tests.exchange.helpers import without_journal

SOURCE = Path(__file__).parent / "data" / "pat-test.toml"


def test_import_then_export_from_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "r.db")
    assert main(["--db", db, "import", str(SOURCE)]) == 0
    assert "Feuille de route pat-test restaurée" in capsys.readouterr().out
    out = tmp_path / "exports"
    assert main(["--db", db, "export", "--out", str(out), "--ics"]) == 0
    printed = capsys.readouterr().out
    assert "12 fichiers écrits, 0 inchangé" in printed
    exported = (out / "pat-test.toml").read_bytes()
    assert without_journal(exported) == without_journal(SOURCE.read_bytes())
    assert main(["--db", db, "export", "--out", str(out), "--ics"]) == 0
    assert "0 fichier écrit, 12 inchangés" in capsys.readouterr().out
    assert main(["--db", db, "export", "--out", str(out), "--marges", "2026-01-15"]) == 0
    assert b"marge_jours = " in (out / "pat-test.toml").read_bytes()


def test_cli_refusals_are_french_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "r.db")
    broken = tmp_path / "casse.toml"
    broken.write_text(SOURCE.read_text().replace("horizon = 2028-12-31", "horizon = 12"))
    assert main(["--db", db, "import", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "casse.toml:17 : feuille_de_route.horizon : attendu une date" in err
    assert "Traceback" not in err
    assert main(["--db", db, "export", "--roadmap", "absente"]) == 2
    assert "feuille de route « absente » introuvable" in capsys.readouterr().err
    assert main(["--db", db, "export", "--marges", "demain"]) == 2
    assert "n'est pas une date valide" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["--db", db, "import"])
    assert usage.value.code == 2


def test_import_dry_run_and_motif_from_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "r.db")
    assert main(["--db", db, "import", str(SOURCE)]) == 0
    moved = tmp_path / "pat-test.toml"
    moved.write_text(SOURCE.read_text().replace("fin = 2026-06-30", "fin = 2026-09-30", 1))
    monkeypatch.setenv("ROADMAP_USER", "cmartin")
    capsys.readouterr()
    assert main(["--db", db, "import", "--dry-run", str(moved)]) == 2
    err = capsys.readouterr().err
    assert "feuille_de_route.actions[0].fin" in err and "sans motif" in err
    args = ["--db", db, "import", "--motif", "saison", "--nature", "contrainte", str(moved)]
    assert main([*args[:3], "--dry-run", *args[3:]]) == 0
    out = capsys.readouterr().out
    assert "Simulation (rien n'a été écrit)" in out
    assert "action A1 : fin : « 2026-06-30 » → « 2026-09-30 »" in out
    assert main(args) == 2  # J2 waits for A1: shift it or keep its date? (issue 11)
    assert "J2 « Journée sprint »" in capsys.readouterr().err
    assert main([*args[:-1], "--garder", args[-1]]) == 0
    assert "action A1 : ajustement d'itinéraire (contrainte) : saison" in capsys.readouterr().out
    assert main(["--db", db, "import", "--dry-run", *args[3:]]) == 0
    assert "rien à changer" in capsys.readouterr().out


def test_unknown_user_import_refused_with_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "r.db")
    assert main(["--db", db, "import", str(SOURCE)]) == 0
    monkeypatch.setenv("ROADMAP_USER", "inconnu")
    changed = tmp_path / "pat-test.toml"
    changed.write_text(SOURCE.read_text().replace('titre = "Sans axe"', 'titre = "Renommée"'))
    capsys.readouterr()
    assert main(["--db", db, "import", str(changed)]) == 3
    err = capsys.readouterr().err
    assert "« modifier » dans la feuille de route pat-test" in err and "Traceback" not in err
    assert main(["--db", db, "import", "--dry-run", str(changed)]) == 3


def test_exchange_never_imports_the_ui() -> None:
    import subprocess
    import sys

    code = (
        "import sys, roadmap.exchange.export, roadmap.exchange.importer, "
        "roadmap.exchange.calendar, roadmap.cli.commands_exchange; "
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith(('textual.', "
        "'roadmap.tui'))]; print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
