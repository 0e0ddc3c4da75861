"""Issue 10: the journal is a hash chain; tampering out of band is named by ``db verify``.

Each test writes a few rows through the use cases, then changes the database as someone
with a shell or a psql prompt would (the sqlite3 module on the file, asyncpg as the
test superuser), lifting the protection first when it is in the way.
"""

from __future__ import annotations

import contextlib
import sqlite3
import tomllib
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from tortoise import connections

from roadmap.cli import main
from roadmap.exchange.export import export
from roadmap.models import JournalEntry
from roadmap.storage.chain import FIELDS, SQLITE_TRIGGERS, pg_protection_sql, row_hash
from roadmap.storage.location import DatabaseLocation
from roadmap.storage.verify import (
    head_problem,
    journal_heads,
    missing_protections,
    verify_chain,
)
from roadmap.usecases.base import journal, write_unit
from roadmap.usecases.identity import Actor
from roadmap.usecases.trust import journal_alerts
from tests.conftest import run_in_fresh_loop
from tests.exchange.helpers import read_tree
from tests.exchange.seed import seed_roadmap
from tests.roles import make_admin

FORGED = "INSERT INTO journal (id, at, actor, roadmap_slug, entity, entity_ref, operation, "
FORGED += "field, old_value, new_value, reason, hash) VALUES (4, '2024-01-01 08:00:00+00:00', "
FORGED += "'direction', '', 'service', 'x', 'suppression', '', '', '', '', '{}')".format("ab" * 32)


async def tamper(location: DatabaseLocation, statements: list[str]) -> None:
    if location.is_sqlite:
        assert location.path is not None
        with contextlib.closing(sqlite3.connect(location.path)) as conn:
            for statement in statements:
                conn.execute(statement)
            conn.commit()
        return
    conn = await asyncpg.connect(location.url.replace("postgres://", "postgresql://", 1))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(autouse=True)
def _protections_put_back(request: pytest.FixtureRequest) -> Iterator[None]:
    """The PostgreSQL session database is shared by every test: leave it protected."""
    location = None
    if "migrated_location" in request.fixturenames:
        location = request.getfixturevalue("migrated_location")
    yield
    if location is not None and not location.is_sqlite:
        run_in_fresh_loop(tamper(location, pg_protection_sql()))


def lifted(location: DatabaseLocation, statements: list[str]) -> list[str]:
    """``statements`` run with the append-only protection lifted, then put back as it was."""
    if location.is_sqlite:
        return [
            "DROP TRIGGER journal_no_update",
            "DROP TRIGGER journal_no_delete",
            *statements,
            SQLITE_TRIGGERS["journal_no_update"],
            SQLITE_TRIGGERS["journal_no_delete"],
        ]
    return [
        "ALTER TABLE journal DISABLE TRIGGER USER",
        *statements,
        "ALTER TABLE journal ENABLE TRIGGER USER",
    ]


async def write_row(code: str, login: str = "alice", roadmap: str = "") -> None:
    await make_admin(login)  # unknown people never write (issue 9): the writer administers

    async def unit() -> None:
        await journal(
            Actor(login), roadmap=roadmap, entity="service", ref=code, operation="création"
        )

    await write_unit(unit)


async def three_services() -> None:
    for code in ("pv", "pat", "caf"):
        await write_row(code)


async def test_use_case_writes_form_an_intact_chain(db: DatabaseLocation) -> None:
    await three_services()
    report = await verify_chain()
    assert report.ok and report.rows == 3, report.problems
    assert await missing_protections() == []
    rows = await JournalEntry.all().order_by("id").values_list("id", "hash")
    assert [r[0] for r in rows] == [1, 2, 3]
    assert report.head == rows[-1][1] and len(report.head) == 64
    assert await journal_alerts() == []


async def test_a_row_changed_out_of_band_is_named(db: DatabaseLocation) -> None:
    await three_services()
    await tamper(db, lifted(db, ["UPDATE journal SET actor = 'mallory' WHERE id = 2"]))
    assert await missing_protections() == []  # put back: only the chain can tell
    report = await verify_chain()
    assert not report.ok
    assert "ligne n° 2" in report.problems[0] and "modifiée" in report.problems[0]


async def test_a_row_removed_out_of_band_is_named(db: DatabaseLocation) -> None:
    await three_services()
    await tamper(db, lifted(db, ["DELETE FROM journal WHERE id = 2"]))
    report = await verify_chain()
    assert not report.ok
    assert "ligne n° 2 supprimée" in report.problems[0], report.problems


async def test_a_forged_row_is_named_even_once_the_application_wrote_after_it(
    db: DatabaseLocation,
) -> None:
    await three_services()
    if db.is_sqlite:
        await tamper(db, [FORGED])
    else:  # the database chains and stamps every insert: the forger drops that first
        await tamper(db, ["DROP TRIGGER journal_chain ON journal", FORGED, *pg_protection_sql()])
    await write_row("ars")
    report = await verify_chain()
    assert report.rows == 5 and not report.ok
    assert "ligne n° 4" in report.problems[0] and "insérée" in report.problems[0]


async def test_sqlite_refuses_a_journal_row_without_hash(sqlite_db: DatabaseLocation) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="sans empreinte"):
        await tamper(sqlite_db, [FORGED.replace("ab" * 32, "")])


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_postgres_hashes_like_python_and_stamps_role_and_time(db: DatabaseLocation) -> None:
    await write_row("pv", login="quelquun")
    conn = await asyncpg.connect(db.url.replace("postgres://", "postgresql://", 1))
    try:
        async with conn.transaction():
            await conn.execute(FORGED.replace("(4,", "(999,"))
            when = await conn.fetchval("SELECT transaction_timestamp()")
        role = await conn.fetchval("SELECT current_user")
    finally:
        await conn.close()
    rows = await JournalEntry.all().order_by("id")
    assert [r.id for r in rows] == [1, 2]
    assert rows[0].actor == role  # the app's view: the connection role is the actor
    assert (rows[1].actor, rows[1].at) == (role, when)
    assert rows[1].hash == row_hash(
        rows[0].hash,
        [2, rows[1].at, role, "", "service", "x", "suppression", "", "", "", ""],
    )
    assert (await verify_chain()).ok


