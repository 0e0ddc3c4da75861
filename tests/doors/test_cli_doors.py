"""Every CLI subcommand that writes, as each role (SQLite: the identity is ROADMAP_USER;
on PostgreSQL it is the connection role, and the use cases behind these commands are
tested per role on both backends in test_usecase_doors.py)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from roadmap.cli import main
from roadmap.cli.runner import EXIT_OK, EXIT_REFUSED

from .conftest import LOGINS, ROLES, read_counts

REF = "AAP2026-001"


def cli(db: str, monkeypatch: pytest.MonkeyPatch, login: str, *argv: str) -> tuple[int, str]:
    monkeypatch.setenv("ROADMAP_USER", login)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        code = main(["--db", db, *argv])
    return code, buffer.getvalue()


def check(
    db: str,
    monkeypatch: pytest.MonkeyPatch,
    role: str,
    allowed: set[str],
    *argv: str,
) -> str:
    before = read_counts(db)
    code, text = cli(db, monkeypatch, LOGINS[role], *argv)
    if role in allowed:
        assert code == EXIT_OK, text
        assert read_counts(db) != before
    else:
        assert code != EXIT_OK, text
        assert "refusé" in text or "demande le rôle" in text, text
        assert read_counts(db) == before, text
    return text


def to_instruction(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for state in ("recevable", "en_instruction"):
        assert cli(db, monkeypatch, "nadia", "dossier", "etat", REF, state)[0] == EXIT_OK


def all_avis(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for login in ("nadia", "paul", "sophie"):
        code, text = cli(db, monkeypatch, login, "dossier", "avis", REF, "--valeur", "favorable")
        assert code == EXIT_OK, text


@pytest.mark.parametrize("role", ROLES)
def test_dossier_etat(world_file: str, monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    check(
        world_file, monkeypatch, role, {"trinôme", "direction"}, "dossier", "etat", REF, "recevable"
    )


@pytest.mark.parametrize("role", ROLES)
def test_dossier_avis(world_file: str, monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    to_instruction(world_file, monkeypatch)
    # members of an instructing service (dcs, pat, ddets) with a role that gives avis
    allowed = {"trinôme", "direction", "cercle élargi"}
    check(world_file, monkeypatch, role, allowed, "dossier", "avis", REF, "--valeur", "reserve",
          "--commentaire", "À préciser")  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_dossier_decide(world_file: str, monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    to_instruction(world_file, monkeypatch)
    all_avis(world_file, monkeypatch)
    check(world_file, monkeypatch, role, {"trinôme", "direction"}, "dossier", "decide", REF,
          "--issue", "accorde")  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_dossier_import_csv(
    world_file: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, role: str
) -> None:
    csv = tmp_path / "dossiers.csv"
    csv.write_text("porteur;titre;demande_dcs\nÉpicerie du port;Paniers;1000\n", encoding="utf-8")
    check(world_file, monkeypatch, role, {"trinôme", "direction"}, "dossier", "import", str(csv),
          "--campagne", "2026")  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_admin_commands(world_file: str, monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    check(world_file, monkeypatch, role, {"administrateur"}, "admin", "ajouter", "luc")
    check(world_file, monkeypatch, role, {"administrateur"}, "admin", "territoire", "t2", "Autre")
    code, text = cli(world_file, monkeypatch, LOGINS[role], "admin", "liste")
    assert code == EXIT_OK and "amorce" in text


def test_an_administrator_removes_another_and_is_told_about_the_last(
    world_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli(world_file, monkeypatch, "amorce", "admin", "ajouter", "luc")[0] == EXIT_OK
    assert cli(world_file, monkeypatch, "luc", "admin", "retirer", "testeur")[0] == EXIT_OK
    assert cli(world_file, monkeypatch, "luc", "admin", "retirer", "amorce")[0] == EXIT_OK
    code, text = cli(world_file, monkeypatch, "luc", "admin", "retirer", "luc")
    assert code != EXIT_OK and "dernier administrateur" in text
    code, text = cli(world_file, monkeypatch, "nadia", "admin", "retirer", "luc")
    assert code == EXIT_REFUSED
