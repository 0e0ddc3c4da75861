"""The demo's persona: a demo name for the seat, the runner's own login, no future history."""

from __future__ import annotations

from datetime import UTC, date, datetime

from roadmap.models import JournalEntry, Person
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases.demo import DEMO_PERSONA, build_demo
from tests.roles import make_admin


async def test_demo_persona_and_history_never_in_the_future(db: DatabaseLocation) -> None:
    before = datetime.now(UTC)
    await build_demo(await make_admin("mdupont"), today=date.today())  # the base creator
    person = await Person.get(login="mdupont")
    assert person.name == DEMO_PERSONA  # not « Vous (mdupont) »: others see a demo name
    newest = await JournalEntry.all().order_by("-at").first()
    assert newest is not None and newest.at <= datetime.now(UTC)
    assert newest.at.date() <= before.date()
