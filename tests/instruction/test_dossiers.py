"""Campaigns and dossiers: creation, defaults, validation, permissions, concurrency, journal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from roadmap.domain.errors import NotFound, PermissionDenied, StaleVersion, ValidationError
from roadmap.models import DossierInstructor, FinancementLine, JournalEntry
from roadmap.usecases import instruction as ins

from .conftest import SLUG, YEAR, new_dossier, version_of


async def test_campaign_defaults_and_dossier_defaults(world) -> None:
    (campagne,) = await ins.list_campagnes()
    assert (campagne.year, campagne.title, campagne.roadmaps) == (YEAR, "AAP 2026", [SLUG])
    assert campagne.instructors == ["dcs", "ddets", "pat"]
    ref = await new_dossier(world, qpvs=[])
    assert ref == "AAP2026-001"
    detail = await ins.dossier_detail(ref)
    assert detail.row.roadmap == SLUG  # the campaign's only roadmap
    assert detail.row.axe == world.axe  # from the linked action
    assert detail.row.instructors == ("dcs", "ddets", "pat")
    assert detail.row.asked == Decimal("20000.50")
    assert [(p.financeur, p.asked, p.granted) for p in detail.plan] == [
        ("dcs", Decimal("12000.00"), None),
        ("pat", Decimal("8000.50"), None),
    ]
    assert await new_dossier(world, title="Autre") == "AAP2026-002"
    created = await JournalEntry.filter(entity_ref=ref).values_list("entity", "operation")
    assert ("dossier", "dépôt") in created and ("financement", "création") in created


async def test_campaign_validation_and_permissions(world) -> None:
    data = ins.CampagneInput(
        year=2027, opens_on="01/02/2027", closes_on="31/01/2027", roadmaps=[SLUG]
    )
    with pytest.raises(ValidationError) as err:
        await ins.create_campagne(world.pilote, data)
    assert err.value.field == "clôture"
    with pytest.raises(ValidationError) as err:
        await ins.create_campagne(
            world.pilote, ins.CampagneInput("20x7", "2027-01-01", "2027-06-30", [SLUG])
        )
    assert err.value.field == "année"
    with pytest.raises(PermissionDenied):
        await ins.create_campagne(
            world.ddets, ins.CampagneInput(2027, "2027-01-01", "2027-06-30", [SLUG])
        )
    with pytest.raises(ValidationError, match="existe déjà"):
        await ins.create_campagne(
            world.pilote, ins.CampagneInput(YEAR, "2026-01-01", "2026-06-30", [SLUG])
        )
    with pytest.raises(NotFound) as err:
        await ins.create_campagne(
            world.pilote,
            ins.CampagneInput(2027, "2027-01-01", "2027-06-30", [SLUG], instructors=["xyz"]),
        )
    assert err.value.field == "services instructeurs"


async def test_edit_campaign(world) -> None:
    (c,) = await ins.list_campagnes()
    new_version = await ins.edit_campagne(
        world.pilote,
        YEAR,
        c.version,
        ins.CampagneInput(
            YEAR, "2026-01-15", "2026-07-31", [SLUG], axes=[world.axe], instructors=["dcs", "pat"]
        ),
    )
    (c2,) = await ins.list_campagnes()
    assert c2.version == new_version and c2.axes == [f"{SLUG}/{world.axe}"]
    assert c2.instructors == ["dcs", "pat"]
    with pytest.raises(StaleVersion):
        await ins.edit_campagne(
            world.pilote,
            YEAR,
            c.version,
            ins.CampagneInput(YEAR, "2026-01-15", "2026-07-31", [SLUG]),
        )
    fields = await JournalEntry.filter(entity="campagne", operation="modification").values_list(
        "field", flat=True
    )
    assert set(fields) == {"clôture", "feuilles de route et axes", "services instructeurs"}


async def test_dossier_validation(world) -> None:
    cases = [
        (dict(porteur=""), "porteur"),
        (dict(title="  "), "titre"),
        (dict(total_budget="-5"), "budget total"),
        (dict(total_budget="10000"), "budget total"),  # below the 20 000,50 asked
        (dict(pillar="culture"), "pilier"),
        (dict(qpvs=["QX999"]), "QPV"),
        (dict(axe="AX9"), "axe"),
        (dict(action="A42"), "action"),
        (dict(avis_deadline="31/02/2026"), "date limite des avis"),
        (dict(instructors=["dcs", "nope"]), "services instructeurs"),
        (dict(roadmap="autre-feuille"), "feuille de route"),
    ]
    for overrides, field in cases:
        data = (
            dict(porteur="Asso", title="Titre", total_budget="30000", action=world.action)
            | overrides
        )
        with pytest.raises((ValidationError, NotFound)) as err:
            await ins.create_dossier(
                world.pilote,
                YEAR,
                ins.DossierInput(**data),  # type: ignore[arg-type]
                [ins.FinancementInput("dcs", "12000"), ins.FinancementInput("pat", "8000,50")],
            )
        assert err.value.field == field, (overrides, err.value)
    bad_plans = [
        (
            [ins.FinancementInput("dcs", "1"), ins.FinancementInput("dcs", "2")],
            "plan de financement",
        ),
        ([ins.FinancementInput("dcs", "12 000,555")], "montant demandé à dcs"),
        ([ins.FinancementInput("inconnu", "5")], "plan de financement"),
    ]
    for plan, field in bad_plans:
        with pytest.raises((ValidationError, NotFound)) as err:
            await ins.create_dossier(
                world.pilote, YEAR, ins.DossierInput("Asso", "Titre", total_budget="0"), plan
            )
        assert err.value.field == field
    with pytest.raises(NotFound) as err:
        await ins.create_dossier(world.pilote, 2031, ins.DossierInput("Asso", "Titre"))
    assert err.value.field == "campagne"


async def test_who_may_create_and_edit(world) -> None:
    data = ins.DossierInput("Asso", "Titre", total_budget="100")
    for actor in (world.ddets, world.caf, world.lecteur, world.etranger):
        with pytest.raises(PermissionDenied, match="trinôme ou direction"):
            await ins.create_dossier(actor, YEAR, data, [ins.FinancementInput("dcs", "100")])
    ref = (await ins.create_dossier(world.directeur, YEAR, data)).ref
    with pytest.raises(PermissionDenied):
        await ins.transition(world.ddets, ref, await version_of(ref), "recevable")
    with pytest.raises(PermissionDenied):
        await ins.set_financement(world.caf, ref, "caf", "50", None)


async def test_edit_and_stale_versions(world) -> None:
    ref = await new_dossier(world)
    version = await version_of(ref)
    data = ins.DossierInput(
        "Association Les Pousses",
        "Jardin solidaire et pédagogique",
        total_budget="31000",
        action=world.action,
        qpvs=[],
    )
    new_version = await ins.edit_dossier(world.pilote, ref, version, data)
    assert new_version == version + 1
    with pytest.raises(StaleVersion, match="modifié entre-temps par nadia"):
        await ins.edit_dossier(world.pilote, ref, version, data)
    fields = await JournalEntry.filter(entity_ref=ref, operation="modification").values_list(
        "field", "old_value", "new_value"
    )
    assert ("titre", "Jardin solidaire", "Jardin solidaire et pédagogique") in fields
    assert ("budget total", "30000", "31000") in fields


async def test_financement_lines(world) -> None:
    ref = await new_dossier(world)
    line = await FinancementLine.get(dossier__ref=ref, financeur__code="pat")
    v2 = await ins.set_financement(world.pilote, ref, "pat", "9000", line.version)
    with pytest.raises(StaleVersion):
        await ins.set_financement(world.pilote, ref, "pat", "9500", line.version)
    await ins.set_financement(world.pilote, ref, "ddets", "5000", None)
    with pytest.raises(ValidationError, match="figure déjà"):
        await ins.set_financement(world.pilote, ref, "ddets", "5000", None)
    with pytest.raises(ValidationError) as err:  # 12 000 + 9 000 + 20 000 > 30 000
        await ins.set_financement(world.pilote, ref, "pat", "20000", v2)
    assert err.value.field == "budget total"
    assert (await ins.dossier_by_ref(ref)).amount_asked == Decimal("26000.00")
    ddets = await FinancementLine.get(dossier__ref=ref, financeur__code="ddets")
    await ins.remove_financement(world.pilote, ref, "ddets", ddets.version)
    assert (await ins.dossier_by_ref(ref)).amount_asked == Decimal("21000.00")
    journal = await JournalEntry.filter(entity_ref=ref, entity="financement").values_list(
        "operation", "field"
    )
    assert ("modification", "demandé pat") in journal and (
        "suppression",
        "demandé ddets",
    ) in journal


async def test_plan_frozen_after_decision(sqlite_world) -> None:
    w = sqlite_world
    ref = await new_dossier(w)
    await ins.declare_recevable(w.pilote, ref, await version_of(ref))
    await ins.start_instruction(w.pilote, ref, await version_of(ref))
    for actor in (w.pilote, w.pat, w.ddets):
        await ins.give_avis(actor, ref, "favorable")
    await ins.decide(w.pilote, ref, await version_of(ref), "accorde")
    with pytest.raises(ValidationError, match="révisez la décision"):
        await ins.set_financement(w.pilote, ref, "ddets", "1", None)


async def test_instructors_adjustable(sqlite_world) -> None:
    ref = await new_dossier(sqlite_world, instructors=["pat", "ddets"])
    codes = await DossierInstructor.filter(dossier__ref=ref).values_list("service__code", flat=True)
    assert sorted(codes) == ["ddets", "pat"]


async def test_list_filters(world) -> None:
    first = await new_dossier(world)
    second = await new_dossier(world, title="Autre", action=None, axe=None)
    await ins.declare_recevable(world.pilote, second, await version_of(second))
    assert [r.ref for r in await ins.list_dossiers(campagne=YEAR)] == [first, second]
    assert [r.ref for r in await ins.list_dossiers(state="recevable")] == [second]
    assert [r.ref for r in await ins.list_dossiers(axe=world.axe)] == [first]
    assert [r.ref for r in await ins.list_dossiers(roadmap=SLUG)] == [first, second]
    with pytest.raises(ValidationError) as err:
        await ins.list_dossiers(state="fini")
    assert err.value.field == "état"
    with pytest.raises(NotFound):
        await ins.list_dossiers(service="nope")
