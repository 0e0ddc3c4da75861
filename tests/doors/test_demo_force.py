"""``roadmap demo --force``: administrators only, refused before anything is deleted; the
deletion is journaled, counted on the terminal first (with others' contributions), and
leaves no orphan dossier, campaign or person."""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import io
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from roadmap.cli import main
from roadmap.cli.runner import EXIT_OK, EXIT_REFUSED, EXIT_STORAGE, EXIT_USAGE
from roadmap.domain.errors import PermissionDenied
from roadmap.models import (
    Campagne,
    CampagneRoadmap,
    Dossier,
    JournalEntry,
    Membership,
    Person,
    Roadmap,
)
from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import DatabaseLocation, parse_location
from roadmap.usecases import observations as obs
from roadmap.usecases import reference as ref
from roadmap.usecases import roadmaps as rm
from roadmap.usecases.demo import DEMO_SLUG, PEOPLE, build_demo, preview_demo_replacement
from roadmap.usecases.identity import actor_for
from tests.conftest import journal_actor, require_postgres
from tests.roles import make_admin

from .conftest import Door, counts, pg_copy, pg_template, read_counts
from .test_cli_doors import cli as door_cli

TODAY = date(2026, 3, 2)
DEMO_ROLES = {
    "administrateur": "gardien",  # administrator, no fiche, no role in the demo
    "direction": "nbenali",
    "trinôme": "cmartin",
    "cercle élargi": "sgarcia",
    "lecteur": "pdurand",
    "inconnu": "inconnu",
}


async def _with_a_real_contribution() -> None:
    """Someone outside the demo's people joins it and writes a comment."""
    builder = await make_admin("testeur")
    await make_admin("gardien")
    await ref.create_person(builder, ref.PersonInput("reel", "Rémi Réel", "", "dcs"))
    await rm.add_member(builder, DEMO_SLUG, "reel", "cercle_elargi")
    await obs.add_comment(await actor_for("reel"), DEMO_SLUG, "Une vraie remarque de terrain")


async def _build(path: Path) -> None:
    await open_database(parse_location(str(path)))
    try:
        await build_demo(await make_admin("testeur"), today=TODAY)
        await _with_a_real_contribution()
    finally:
        await close_database()


_TEMPLATE: list[Path] = []


