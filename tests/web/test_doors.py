"""The web doors × roles: only an administrator sets passwords, invites or serves."""

from __future__ import annotations

import pytest

from tests.web.helpers import clean_env, journal_rows, roadmap

# Demo roles: jrey trinôme, nbenali direction, sgarcia cercle élargi, pdurand lecteur.
NOT_ADMINISTRATORS = ["jrey", "nbenali", "sgarcia", "pdurand", "inconnu"]


@pytest.mark.parametrize("login", NOT_ADMINISTRATORS)
def test_web_commands_refused_to_non_administrators(demo_db: str, login: str) -> None:
    env = clean_env(ROADMAP_USER=login)
    before = journal_rows(demo_db)
    for args, stdin in (
        (["acces", "mot-de-passe", "cmartin", "--stdin"], "un-mot-de-passe-13\n"),
        (["acces", "invitation", "cmartin"], None),
        (["serve", "--port", "1"], None),
    ):
        result = roadmap("--db", demo_db, *args, stdin=stdin, env=env)
        assert result.returncode == 3, (args, result.stdout, result.stderr)
        assert "administrateurs" in result.stderr and "Traceback" not in result.stderr
    assert journal_rows(demo_db) == before


def test_administrator_sets_and_invites(demo_db: str) -> None:
    """The database's creator (the test's OS user, who built the demo) administers it."""
    done = roadmap(
        "--db", demo_db, "acces", "mot-de-passe", "cmartin", "--stdin", stdin="un-mot-de-passe-13\n"
    )
    assert done.returncode == 0, done.stderr
    short = roadmap("--db", demo_db, "acces", "mot-de-passe", "cmartin", "--stdin", stdin="court\n")
    assert short.returncode != 0 and "mot de passe" in short.stderr
    assert "Traceback" not in short.stderr
    unknown = roadmap("--db", demo_db, "acces", "invitation", "personne")
    assert unknown.returncode != 0 and "aucune personne" in unknown.stderr
    no_terminal = roadmap("--db", demo_db, "acces", "mot-de-passe", "cmartin")
    assert no_terminal.returncode == 2 and "--stdin" in no_terminal.stderr
    rows = [(r[2], r[3]) for r in journal_rows(demo_db, "session web")]
    assert ("cmartin", "mot de passe") in rows
