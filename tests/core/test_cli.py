"""The `roadmap` command as a script or a service uses it: exit codes and French messages."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from roadmap.cli import main


@pytest.fixture
def db_file(tmp_path: Path) -> str:
    return str(tmp_path / "cli.db")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_whoami_and_check(capsys: pytest.CaptureFixture[str], db_file: str) -> None:
    code, out, _ = run(capsys, "--db", db_file, "demo")
    assert code == 0 and "pat-salon-martigues" in out

    code, _, err = run(capsys, "--db", db_file, "demo")
    assert code == 2 and "--force" in err

    code, out, _ = run(capsys, "--db", db_file, "demo", "--force")
    assert code == 0

    code, out, _ = run(capsys, "--db", db_file, "whoami")
    assert code == 0
    assert "testeur" in out and "pat-salon-martigues" in out and "Trinôme" in out

    code, out, _ = run(capsys, "--db", db_file, "check")
    assert code == 1  # the demo has an overdue COTECH, an error-level alert
    assert "ERREUR" in out and "jalon dépassé" in out and "pas de portage" in out

    code, out, err = run(capsys, "--db", db_file, "check", "--roadmap", "inconnue")
    assert code == 2 and "introuvable" in err


def test_unknown_identity_reads_only(
    capsys: pytest.CaptureFixture[str], db_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "--db", db_file, "demo")
    monkeypatch.setenv("ROADMAP_USER", "visiteur")
    code, out, _ = run(capsys, "--db", db_file, "whoami")
    assert code == 0 and "aucun (lecture seule)" in out


def test_db_backup_is_a_checked_copy(
    capsys: pytest.CaptureFixture[str], db_file: str, tmp_path: Path
) -> None:
    run(capsys, "--db", db_file, "demo")
    target = tmp_path / "copie" / "sauvegarde.db"
    code, out, _ = run(capsys, "--db", db_file, "db", "backup", str(target))
    assert code == 0 and "integrity_check" in out
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM action").fetchone()[0] > 10
    code, _, err = run(capsys, "--db", db_file, "db", "backup", str(target))
    assert code != 0 and "existe déjà" in err


def test_db_upgrade_reports_an_up_to_date_base(
    capsys: pytest.CaptureFixture[str], db_file: str
) -> None:
    code, out, _ = run(capsys, "--db", db_file, "db", "upgrade")
    assert code == 0 and "0001_initial" in out
    code, out, _ = run(capsys, "--db", db_file, "db", "upgrade")
    assert code == 0 and "à jour" in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--db", "/proc/interdit/x.db", "whoami"], "impossible de créer le dossier"),
        (["--db", "mysql://h/b", "whoami"], "non pris en charge"),
        (["inconnue"], "choix invalide"),
        (["db"], "arguments obligatoires"),
    ],
)
def test_mistakes_get_a_message_and_no_traceback(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code in (2, 4)
    assert expected in err
    assert "Traceback" not in out + err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("roadmap ")


def test_the_script_starts_without_the_cycle_collector(tmp_path: Path) -> None:
    """``roadmap`` run as its own process (runner.run own_process): no collection during
    start-up, then its objects frozen and the collector back on for the command itself;
    a command that fails to start gives it back too. Tests calling main() are left alone."""
    import argparse
    import gc

    from roadmap.cli.runner import run

    seen: list[tuple[bool, int]] = []

    async def handler(ctx: object) -> int:
        seen.append((gc.isenabled(), gc.get_freeze_count()))
        return 0

    args = argparse.Namespace(db=str(tmp_path / "r.db"), handler=handler, command="x")
    try:
        assert run(args, own_process=True) == 0
        assert seen[0][0] is True and seen[0][1] > 10_000
        assert gc.isenabled()
        (tmp_path / "bad.db").write_bytes(b"pas une base SQLite" * 100)
        bad = argparse.Namespace(db=str(tmp_path / "bad.db"), handler=handler)
        assert run(bad, own_process=True) == 4  # cannot open: the collector is back anyway
        assert gc.isenabled()
        gc.unfreeze()
        assert run(args) == 0  # a test's main(): nothing frozen
        assert seen[-1] == (True, 0)
    finally:
        gc.unfreeze()
        gc.enable()
