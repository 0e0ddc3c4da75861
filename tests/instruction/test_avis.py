"""Avis: only from an instructing service's member with a role; history; automatic states."""

from __future__ import annotations

import pytest

from roadmap.domain.errors import PermissionDenied, ValidationError
from roadmap.models import Avis, JournalEntry
from roadmap.usecases import instruction as ins
from roadmap.usecases.identity import Actor

from .conftest import new_dossier, to_instruction, version_of


async def test_only_members_of_instructing_services(world) -> None:
    ref = await new_dossier(world)
    await to_instruction(world, ref)
    # CAF member with a cercle élargi seat: CAF does not instruct this dossier
    with pytest.raises(PermissionDenied, match=r"services instructeurs \(dcs, ddets, pat\)"):
        await ins.give_avis(world.caf, ref, "favorable")
    # DDETS people: a lecteur, and someone with no role on the roadmap
    with pytest.raises(PermissionDenied, match="lecteur"):
        await ins.give_avis(world.lecteur, ref, "favorable")
    with pytest.raises(PermissionDenied, match="pas membre"):
        await ins.give_avis(world.etranger, ref, "favorable")
    with pytest.raises(PermissionDenied):
        await ins.give_avis(Actor(login="inconnu"), ref, "favorable")
    assert not await Avis.filter(dossier__ref=ref).exists()
    # the cercle élargi member of DDETS may
    await ins.give_avis(world.ddets, ref, "favorable")
    avis = await Avis.get(dossier__ref=ref).prefetch_related("service")
    assert avis.service.code == "ddets" and avis.current


async def test_avis_needs_instruction_state(sqlite_world) -> None:
    ref = await new_dossier(sqlite_world)
    with pytest.raises(ValidationError, match="pendant l'instruction") as err:
        await ins.give_avis(sqlite_world.pilote, ref, "favorable")
    assert err.value.field == "état"


async def test_reserved_avis_must_be_explained(sqlite_world) -> None:
    ref = await new_dossier(sqlite_world)
    await to_instruction(sqlite_world, ref)
    with pytest.raises(ValidationError) as err:
        await ins.give_avis(sqlite_world.ddets, ref, "defavorable", "")
    assert err.value.field == "commentaire"
    with pytest.raises(ValidationError) as err:
        await ins.give_avis(sqlite_world.ddets, ref, "peut-etre", "")
    assert err.value.field == "avis"


async def test_changing_avis_keeps_history(world) -> None:
    ref = await new_dossier(world)
    await to_instruction(world, ref)
    await ins.give_avis(world.ddets, ref, "reserve", "Budget à préciser")
    await ins.give_avis(world.ddets, ref, "favorable", "Budget précisé")
    rows = await Avis.filter(dossier__ref=ref).order_by("id").values_list("value", "current")
    assert rows == [("reserve", False), ("favorable", True)]
    detail = await ins.dossier_detail(ref)
    column = next(c for c in detail.avis if c.service == "ddets")
    assert column.current and column.current.value == "favorable"
    assert [h.value for h in column.history] == ["reserve"]
    assert column.current.person == "Sophie Martel"
    journal = await JournalEntry.filter(entity_ref=ref, entity="avis").order_by("id")
    assert [(e.operation, e.old_value, e.new_value) for e in journal] == [
        ("avis", "", "reserve"),
        ("changement d'avis", "reserve", "favorable"),
    ]


async def test_avis_rendus_is_automatic_and_reversible(world) -> None:
    w = world
    ref = await new_dossier(w)
    await to_instruction(w, ref)
    await ins.give_avis(w.pilote, ref, "favorable")
    await ins.give_avis(w.pat, ref, "favorable")
    rows = await ins.list_dossiers(service="ddets")
    assert [r.ref for r in rows] == [ref]  # ddets still owes its avis
    assert (await ins.dossier_by_ref(ref)).state == "en_instruction"
    await ins.give_avis(w.ddets, ref, "favorable")
    assert (await ins.dossier_by_ref(ref)).state == "avis_rendus"
    assert await ins.list_dossiers(service="ddets") == []
    entry = await JournalEntry.filter(entity_ref=ref, new_value="avis_rendus").first()
    assert entry is not None and "automatique" in entry.reason
    # changing one's avis in avis_rendus keeps the state
    await ins.give_avis(w.ddets, ref, "reserve", "Finalement, une réserve")
    assert (await ins.dossier_by_ref(ref)).state == "avis_rendus"
    # a new instructing service sends the dossier back to instruction
    detail = await ins.dossier_detail(ref)
    await ins.edit_dossier(
        w.pilote,
        ref,
        detail.row.version,
        ins.DossierInput(
            porteur=detail.row.porteur,
            title=detail.row.title,
            total_budget=detail.total_budget,
            action=detail.row.action,
            instructors=["dcs", "pat", "ddets", "caf"],
        ),
    )
    assert (await ins.dossier_by_ref(ref)).state == "en_instruction"
    await ins.give_avis(w.caf, ref, "favorable")
    assert (await ins.dossier_by_ref(ref)).state == "avis_rendus"


async def test_no_avis_after_decision(sqlite_world) -> None:
    w = sqlite_world
    ref = await new_dossier(w)
    await to_instruction(w, ref)
    for actor in (w.pilote, w.pat, w.ddets):
        await ins.give_avis(actor, ref, "favorable")
    await ins.decide(w.pilote, ref, await version_of(ref), "accorde")
    with pytest.raises(ValidationError, match="Décidé"):
        await ins.give_avis(w.ddets, ref, "reserve", "trop tard")


async def test_rights_on(sqlite_world) -> None:
    w = sqlite_world
    ref = await new_dossier(w)
    r = await ins.rights_on(w.ddets, ref)
    assert (r.edit, r.give_avis, r.read_notes, r.service) == (False, True, True, "ddets")
    r = await ins.rights_on(w.caf, ref)
    assert (r.edit, r.give_avis, r.read_notes) == (False, False, False)
    r = await ins.rights_on(w.pilote, ref)
    assert (r.edit, r.give_avis, r.read_notes) == (True, True, True)
    r = await ins.rights_on(w.lecteur, ref)
    assert (r.edit, r.give_avis, r.read_notes) == (False, False, True)