async def test_dropped_trigger_is_reported(db: DatabaseLocation) -> None:
    await three_services()
    drop, name = dropped(db)
    await tamper(db, [drop])
    assert any(name in p for p in await missing_protections())
    assert any(name in a.message for a in await journal_alerts())
    assert (await verify_chain()).ok  # nothing was rewritten yet: the chain holds


def dropped(location: DatabaseLocation) -> tuple[str, str]:
    if location.is_sqlite:
        return "DROP TRIGGER journal_no_delete", "journal_no_delete"
    return "DROP TRIGGER journal_chain ON journal", "journal_chain"


def test_dropped_trigger_makes_verify_check_and_upgrade_fail(
    migrated_location: DatabaseLocation, capsys: pytest.CaptureFixture[str]
) -> None:
    location = migrated_location
    target = str(location.path) if location.is_sqlite else location.url

    def cli(*args: str) -> int:
        return main(["--db", target, *args])

    assert cli("demo", "--force") == 0
    run_in_fresh_loop(tamper(location, [dropped(location)[0]]))
    name = dropped(location)[1]
    capsys.readouterr()
    assert cli("db", "verify") == 1
    assert f"le déclencheur {name} a été supprimé" in capsys.readouterr().out
    assert cli("check") == 1
    assert f"ERREUR        protection absente : le déclencheur {name}" in capsys.readouterr().out
    assert cli("db", "upgrade") == 1
    captured = capsys.readouterr()
    assert name in captured.err and "recréées" in captured.out
    assert cli("db", "verify") == 0
    assert "Journal intact" in capsys.readouterr().out


async def test_heads_name_the_latest_row_of_each_roadmap(db: DatabaseLocation) -> None:
    await three_services()
    assert await journal_heads() == {}  # reference data concerns no roadmap
    rows = await JournalEntry.all().order_by("id").values_list("hash", flat=True)
    assert len(set(rows)) == 3


def test_db_verify_on_an_intact_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "r.db")
    assert main(["--db", db, "demo", "--force"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "db", "verify"]) == 0
    out = capsys.readouterr().out
    assert "Journal intact" in out and "Tête du journal : sha256:" in out


async def test_exports_carry_the_head_and_reveal_a_recomputed_history(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await seed_roadmap()
    await write_row("A1", roadmap="pat-test")
    await export(tmp_path / "a")
    head = (await JournalEntry.filter(roadmap_slug="pat-test").order_by("-id").first()).hash  # type: ignore[union-attr]
    kept = tmp_path / "a" / "pat-test.toml"
    doc = tomllib.loads(kept.read_text())
    assert doc["generation"]["journal"] == f"sha256:{head}"
    caf = tomllib.loads((tmp_path / "a" / "services" / "caf.toml").read_text())
    assert caf["generation"]["journal"] == f"sha256:{head}"
    again = await export(tmp_path / "a")
    assert again.written == []  # same data, same journal: same bytes
    await export(tmp_path / "b")
    assert read_tree(tmp_path / "a", journal=True) == read_tree(tmp_path / "b", journal=True)

    await write_row("note", roadmap="pat-test")  # history moves, content does not
    moved = await export(tmp_path / "b")
    assert tmp_path / "b" / "pat-test.toml" in moved.written
    new = tomllib.loads((tmp_path / "b" / "pat-test.toml").read_text())["generation"]
    assert new["journal"] != doc["generation"]["journal"]
    assert new["empreinte"] == doc["generation"]["empreinte"]
    assert await head_problem(kept) is None

    # Someone with write access rewrites a row and recomputes the whole chain after it.
    rows = [
        list(r)
        for r in (await connections.get("default").execute_query(
            f"SELECT {', '.join(FIELDS)} FROM journal ORDER BY id"
        ))[1]
    ]  # fmt: skip
    rows[0][FIELDS.index("reason")] = "réécrit"
    previous, updates = "", []
    for row in rows:
        previous = row_hash(previous, row)
        reason = str(row[FIELDS.index("reason")]).replace("'", "''")
        updates.append(
            f"UPDATE journal SET reason = '{reason}', hash = '{previous}' WHERE id = {row[0]}"
        )
    await tamper(db, lifted(db, updates))
    assert (await verify_chain()).ok  # the chain alone cannot tell
    problem = await head_problem(kept)
    assert problem is not None and "a été réécrit" in problem


async def test_a_protection_replaced_by_a_harmless_one_is_reported(db: DatabaseLocation) -> None:
    if db.is_sqlite:  # same name, does nothing
        swap = [
            "DROP TRIGGER journal_no_update",
            "CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN SELECT 1; END",
        ]
        expected = "le déclencheur journal_no_update a été changé"
    else:  # a chain function that no longer stamps the role
        swap = [
            "CREATE OR REPLACE FUNCTION journal_chain() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RETURN NEW; END $$"
        ]
        expected = "la fonction journal_chain a été changée"
    await tamper(db, swap)
    problems = await missing_protections()
    assert any(expected in p for p in problems), problems
    await tamper(db, ["ALTER TABLE journal ADD COLUMN note TEXT"])
    assert any("colonnes du journal" in p for p in await missing_protections())
    await tamper(db, ["ALTER TABLE journal DROP COLUMN note"])
