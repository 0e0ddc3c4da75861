"""iCalendar files parse back with the right events and stable UIDs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from icalendar import Calendar

from roadmap import models as m
from roadmap.exchange.export import export
from roadmap.exchange.metadata import ExportOptions
from roadmap.storage.location import DatabaseLocation
from tests.exchange.seed import seed_roadmap


def events(path: Path) -> dict[str, object]:
    """Events by the item part of their UID; the database part is one and the same
    (``<instance>.feuille-de-route``, tests/badinput/test_calendars.py)."""
    calendar = Calendar.from_ical(path.read_bytes())
    found = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    domains = {uid.partition("@")[2] for uid in found}
    assert len(domains) <= 1 and all(d.endswith(".feuille-de-route") for d in domains)
    return {uid.partition("@")[0]: e for uid, e in found.items()}


async def test_roadmap_and_service_calendars(db: DatabaseLocation, tmp_path: Path) -> None:
    await seed_roadmap()
    await export(tmp_path, options=ExportOptions(ics=True))
    road = events(tmp_path / "pat-test.ics")
    aap = "aap-2026-91bed60309-cloture"  # year + hash of title and opening
    assert sorted(road) == [  # D2026-001 is decided: its avis deadline is nobody's any more
        aap,
        "jalon-pat-test-J1",
        "jalon-pat-test-J2",
    ]
    copil = road["jalon-pat-test-J1"]
    assert copil.decoded("dtstart") == date(2026, 3, 17)  # the current date, after re-routing
    assert int(copil["sequence"]) == 1
    assert copil.decoded("dtstamp") == datetime(2026, 1, 5, 9, 30, tzinfo=UTC)  # from the data
    assert road[aap].decoded("dtstart") == date(2026, 2, 28)

    ddets = events(tmp_path / "services" / "ddets.ics")
    assert sorted(ddets) == [aap, "jalon-pat-test-J1"]
    assert ddets["jalon-pat-test-J1"].to_ical() == copil.to_ical()


async def test_moved_jalon_keeps_uid_and_bumps_sequence(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    await seed_roadmap()
    await export(tmp_path / "a", options=ExportOptions(ics=True))
    jalon = await m.Jalon.get(ref="J2")
    await m.Jalon.filter(id=jalon.id).update(current_date=date(2026, 6, 2))
    await m.Adjustment.create(roadmap_id=jalon.roadmap_id, jalon=jalon, field="current_date",  # type: ignore[attr-defined]
                              old_value="2026-05-05", new_value="2026-06-02", reason="salle prise",
                              kind="contrainte", author="cmartin",
                              created_at=datetime(2026, 2, 1, tzinfo=UTC))  # fmt: skip
    await export(tmp_path / "b", options=ExportOptions(ics=True))
    before = events(tmp_path / "a" / "pat-test.ics")["jalon-pat-test-J2"]
    after = events(tmp_path / "b" / "pat-test.ics")["jalon-pat-test-J2"]
    assert after.decoded("dtstart") == date(2026, 6, 2)
    assert int(after["sequence"]) == int(before["sequence"]) + 1
    assert after.decoded("dtstamp") > before.decoded("dtstamp")
