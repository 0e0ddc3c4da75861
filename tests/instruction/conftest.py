"""A small world for instruction tests: services, people with roles, a roadmap, a campaign."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from roadmap.models import Action, Administrator, Service
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases import instruction as ins
from roadmap.usecases.identity import Actor, actor_for
from roadmap.usecases.reference import (
    PersonInput,
    ServiceInput,
    create_person,
    create_service,
    create_territoire,
)
from roadmap.usecases.roadmaps import RoadmapInput, add_member, create_axe, create_roadmap
from tests.roles import make_admin

SLUG = "pat-test"
YEAR = 2026
TERRITOIRE = "metro"


@dataclass
class World:
    pilote: Actor  # trinôme, politique de la ville (dcs)
    pat: Actor  # trinôme, droit commun (pat)
    ddets: Actor  # cercle élargi, État (ddets)
    caf: Actor  # cercle élargi, CAF: not an instructing service
    lecteur: Actor  # lecteur, service ddets
    etranger: Actor  # ddets member with no role on the roadmap
    directeur: Actor  # direction, dcs
    axe: str
    action: str


async def _actor(login: str) -> Actor:
    return await actor_for(login)


async def build_world() -> World:
    boot = await make_admin("amorce")
    await make_admin("nadia")  # creates the roadmap
    for code, name, kind in [
        ("dcs", "Direction de la cohésion sociale", "politique_de_la_ville"),
        ("pat", "Direction agriculture / PAT", "droit_commun"),
        ("ddets", "DDETS 13", "etat"),
        ("caf", "CAF des Bouches-du-Rhône", "partenaire"),
    ]:
        await create_service(boot, ServiceInput(code, name, kind))
    await create_territoire(boot, TERRITOIRE, "Métropole d'essai")
    people = [
        ("nadia", "Nadia Benali", "dcs"),
        ("paul", "Paul Arnaud", "pat"),
        ("sophie", "Sophie Martel", "ddets"),
        ("claire", "Claire Roux", "caf"),
        ("luc", "Luc Ferri", "ddets"),
        ("marc", "Marc Vidal", "ddets"),
        ("dir", "Hélène Dumas", "dcs"),
    ]
    for login, name, service in people:
        await create_person(boot, PersonInput(login, name, f"{login}@exemple.fr", service))
    nadia = await _actor("nadia")
    await create_roadmap(
        nadia,
        RoadmapInput(
            SLUG,
            "PAT × politique de la ville",
            "Une alimentation saine",
            "2030-12-31",
            "dcs",
            "pat",
        ),
    )
    await add_member(nadia, SLUG, "paul", "trinome")
    await add_member(nadia, SLUG, "sophie", "cercle_elargi")
    await add_member(nadia, SLUG, "claire", "cercle_elargi")
    await add_member(nadia, SLUG, "luc", "lecteur")
    await add_member(nadia, SLUG, "dir", "direction", "politique_de_la_ville")
    axe = await create_axe(nadia, SLUG, "Jardins partagés")
    pat_service = await Service.get(code="pat")
    roadmap_id = axe.roadmap_id  # type: ignore[attr-defined]
    action = await Action.create(
        roadmap_id=roadmap_id,
        ref="A1",
        axe=axe,
        title="Jardin des Canourgues",
        pilot_service=pat_service,
    )
    await ins.create_campagne(
        nadia,
        ins.CampagneInput(
            year=YEAR,
            opens_on="2026-01-15",
            closes_on="2026-06-30",
            roadmaps=[SLUG],
            instructors=["dcs", "pat", "ddets"],
        ),
    )
    await Administrator.filter(login="nadia").delete()  # she created it; now only trinôme
    return World(
        pilote=nadia,
        pat=await _actor("paul"),
        ddets=await _actor("sophie"),
        caf=await _actor("claire"),
        lecteur=await _actor("luc"),
        etranger=await _actor("marc"),
        directeur=await _actor("dir"),
        axe=axe.ref,
        action=action.ref,
    )


@pytest.fixture
async def world(db: DatabaseLocation) -> World:
    return await build_world()


@pytest.fixture
async def sqlite_world(sqlite_db: DatabaseLocation) -> World:
    return await build_world()


async def new_dossier(w: World, *, title: str = "Jardin solidaire", **kw: object) -> str:
    data = ins.DossierInput(
        porteur=str(kw.pop("porteur", "Association Les Pousses")),
        title=title,
        total_budget=str(kw.pop("total_budget", "30000")),
        action=kw.pop("action", w.action),  # type: ignore[arg-type]
        avis_deadline=kw.pop("avis_deadline", "2026-04-30"),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )
    plan = [ins.FinancementInput("dcs", "12000"), ins.FinancementInput("pat", "8000,50")]
    dossier = await ins.create_dossier(w.pilote, YEAR, data, plan)
    return dossier.ref


async def version_of(ref: str) -> int:
    return (await ins.dossier_by_ref(ref)).version


async def to_instruction(w: World, ref: str) -> None:
    await ins.declare_recevable(w.pilote, ref, await version_of(ref))
    await ins.start_instruction(w.pilote, ref, await version_of(ref))


async def all_avis(w: World, ref: str) -> None:
    await ins.give_avis(w.pilote, ref, "favorable", "Projet ancré dans le quartier")
    await ins.give_avis(w.pat, ref, "favorable")
    await ins.give_avis(w.ddets, ref, "reserve", "Budget de fonctionnement élevé")
