"""A small roadmap with one person per role, built through the use cases."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from roadmap.storage.location import DatabaseLocation
from roadmap.usecases import reference as ref
from roadmap.usecases import roadmaps as rm
from roadmap.usecases.identity import Actor, actor_for
from tests.roles import make_admin

SLUG = "essai"


@dataclass
class Team:
    slug: str
    trinome: Actor
    trinome2: Actor
    direction: Actor
    cercle: Actor
    lecteur: Actor
    stranger: Actor


@pytest.fixture
async def team(db: DatabaseLocation) -> Team:
    boot = await make_admin("alice")  # reference data, and she creates the roadmap
    for code, name, kind in [
        ("pv", "Politique de la ville", "politique_de_la_ville"),
        ("pat", "PAT", "droit_commun"),
        ("caf", "CAF", "partenaire"),
    ]:
        await ref.create_service(boot, ref.ServiceInput(code, name, kind))
    for login, name, service in [
        ("alice", "Alice PV", "pv"),
        ("bruno", "Bruno PAT", "pat"),
        ("dora", "Dora Directrice", "pv"),
        ("cyril", "Cyril CAF", "caf"),
        ("lina", "Lina Lectrice", "caf"),
        ("zoe", "Zoé Inconnue", "caf"),
    ]:
        await ref.create_person(boot, ref.PersonInput(login, name, f"{login}@example.org", service))
    alice = await actor_for("alice")
    await rm.create_roadmap(
        alice,
        rm.RoadmapInput(SLUG, "Essai", "Une destination", "2030-12-31", "pv", "pat"),
    )
    await rm.add_member(alice, SLUG, "bruno", "trinome")
    await rm.add_member(alice, SLUG, "dora", "direction")
    await rm.add_member(alice, SLUG, "cyril", "cercle_elargi")
    await rm.add_member(alice, SLUG, "lina", "lecteur")
    await rm.create_axe(alice, SLUG, "Premier axe")
    return Team(
        slug=SLUG,
        trinome=alice,
        trinome2=await actor_for("bruno"),
        direction=await actor_for("dora"),
        cercle=await actor_for("cyril"),
        lecteur=await actor_for("lina"),
        stranger=await actor_for("zoe"),
    )
