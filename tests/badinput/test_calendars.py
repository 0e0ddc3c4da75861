"""Calendars say no small lies: each service sees only the avis deadlines it has to meet,
and UIDs name the item and the database that wrote it, so two territories or two
databases holding the same demo never collide in a partner's calendar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from icalendar import Calendar

from roadmap import models as m
from roadmap.exchange.calendar import campaign_uid
from roadmap.exchange.export import export
from roadmap.exchange.metadata import ExportOptions
from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import DatabaseLocation, parse_location
from roadmap.usecases.demo import build_demo
from roadmap.usecases.identity import current_actor
from tests.conftest import create_pg_database, drop_pg_database, the_test_user_created_it
from tests.exchange.seed import seed_roadmap

TODAY = date(2026, 3, 2)


def uids(path: Path) -> list[str]:
    """The item part of each UID (the database part: see the tests at the end)."""
    events = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    return sorted(str(e["uid"]).partition("@")[0] for e in events)


async def test_avis_deadlines_only_for_the_services_that_still_owe_an_avis(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await seed_roadmap()
    dossier = await m.Dossier.get(ref="D2026-001")
    await m.Dossier.filter(id=dossier.id).update(state="en_instruction")
    await m.Decision.filter(dossier_id=dossier.id).delete()
    dsu = await m.Service.get(code="dsu")
    await m.Avis.filter(dossier_id=dossier.id, service_id=dsu.id).delete()
    await export(tmp_path, options=ExportOptions(ics=True))
    avis = "avis-pat-test-D2026-001"
    assert avis in uids(tmp_path / "pat-test.ics")  # the team's calendar: still awaited
    assert avis in uids(tmp_path / "services" / "dsu.ics")  # instructs, has not answered
    assert avis not in uids(tmp_path / "services" / "ddets.ics")  # instructs, answered
    assert avis not in uids(tmp_path / "services" / "caf.ics")  # only co-finances
    # once decided, the deadline leaves every calendar
    await m.Dossier.filter(id=dossier.id).update(state="decide")
    await export(tmp_path / "b", options=ExportOptions(ics=True))
    assert avis not in uids(tmp_path / "b" / "pat-test.ics")
    assert avis not in uids(tmp_path / "b" / "services" / "dsu.ics")


def test_two_territories_never_share_a_uid() -> None:
    salon = {"annee": 2026, "titre": "AAP contrat de ville Salon 2026", "ouverture": "2026-01-05"}
    nice = {
        "annee": 2026,
        "titre": "AAP politique de la ville Nice 2026",
        "ouverture": "2026-01-05",
    }
    assert campaign_uid(salon) != campaign_uid(nice)
    # the roadmap file says "annee", a service file "campagne": the same event, the same UID
    as_service = {"campagne": 2026, "titre": salon["titre"], "ouverture": salon["ouverture"]}
    assert campaign_uid(as_service) == campaign_uid(salon)


# --- the database part of every UID (migration 0010) ---------------------------------------


async def _demo_calendar(location: DatabaseLocation, out: Path) -> list[str]:
    """Open ``location`` (a new database), build the demo, export its calendars: full UIDs."""
    await open_database(location)
    try:
        await the_test_user_created_it()
        await build_demo(await current_actor(), today=TODAY)
        await export(out, options=ExportOptions(ics=True))
        instance = (await m.Instance.get(id=1)).code
    finally:
        await close_database()
    found = [
        str(e["uid"])
        for path in sorted(out.rglob("*.ics"))
        for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    ]
    assert found and all(u.endswith(f"@{instance}.feuille-de-route") for u in found)
    return found


async def test_the_same_demo_in_two_databases_never_shares_a_uid(
    db_location: DatabaseLocation, tmp_path: Path
) -> None:
    """Two machines running the demo: a partner subscribing to both sees two events."""
    if db_location.is_sqlite:
        other = parse_location(str(tmp_path / "autre.db"))
        first = await _demo_calendar(db_location, tmp_path / "a")
        second = await _demo_calendar(other, tmp_path / "b")
    else:
        url = await create_pg_database()
        try:
            first = await _demo_calendar(db_location, tmp_path / "a")
            second = await _demo_calendar(parse_location(url), tmp_path / "b")
        finally:
            await drop_pg_database(url)
    assert set(first).isdisjoint(second)
    # ... while the item part is the same: the same data, another database
    assert sorted(u.partition("@")[0] for u in first) == sorted(u.partition("@")[0] for u in second)


async def test_the_same_base_writes_the_same_calendar_bytes_twice(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await build_demo(await current_actor(), today=TODAY)
    await export(tmp_path / "a", options=ExportOptions(ics=True))
    await export(tmp_path / "b", options=ExportOptions(ics=True), rebuild=True)
    first = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*.ics")}
    second = {
        p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*.ics")
    }
    assert first and first == second
