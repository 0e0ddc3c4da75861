"""The guided start on an empty base: territory, both services, the person, the roadmap,
through the reference and creation use cases, in one unit; the demo never leaks in."""

from __future__ import annotations

from datetime import date

import pytest

from roadmap.domain.errors import PermissionDenied, ValidationError
from roadmap.models import JournalEntry, Membership, Person, Roadmap, Service, Territoire
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases import first_start as fs
from roadmap.usecases import roadmaps as rm
from roadmap.usecases.demo import build_demo
from roadmap.usecases.identity import actor_for
from tests.conftest import journal_actor
from tests.roles import make_admin

START = fs.FirstStart(
    territoire="Ville de Roubaix",
    my_name="Aïcha Benhamou",
    my_service="Direction de la politique de la ville",
    my_side="politique_de_la_ville",
    other_service="Direction des sports",
    title="Sport santé dans les quartiers",
    destination="Chaque habitant des QPV trouve une activité sportive près de chez lui.",
    horizon="31/12/2028",
)


async def test_empty_base_to_a_first_roadmap(db: DatabaseLocation) -> None:
    admin = await make_admin("abenhamou")  # the base's creator: no fiche yet
    assert await fs.needs_first_start(admin)
    started = await fs.first_start(admin, START)
    roadmap = await Roadmap.get(slug=started.slug).prefetch_related(
        "pv_service", "dc_service", "territoire"
    )
    assert started.slug == "sport-sante-dans-les-quartiers"
    assert roadmap.territoire.name == "Ville de Roubaix"
    assert roadmap.pv_service.name == "Direction de la politique de la ville"
    assert roadmap.pv_service.kind == "politique_de_la_ville"
    assert roadmap.dc_service.name == "Direction des sports"
    me = await Person.get(login="abenhamou").prefetch_related("service")
    assert me.name == "Aïcha Benhamou" and me.service.code == started.services[0]
    seat = await Membership.get(roadmap_id=roadmap.id, person_id=me.id)
    assert (seat.role, seat.side) == ("trinome", "politique_de_la_ville")
    who = await journal_actor("abenhamou")
    for entity in ("territoire", "service", "personne", "feuille de route"):
        assert await JournalEntry.filter(entity=entity, actor=who, operation="création").exists()
    assert not await fs.needs_first_start(await actor_for("abenhamou"))


async def test_droit_commun_side_and_names_reused(db: DatabaseLocation) -> None:
    admin = await make_admin("pdc")
    data = fs.FirstStart(
        **{**START.__dict__, "my_name": "Paul Sport", "my_side": "droit_commun", "title": "Un"}
    )
    first = await fs.first_start(admin, data)
    second = await fs.first_start(await actor_for("pdc"), fs.FirstStart(**{**data.__dict__}))
    assert second.slug == "un-2"  # a free identifier, never an overwrite
    assert second.services == first.services  # the same real services, not copies
    assert await Territoire.all().count() == 1
    me = await Person.get(login="pdc").prefetch_related("service")
    assert me.service.code == first.services[1]  # droit commun side
    seat = await Membership.get(roadmap__slug=first.slug, person_id=me.id)
    assert seat.side == "droit_commun"


async def test_refused_to_non_admins_and_nothing_half_made(
    db: DatabaseLocation, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(PermissionDenied, match="administrateurs"):
        await fs.first_start(await actor_for("inconnu"), START)
    assert await Service.all().count() == 0

    async def refused(*_args: object) -> None:
        raise ValidationError("refus au dernier pas", field="titre")

    monkeypatch.setattr(rm, "create_roadmap", refused)
    with pytest.raises(ValidationError):
        await fs.first_start(await make_admin("abenhamou"), START)
    assert await Service.all().count() == 0  # one unit: territory and services undone
    assert await Territoire.all().count() == 0
    assert not await Person.exists(login="abenhamou")


async def test_after_the_demo_the_real_start_takes_nothing_from_it(db: DatabaseLocation) -> None:
    admin = await make_admin("mdupont")
    await build_demo(admin, today=date(2026, 3, 2))
    me = await actor_for("mdupont")
    assert me.name == "Mathilde Roux"  # the demo's persona, on the demo's service
    assert await fs.needs_first_start(me)
    started = await fs.first_start(me, START)
    person = await Person.get(login="mdupont").prefetch_related("service")
    assert person.name == "Aïcha Benhamou"
    assert person.service.code not in ("dcs", "dapat")
    roadmap = await Roadmap.get(slug=started.slug).prefetch_related("pv_service", "dc_service")
    assert {roadmap.pv_service.code, roadmap.dc_service.code}.isdisjoint({"dcs", "dapat"})
    assert (
        await Roadmap.get(slug=started.slug).prefetch_related("territoire")
    ).territoire.code != "amp"


async def test_a_real_roadmap_refuses_the_demo_services_and_people(db: DatabaseLocation) -> None:
    admin = await make_admin("mdupont")
    await build_demo(admin, today=date(2026, 3, 2))
    me = await actor_for("mdupont")
    data = rm.RoadmapInput("vraie", "Vraie", "Un but", "2030-12-31", "dcs", "dapat")
    with pytest.raises(ValidationError, match=r"démonstration.*roadmap commencer"):
        await rm.create_roadmap(me, data)
    started = await fs.first_start(me, START)
    with pytest.raises(ValidationError, match="personne de la démonstration"):
        await rm.add_member(await actor_for("mdupont"), started.slug, "cmartin", "trinome")
