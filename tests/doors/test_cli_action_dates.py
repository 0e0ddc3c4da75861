"""``roadmap action dates`` (issue 11): the form's preview and choice, from the command line."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from roadmap.cli.runner import EXIT_OK, EXIT_USAGE
from roadmap.models import Action, Adjustment, JournalEntry
from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import parse_location
from roadmap.usecases import actions as act
from roadmap.usecases.identity import actor_for

from .conftest import ROLES, Door
from .test_cli_doors import check, cli

SLUG = "pat-test"
MOVE = ["action", "dates", "A2", "--fin", "15/05/2027", "--motif", "Retard du chantier",
        "--nature", "contrainte"]  # fmt: skip


def _with(db: str, work) -> object:  # type: ignore[no-untyped-def]
    async def run() -> object:
        await open_database(parse_location(db))
        try:
            return await work()
        finally:
            await close_database()

    return asyncio.run(run())


def plan(db: str | Door) -> None:
    """A2 (March–April 2027) → A3 (May 2027), in the world of tests/instruction."""
    door = db if isinstance(db, Door) else Door("sqlite", db)

    async def work() -> None:
        nadia = await actor_for(door.login("nadia"))
        for title, start, end, after in (
            ("Deux", "2027-03-01", "2027-04-30", []),
            ("Trois", "2027-05-01", "2027-05-31", ["A2"]),
        ):
            await act.create_action(
                nadia, SLUG, act.ActionInput(title, "pat", start_date=start, end_date=end,
                                             depends_on=after),
            )  # fmt: skip

    _with(door.target, work)  # set-up as the owner on PostgreSQL, not a door


def stored(db: str) -> dict[str, object]:
    async def work() -> dict[str, object]:
        dates = {
            r: (s, e) for r, s, e in await Action.all().values_list("ref", "start_date", "end_date")
        }
        rows = await Adjustment.all().order_by("id").values_list("field", "new_value", "reason")
        journal = await JournalEntry.filter(operation="ajustement").count()
        return {"dates": dates, "adjustments": rows, "journal": journal}

    return _with(db, work)  # type: ignore[return-value]


def test_without_a_choice_a_contradiction_is_refused_naming_it_and_both_options(
    world_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan(world_file)
    before = stored(world_file)
    code, text = cli(world_file, monkeypatch, "nadia", *MOVE)
    assert code == EXIT_USAGE, text
    # the preview first, both ways, then the refusal naming the dependent and the options
    assert "Décalage : +15 j" in text
    assert "Avec --decaler :\n  Fait bouger : A3 (+14 j)" in text
    assert "Avec --garder :\n  ⚠ A3 « Trois » commence le 01/05/2027, avant la fin de A2" in text
    assert "L'horizon du 31/12/2030 tient" in text
    assert "contrediraient 1 dépendance : A3 « Trois »" in text
    assert "--decaler" in text.split("roadmap :")[1] and "--garder" in text.split("roadmap :")[1]
    assert stored(world_file) == before


def test_dry_run_shows_the_preview_and_writes_nothing(
    world_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan(world_file)
    before = stored(world_file)
    code, text = cli(world_file, monkeypatch, "nadia", *MOVE, "--decaler", "--dry-run")
    assert code == EXIT_OK, text
    assert "Fait bouger : A3 (+14 j)" in text and "Avec --garder" not in text
    assert "rien n'a été enregistré" in text
    assert stored(world_file) == before


def test_decaler_shifts_the_dependent_with_its_own_adjustment(
    world_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan(world_file)
    code, text = cli(world_file, monkeypatch, "nadia", *MOVE, "--decaler")
    assert code == EXIT_OK, text
    assert "décalés aussi : A3 (+14 j, par A2)" in text
    after = stored(world_file)
    assert after["dates"]["A2"] == (date(2027, 3, 1), date(2027, 5, 15))  # type: ignore[index]
    assert after["dates"]["A3"] == (date(2027, 5, 15), date(2027, 6, 14))  # type: ignore[index]
    fields = [(f, new) for f, new, _ in after["adjustments"]]  # type: ignore[attr-defined]
    assert fields == [("fin", "2027-05-15"), ("début", "2027-05-15"), ("fin", "2027-06-14")]
    assert all("Retard du chantier" in r for *_, r in after["adjustments"])  # type: ignore[attr-defined]
    assert after["journal"] == 3


def test_garder_keeps_the_dependent_and_names_the_conflict(
    world_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan(world_file)
    code, text = cli(world_file, monkeypatch, "nadia", *MOVE, "--garder")
    assert code == EXIT_OK, text
    assert "⚠ A3 « Trois » commence le 01/05/2027, avant la fin de A2" in text
    after = stored(world_file)
    assert after["dates"]["A3"] == (date(2027, 5, 1), date(2027, 5, 31))  # type: ignore[index]
    code, text = cli(world_file, monkeypatch, "nadia", "check")
    assert "A3" in text and "avant la fin de A2" in text


def test_french_dates_and_a_missing_reason(
    world_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan(world_file)
    code, text = cli(world_file, monkeypatch, "nadia", "action", "dates", "A3", "--fin",
                     "31/06/2027", "--garder")  # fmt: skip
    assert code == EXIT_USAGE and "« 31/06/2027 » n'est pas une date valide" in text
    code, text = cli(world_file, monkeypatch, "nadia", "action", "dates", "A3", "--fin",
                     "30/06/2027", "--garder", "--nature", "contrainte")  # fmt: skip
    assert code == EXIT_USAGE and "motif" in text, text
    code, text = cli(world_file, monkeypatch, "nadia", "action", "dates", "A3", "--fin",
                     "30/06/2027", "--garder", "--motif", "Plus de temps")  # fmt: skip
    assert code == EXIT_USAGE and "--nature : obligatoire : contrainte ou opportunite" in text
    code, text = cli(world_file, monkeypatch, "nadia", "action", "dates", "A3")
    assert code == EXIT_USAGE and "date de début, de fin" in text


@pytest.mark.parametrize("role", ROLES)
def test_action_dates_per_role(
    door_world: Door, monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    """On PostgreSQL each person connects with their own role (``roadmap db acces``)."""
    plan(door_world)
    check(door_world, monkeypatch, role, {"trinôme", "direction"}, *MOVE, "--decaler")
