"""Campaigns belong to a territory: two territories' campaigns of the same year never merge."""

from __future__ import annotations

import pytest

from roadmap.domain.errors import ValidationError
from roadmap.models import Campagne, CampagneInstructor, JournalEntry
from roadmap.usecases import instruction as ins
from roadmap.usecases import reference as ref
from roadmap.usecases import roadmaps as rm
from roadmap.usecases.campaigns import list_campagnes, update_campagne
from roadmap.usecases.identity import actor_for
from tests.instruction.conftest import SLUG, TERRITOIRE, YEAR, World

OTHER = "cv-ouest"


async def _second_territory(world: World) -> None:
    """Another contrat de ville with its own roadmap and its own AAP of the same year."""
    admin = await actor_for("amorce")
    await ref.create_territoire(admin, OTHER, "Contrat de ville de l'Ouest")
    await rm.create_roadmap(
        world.directeur,
        rm.RoadmapInput("ouest", "Ouest", "Un autre but", "2030-12-31", "dcs", "ddets", OTHER),
    )
    await ins.create_campagne(
        world.directeur,
        ins.CampagneInput(
            YEAR, "2026-02-01", "2026-05-31", ["ouest"], title="AAP Ouest", instructors=["ddets"]
        ),
    )


async def test_two_territories_same_year_stay_separate(world: World) -> None:
    await _second_territory(world)
    views = {(c.territoire, c.year): c for c in await list_campagnes()}
    assert set(views) == {(TERRITOIRE, YEAR), (OTHER, YEAR)}
    assert views[(OTHER, YEAR)].instructors == ["ddets"]
    assert views[(TERRITOIRE, YEAR)].instructors == ["dcs", "ddets", "pat"]
    assert views[(OTHER, YEAR)].roadmaps == ["ouest"]

    with pytest.raises(ValidationError, match="précisez le territoire"):
        await ins.campagne_by_year(YEAR)
    ouest = await ins.campagne_by_year(YEAR, OTHER)
    await ins.create_dossier(
        world.directeur, YEAR, ins.DossierInput("Asso", "Ouest", roadmap="ouest"), territoire=OTHER
    )
    await ins.create_dossier(
        world.pilote, YEAR, ins.DossierInput("Asso", "Est"), territoire=TERRITOIRE
    )
    assert [r.title for r in await ins.list_dossiers(campagne=YEAR, territoire=OTHER)] == ["Ouest"]
    assert [r.title for r in await ins.list_dossiers(territoire=TERRITOIRE)] == ["Est"]

    # An edit of one territory's campaign leaves the other's alone, journaled in its roadmap.
    await update_campagne(
        world.directeur, YEAR, ouest.version, territoire=OTHER, instructors=["ddets", "dcs"]
    )
    main = await ins.campagne_by_year(YEAR, TERRITOIRE)
    codes = await CampagneInstructor.filter(campagne_id=main.id).values_list(
        "service__code", flat=True
    )
    assert sorted(codes) == ["dcs", "ddets", "pat"]
    rows = await JournalEntry.filter(entity="campagne", operation="modification")
    assert [(r.roadmap_slug, r.entity_ref) for r in rows] == [("ouest", f"AAP{YEAR}")]


async def test_a_campaign_serves_only_roadmaps_of_its_territory(world: World) -> None:
    await _second_territory(world)
    before = await Campagne.all().count()
    with pytest.raises(ValidationError, match="plusieurs territoires"):
        await ins.create_campagne(
            world.directeur,
            ins.CampagneInput(2027, "2027-01-01", "2027-03-01", [SLUG, "ouest"]),
        )
    with pytest.raises(ValidationError, match="autre territoire"):
        await ins.create_campagne(
            world.directeur,
            ins.CampagneInput(2027, "2027-01-01", "2027-03-01", [SLUG], territoire=OTHER),
        )
    with pytest.raises(ValidationError, match="existe déjà"):
        await ins.create_campagne(
            world.directeur,
            ins.CampagneInput(YEAR, "2026-01-01", "2026-03-01", ["ouest"], territoire=OTHER),
        )
    assert await Campagne.all().count() == before