@pytest.fixture
def demo_file(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    if not _TEMPLATE:
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        asyncio.run(_build(path))
        _TEMPLATE.append(path)
    target = tmp_path / "demo.db"
    shutil.copyfile(_TEMPLATE[0], target)
    return str(target)


def cli(db: str, monkeypatch: pytest.MonkeyPatch, login: str, *argv: str) -> tuple[int, str]:
    monkeypatch.setenv("ROADMAP_USER", login)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        code = main(["--db", db, *argv])
    return code, buffer.getvalue()


async def _no_orphans() -> None:
    assert not await Dossier.filter(roadmap_id__isnull=True).exists()
    for campagne in await Campagne.all():
        assert await CampagneRoadmap.filter(campagne_id=campagne.id).exists(), campagne.year
    linked = set(await Membership.all().values_list("person_id", flat=True))
    for login, *_ in PEOPLE:
        person = await Person.get_or_none(login=login)
        assert person is not None and person.id in linked, login


def _state(db: str) -> tuple[bool, int]:
    async def run() -> tuple[bool, int]:
        await open_database(parse_location(db))
        try:
            await _no_orphans()
            deleted = await JournalEntry.filter(
                entity="feuille de route", operation="suppression", roadmap_slug=DEMO_SLUG
            ).values_list("actor", "reason")
            return bool(deleted and deleted[0][0] == "gardien" and "reel" in deleted[0][1]), len(
                deleted
            )
        finally:
            await close_database()

    return asyncio.run(run())


@pytest.mark.parametrize("role", list(DEMO_ROLES))
def test_demo_force_by_role(demo_file: str, monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    before = read_counts(demo_file)
    code, text = cli(demo_file, monkeypatch, DEMO_ROLES[role], "demo", "--force")
    if role == "administrateur":
        assert code == EXIT_OK, text
        assert "12 dossiers de subvention" in text and "reel : 1 modification" in text
        assert _state(demo_file) == (True, 1)
        return
    assert code == EXIT_REFUSED, text
    assert "refusé" in text and "administrateurs" in text
    assert read_counts(demo_file) == before


@pytest.mark.parametrize("role", list(DEMO_ROLES))
def test_demo_without_force_by_role(
    demo_file: str, monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    """Not on a terminal: nothing is asked, nothing replaced; still refused to non-admins."""
    before = read_counts(demo_file)
    code, text = cli(demo_file, monkeypatch, DEMO_ROLES[role], "demo")
    assert code == (EXIT_USAGE if role == "administrateur" else EXIT_REFUSED), text
    assert read_counts(demo_file) == before


def test_on_a_terminal_the_counts_come_before_the_question(
    demo_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr(builtins, "input", lambda q: asked.append(q) or "n")
    before = read_counts(demo_file)
    code, text = cli(demo_file, monkeypatch, "gardien", "demo")
    assert code == EXIT_USAGE and "rien n'a été supprimé" in text
    assert asked and text.index("12 dossiers") < len(text)
    assert "reel : 1 modification" in text
    assert read_counts(demo_file) == before
    monkeypatch.setattr(builtins, "input", lambda q: "oui")
    code, text = cli(demo_file, monkeypatch, "gardien", "demo")
    assert code == EXIT_OK, text
    assert _state(demo_file) == (True, 1)


async def test_replacing_the_demo_on_each_backend(db: DatabaseLocation) -> None:
    """The use case, on SQLite and PostgreSQL: refused before anything, then no orphans."""
    await build_demo(await make_admin("testeur"), today=TODAY)
    await _with_a_real_contribution()
    preview = await preview_demo_replacement()
    assert preview.counts["dossier de subvention"] == 12
    if db.is_sqlite:  # on PostgreSQL the journal names the connection role, one here
        assert preview.by_others == {"reel": 1}
    before = await counts()
    with pytest.raises(PermissionDenied):
        await build_demo(await actor_for("pdurand"), today=TODAY, replace=True)
    assert await counts() == before
    await build_demo(await actor_for("gardien"), today=TODAY, replace=True)
    await _no_orphans()
    assert await Roadmap.filter(slug=DEMO_SLUG).count() == 1
    assert await Dossier.all().count() == 12
    assert await Person.exists(login="reel")  # not a demo person: kept
    rows = await JournalEntry.filter(operation="suppression", entity="feuille de route")
    assert [r.actor for r in rows] == [await journal_actor("gardien")]


async def _disk_full(*_: object, **__: object) -> None:
    raise sqlite3.OperationalError("database or disk is full")


@pytest.mark.parametrize("step", ["_observations", "build_demo_campaign"])
def test_a_failure_mid_rebuild_keeps_the_old_demo(
    demo_file: str, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    """The deletion and the whole rebuild are one transaction: all or nothing."""
    from roadmap.usecases import demo as demo_module

    deleted: list[str] = []
    real_delete = demo_module.delete_demo

    async def spy(*args: object, **kwargs: object) -> object:
        result = await real_delete(*args, **kwargs)  # type: ignore[arg-type]
        deleted.append("oui")
        return result

    monkeypatch.setattr(demo_module, "delete_demo", spy)
    monkeypatch.setattr(demo_module, step, _disk_full)
    before = read_counts(demo_file)
    code, text = cli(demo_file, monkeypatch, "gardien", "demo", "--force")
    assert code == EXIT_STORAGE, text
    assert "disque plein" in text and "la démonstration précédente est intacte" in text
    assert "Traceback" not in text
    assert deleted == ["oui"]  # the old demo was deleted inside the transaction, then...
    assert read_counts(demo_file) == before  # ...rolled back with the partial rebuild


def test_a_failed_first_demo_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from roadmap.usecases import demo as demo_module

    db = str(tmp_path / "neuve.db")
    assert cli(db, monkeypatch, "testeur", "whoami")[0] == EXIT_OK  # creates the base
    before = read_counts(db)
    monkeypatch.setattr(demo_module, "_observations", _disk_full)
    code, text = cli(db, monkeypatch, "testeur", "demo")
    assert code == EXIT_STORAGE and "pas de démonstration" in text, text
    assert read_counts(db) == before  # no territory, service, person or half roadmap


# --- the same door on PostgreSQL: each person connects with their own login role ----------

PG_DEMO = {  # role → login (suffixed per session); the runner is not one of them
    "administrateur": "gardien",
    "direction": "ndir",
    "trinôme": "ntri",
    "cercle élargi": "ncercle",
    "lecteur": "nlect",
    "inconnu": "inconnu",
}
_ROLE_VALUES = {"direction": "direction", "trinôme": "trinome", "cercle élargi": "cercle_elargi",
                "lecteur": "lecteur"}  # fmt: skip
PG_DEMO_ACCESS = {login: "equipe" for login in PG_DEMO.values()} | {"gardien": "admin"}


async def _pg_demo(owner_url: str, suffix: str) -> None:
    from tortoise import connections

    await open_database(parse_location(owner_url))
    try:
        _, rows = await connections.get("default").execute_query("SELECT current_user")
        owner = await actor_for(str(rows[0][0]))
        await build_demo(owner, today=TODAY)
        owner = await actor_for(owner.login)  # the demo gave the owner a fiche and a seat
        jrey = await Membership.get(roadmap__slug=DEMO_SLUG, person__login="jrey")
        await rm.change_member(  # room at the trinôme
            owner, DEMO_SLUG, "jrey", jrey.version, role="cercle_elargi", side="droit_commun"
        )
        for role, login in PG_DEMO.items():
            if role in ("administrateur", "inconnu"):
                continue
            name = f"{login}_{suffix}"
            await ref.create_person(owner, ref.PersonInput(name, login.title(), "", "dcs"))
            side = "politique_de_la_ville" if role == "direction" else "autre"
            await rm.add_member(owner, DEMO_SLUG, name, _ROLE_VALUES[role], side)
    finally:
        await close_database()


@pytest.fixture(scope="session")
def pg_demo_template() -> Iterator[Door]:
    require_postgres()
    with pg_template(_pg_demo, PG_DEMO_ACCESS, ["gardien"]) as door:
        yield door


@pytest.mark.postgres
@pytest.mark.parametrize("role", list(PG_DEMO))
def test_demo_force_by_role_on_postgres(
    pg_demo_template: Door, monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    with pg_copy(pg_demo_template) as door:
        before = read_counts(door.target)
        code, text = door_cli(door, monkeypatch, PG_DEMO[role], "demo", "--force")
        if role != "administrateur":
            assert code == EXIT_REFUSED, text
            assert "refusé" in text and "administrateurs" in text
            assert read_counts(door.target) == before
            return
        assert code == EXIT_OK, text

        async def deleted_by() -> list[str]:
            await open_database(parse_location(door.target))
            try:
                assert await Roadmap.filter(slug=DEMO_SLUG).count() == 1
                await _no_orphans()
                return list(
                    await JournalEntry.filter(
                        entity="feuille de route", operation="suppression"
                    ).values_list("actor", flat=True)
                )
            finally:
                await close_database()

        assert asyncio.run(deleted_by()) == [door.login("gardien")]  # the connection role
