"""Use cases behind every door, per role, on SQLite and PostgreSQL: allowed or refused,
and when refused nothing written (every table's rows and versions unchanged)."""

from __future__ import annotations

import pytest

from roadmap.domain.errors import PermissionDenied
from roadmap.models import Administrator, JournalEntry, Membership, Person, Roadmap
from roadmap.usecases import actions as act
from roadmap.usecases import instruction as ins
from roadmap.usecases import jalons as jal
from roadmap.usecases import observations as obs
from roadmap.usecases import reference as ref
from roadmap.usecases import roadmaps as rm
from roadmap.usecases.admin import is_administrator
from roadmap.usecases.administrators import add_administrator, remove_administrator
from roadmap.usecases.campaigns import update_campagne
from roadmap.usecases.demo import build_demo
from roadmap.usecases.dossier_import import import_dossiers
from roadmap.usecases.identity import actor_for
from tests.conftest import journal_actor
from tests.instruction.conftest import SLUG, TERRITOIRE, YEAR, World, new_dossier

from .conftest import ROLES, actor_of, counts

CREATORS = {"administrateur", "direction"}
EDITORS = {"direction", "trinôme"}


@pytest.mark.parametrize("role", ROLES)
async def test_create_roadmap_door(world: World, role: str) -> None:
    """The TUI form and an import of a new slug call this: administrators and direction."""
    actor = await actor_of(role)
    before = await counts()
    data = rm.RoadmapInput("nouvelle", "Nouvelle", "Un but", "2030-12-31", "dcs", "pat")
    if role in CREATORS:
        await rm.create_roadmap(actor, data)
        me = await Person.get(login=actor.login)  # an administrator without fiche gets one
        membership = await Membership.get(roadmap__slug="nouvelle", person_id=me.id)
        assert membership.role == "trinome"
        who = await journal_actor(actor.login)
        assert await JournalEntry.filter(roadmap_slug="nouvelle", actor=who).exists()
        assert await rm.may_create_roadmap(actor)
    else:
        assert not await rm.may_create_roadmap(actor)
        with pytest.raises(PermissionDenied, match="réservé aux administrateurs"):
            await rm.create_roadmap(actor, data)
        assert await counts() == before


@pytest.mark.parametrize("role", ROLES)
async def test_reference_data_door(world: World, role: str) -> None:
    """Services, people and territories: administrators only (import, CLI, demo)."""
    actor = await actor_of(role)
    before = await counts()
    writes = [
        lambda: ref.create_service(actor, ref.ServiceInput("sante", "Santé", "droit_commun")),
        lambda: ref.create_person(actor, ref.PersonInput("zoe", "Zoé", "", "dcs")),
        lambda: ref.create_territoire(actor, "t2", "Autre contrat de ville"),
    ]
    if role == "administrateur":
        for write in writes:
            await write()
        who = await journal_actor(actor.login)
        assert await JournalEntry.filter(actor=who, entity="territoire", entity_ref="t2").exists()
        return
    for write in writes:
        with pytest.raises(PermissionDenied, match="administrateurs de la base"):
            await write()
    assert await counts() == before


@pytest.mark.parametrize("role", ROLES)
async def test_administrators_door(world: World, role: str) -> None:
    actor = await actor_of(role)
    before = await counts()
    if role == "administrateur":
        await add_administrator(actor, "luc")
        assert await is_administrator(await actor_for("luc"))
        await remove_administrator(await actor_for("luc"), "luc")
        assert not await is_administrator(await actor_for("luc"))
        ops = await JournalEntry.filter(entity="administrateur").values_list("operation", flat=True)
        assert list(ops) == ["ajout", "retrait"]
        return
    with pytest.raises(PermissionDenied):
        await add_administrator(actor, "luc")
    with pytest.raises(PermissionDenied):
        await remove_administrator(actor, "amorce")
    assert await counts() == before


