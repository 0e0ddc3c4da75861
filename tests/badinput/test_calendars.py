"""Calendars say no small lies: each service sees only the avis deadlines it has to meet,
and UIDs name the territory so two territories never collide in a partner's calendar."""

from __future__ import annotations

from pathlib import Path

from icalendar import Calendar

from roadmap import models as m
from roadmap.exchange.calendar import campaign_uid
from roadmap.exchange.export import export
from roadmap.exchange.metadata import ExportOptions
from roadmap.storage.location import DatabaseLocation
from tests.exchange.seed import seed_roadmap


def uids(path: Path) -> list[str]:
    return sorted(str(e["uid"]) for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT"))


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
    avis = "avis-pat-test-D2026-001@feuille-de-route"
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
