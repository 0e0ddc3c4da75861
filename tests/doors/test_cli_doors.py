"""Every CLI subcommand that writes, as each role, on SQLite (the identity is ROADMAP_USER)
and on PostgreSQL (the identity is the connection role: each person connects with their
own login role, made by ``roadmap db acces``; see ``Door`` in conftest.py)."""

from __future__ import annotations

import contextlib
import io
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from roadmap.cli import main
from roadmap.cli.runner import EXIT_OK, EXIT_REFUSED

from .conftest import LOGINS, ROLES, Door, read_counts

REF = "AAP2026-001"


def cli(db: str | Door, monkeypatch: pytest.MonkeyPatch, login: str, *argv: str) -> tuple[int, str]:
    """Run ``roadmap`` as ``login``: ROADMAP_USER on SQLite, their own role on PostgreSQL."""
    door = db if isinstance(db, Door) else Door("sqlite", db)
    monkeypatch.setenv("ROADMAP_USER", login)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        code = main(["--db", door.db_for(login), *argv])
    return code, buffer.getvalue()


def _target(db: str | Door) -> str:
    return db.target if isinstance(db, Door) else db


def check(
    db: str | Door,
    monkeypatch: pytest.MonkeyPatch,
    role: str,
    allowed: set[str],
    *argv: str,
) -> str:
    before = read_counts(_target(db))
    code, text = cli(db, monkeypatch, LOGINS[role], *argv)
    if role in allowed:
        assert code == EXIT_OK, text
        assert read_counts(_target(db)) != before
    else:
        assert code != EXIT_OK, text
        assert "refusé" in text or "demande le rôle" in text, text
        assert read_counts(_target(db)) == before, text
    return text


def to_instruction(db: str | Door, monkeypatch: pytest.MonkeyPatch) -> None:
    for state in ("recevable", "en_instruction"):
        assert cli(db, monkeypatch, "nadia", "dossier", "etat", REF, state)[0] == EXIT_OK


def all_avis(db: str | Door, monkeypatch: pytest.MonkeyPatch) -> None:
    for login in ("nadia", "paul", "sophie"):
        code, text = cli(db, monkeypatch, login, "dossier", "avis", REF, "--valeur", "favorable")
        assert code == EXIT_OK, text


@pytest.mark.parametrize("role", ROLES)
def test_dossier_etat(door_world: Door, monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    check(
        door_world, monkeypatch, role, {"trinôme", "direction"}, "dossier", "etat", REF, "recevable"
    )


@pytest.mark.parametrize("role", ROLES)
def test_dossier_avis(door_world: Door, monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    to_instruction(door_world, monkeypatch)
    # members of an instructing service (dcs, pat, ddets) with a role that gives avis
    allowed = {"trinôme", "direction", "cercle élargi"}
    check(door_world, monkeypatch, role, allowed, "dossier", "avis", REF, "--valeur", "reserve",
          "--commentaire", "À préciser")  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_dossier_decide(door_world: Door, monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    to_instruction(door_world, monkeypatch)
    all_avis(door_world, monkeypatch)
    check(door_world, monkeypatch, role, {"trinôme", "direction"}, "dossier", "decide", REF,
          "--issue", "accorde")  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_dossier_import_csv(
    door_world: Door, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, role: str
) -> None:
    csv = tmp_path / "dossiers.csv"
    csv.write_text("porteur;titre;demande_dcs\nÉpicerie du port;Paniers;1000\n", encoding="utf-8")
    check(door_world, monkeypatch, role, {"trinôme", "direction"}, "dossier", "import", str(csv),
          "--campagne", "2026")  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_admin_commands(door_world: Door, monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    luc = door_world.login("luc")
    check(door_world, monkeypatch, role, {"administrateur"}, "admin", "ajouter", luc)
    check(door_world, monkeypatch, role, {"administrateur"}, "admin", "territoire", "t2", "Autre")
    check(door_world, monkeypatch, role, {"administrateur"}, "admin", "personne",
          door_world.login("nadia"), "--courriel", "nadia@ville.example")  # fmt: skip
    code, text = cli(door_world, monkeypatch, LOGINS[role], "admin", "liste")
    assert code == EXIT_OK and door_world.login("amorce") in text


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


def _exported(door: Door, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    code, text = cli(door, monkeypatch, "nadia", "export", "--roadmap", "pat-test", "--out",
                     str(tmp_path / "x"))  # fmt: skip
    assert code == EXIT_OK, text
    return tomllib.loads((tmp_path / "x" / "pat-test.toml").read_text())


@pytest.mark.parametrize("role", ROLES)
def test_import_over_the_roadmap(
    door_world: Door, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, role: str
) -> None:
    doc = _exported(door_world, monkeypatch, tmp_path)
    doc["feuille_de_route"]["titre"] = "PAT × QPV, relu en COPIL"
    path = tmp_path / "edite.toml"
    path.write_text(tomli_w.dumps(doc))
    check(door_world, monkeypatch, role, {"trinôme", "direction"}, "import", str(path))


@pytest.mark.parametrize("role", ROLES)
def test_import_of_a_new_slug(
    door_world: Door, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, role: str
) -> None:
    doc = _exported(door_world, monkeypatch, tmp_path)
    road = doc["feuille_de_route"]
    road["slug"] = "pat-copie"
    road.pop("dossiers", None)  # a dossier belongs to one roadmap
    path = tmp_path / "copie.toml"
    path.write_text(tomli_w.dumps(doc))
    check(door_world, monkeypatch, role, {"administrateur", "direction"}, "import", str(path))