async def test_the_last_administrator_row_stays(world: World) -> None:
    admin = await actor_of("administrateur")
    await Administrator.exclude(login="amorce").delete()
    if await is_administrator(await actor_for("roadmap")):  # PostgreSQL owner: others remain
        await remove_administrator(admin, "amorce")
        return
    with pytest.raises(Exception, match="dernier administrateur"):
        await remove_administrator(admin, "amorce")


@pytest.mark.parametrize("role", ROLES)
async def test_campaign_edit_door(world: World, role: str) -> None:
    """What an import calls for a campaign's title, dates and instructors."""
    actor = await actor_of(role)
    campagne = await ins.campagne_by_year(YEAR, TERRITOIRE)
    before = await counts()
    edit = update_campagne(
        actor,
        YEAR,
        campagne.version,
        territoire=TERRITOIRE,
        title="AAP 2026 révisé",
        closes_on="2026-07-15",
        instructors=["dcs", "pat"],
    )
    if role in EDITORS:
        await edit
        rows = await JournalEntry.filter(
            entity="campagne", actor=await journal_actor(actor.login), operation="modification"
        ).values_list("field", "old_value", "new_value")
        assert sorted(rows) == [
            ("clôture", "2026-06-30", "2026-07-15"),
            ("services instructeurs", "dcs, ddets, pat", "dcs, pat"),
            ("titre", "AAP 2026", "AAP 2026 révisé"),
        ]
        return
    with pytest.raises(PermissionDenied):
        await edit
    assert await counts() == before


async def test_an_unknown_person_writes_nothing_through_any_use_case(world: World) -> None:
    """Each write use case refuses a person with no fiche up front; nothing is written."""
    nobody = await actor_for("inconnu")
    assert nobody.person_id is None
    dossier = await new_dossier(world)
    before = await counts()
    writes = {
        "créer une feuille de route": lambda: rm.create_roadmap(
            nobody, rm.RoadmapInput("x", "X", "But", "2030-12-31", "dcs", "pat")
        ),
        "modifier la feuille de route": lambda: rm.edit_roadmap(
            nobody, SLUG, 1, title="T", destination="D"
        ),
        "ajouter un membre": lambda: rm.add_member(nobody, SLUG, "marc", "lecteur"),
        "créer un axe": lambda: rm.create_axe(nobody, SLUG, "Axe"),
        "créer une action": lambda: act.create_action(
            nobody, SLUG, act.ActionInput(title="A", pilot_service="dcs")
        ),
        "créer un jalon": lambda: jal.create_jalon(
            nobody, SLUG, jal.JalonInput(title="COPIL", date="2026-09-01")
        ),
        "commenter": lambda: obs.add_comment(nobody, SLUG, "bonjour", about="A1"),
        "créer une campagne": lambda: ins.create_campagne(
            nobody, ins.CampagneInput(2027, "2027-01-01", "2027-03-01", [SLUG])
        ),
        "modifier une campagne": lambda: update_campagne(nobody, YEAR, 1, title="X"),
        "créer un dossier": lambda: ins.create_dossier(
            nobody, YEAR, ins.DossierInput("Asso", "Projet")
        ),
        "faire avancer un dossier": lambda: ins.transition(nobody, dossier, 1, "recevable"),
        "donner un avis": lambda: ins.give_avis(nobody, dossier, "favorable"),
        "décider": lambda: ins.decide(nobody, dossier, 1, "accorde"),
        "note privée": lambda: ins.add_annotation(nobody, dossier, "secret"),
        "importer des dossiers": lambda: import_dossiers(
            nobody, b"porteur;titre\nAsso;Projet\n", campagne=YEAR
        ),
        "créer un service": lambda: ref.create_service(nobody, ref.ServiceInput("s", "S", "etat")),
        "créer un territoire": lambda: ref.create_territoire(nobody, "t", "T"),
        "nommer un administrateur": lambda: add_administrator(nobody, "inconnu"),
        "créer la démonstration": lambda: build_demo(nobody),
    }
    for what, write in writes.items():
        with pytest.raises(PermissionDenied):
            await write()
        assert await counts() == before, what
    assert not await Roadmap.exists(slug="x")
