"""The dossier workflow: every allowed and forbidden transition, pure and through the use cases."""

from __future__ import annotations

import itertools

import pytest

from roadmap.domain.enums import DossierState as S
from roadmap.domain.errors import ValidationError
from roadmap.domain.instruction import (
    TRANSITIONS,
    allowed_next,
    avis_state,
    check_manual_transition,
    check_transition,
)
from roadmap.models import JournalEntry
from roadmap.usecases import instruction as ins

from .conftest import all_avis, new_dossier, to_instruction, version_of

ALLOWED = {
    (S.DEPOSE, S.RECEVABLE),
    (S.DEPOSE, S.IRRECEVABLE),
    (S.RECEVABLE, S.EN_INSTRUCTION),
    (S.EN_INSTRUCTION, S.AVIS_RENDUS),
    (S.AVIS_RENDUS, S.DECIDE),
    (S.DECIDE, S.NOTIFIE),
    (S.NOTIFIE, S.BILAN_RECU),
}
PAIRS = list(itertools.product(list(S), list(S)))


def test_graph_is_exactly_the_workflow() -> None:
    assert {(a, b) for a, nexts in TRANSITIONS.items() for b in nexts} == ALLOWED


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_pair(current: S, target: S) -> None:
    if (current, target) in ALLOWED:
        check_transition(current, target, "motif suffisant")
        return
    with pytest.raises(ValidationError) as err:
        check_transition(current, target, "motif suffisant")
    assert err.value.field == "état"
    message = err.value.message
    assert current.label in message and target.label in message
    nexts = allowed_next(current)
    if nexts:
        assert "états suivants possibles" in message
        for state in nexts:
            assert f"« {state.label} »" in message
    else:
        assert "état final" in message


def test_refusal_names_allowed_states_in_french() -> None:
    with pytest.raises(ValidationError) as err:
        check_transition(S.DEPOSE, S.NOTIFIE)
    assert str(err.value) == (
        "état : passage de « Déposé » à « Notifié » impossible ; "
        "états suivants possibles : « Recevable », « Irrecevable »"
    )


@pytest.mark.parametrize("reason", ["", "  ", "ab"])
def test_irrecevable_needs_a_reason(reason: str) -> None:
    with pytest.raises(ValidationError) as err:
        check_transition(S.DEPOSE, S.IRRECEVABLE, reason)
    assert err.value.field == "motif"


def test_automatic_and_decision_states_are_not_manual() -> None:
    with pytest.raises(ValidationError, match="automatique"):
        check_manual_transition(S.EN_INSTRUCTION, S.AVIS_RENDUS)
    with pytest.raises(ValidationError, match="décision"):
        check_manual_transition(S.AVIS_RENDUS, S.DECIDE)


def test_avis_state_rule() -> None:
    assert avis_state(S.EN_INSTRUCTION, {1, 2}, {1}) is S.EN_INSTRUCTION
    assert avis_state(S.EN_INSTRUCTION, {1, 2}, {1, 2, 3}) is S.AVIS_RENDUS
    assert avis_state(S.AVIS_RENDUS, {1, 2, 4}, {1, 2}) is S.EN_INSTRUCTION
    assert avis_state(S.EN_INSTRUCTION, set(), set()) is S.EN_INSTRUCTION
    assert avis_state(S.DECIDE, {1}, set()) is S.DECIDE


# --- through the use cases, on both backends ---------------------------------------------


async def test_whole_path_journaled(world) -> None:
    ref = await new_dossier(world)
    await to_instruction(world, ref)
    await all_avis(world, ref)
    assert (await ins.dossier_by_ref(ref)).state == S.AVIS_RENDUS
    await ins.decide(world.pilote, ref, await version_of(ref), "accorde")
    await ins.notify(world.pilote, ref, await version_of(ref))
    await ins.record_bilan(world.pilote, ref, await version_of(ref))
    assert (await ins.dossier_by_ref(ref)).state == S.BILAN_RECU
    moves = await JournalEntry.filter(entity_ref=ref, field="état").values_list(
        "old_value", "new_value"
    )
    assert moves == [
        ("depose", "recevable"),
        ("recevable", "en_instruction"),
        ("en_instruction", "avis_rendus"),
        ("avis_rendus", "decide"),
        ("decide", "notifie"),
        ("notifie", "bilan_recu"),
    ]


async def test_irrecevable_through_use_case(world) -> None:
    ref = await new_dossier(world)
    with pytest.raises(ValidationError) as err:
        await ins.declare_irrecevable(world.pilote, ref, await version_of(ref), "")
    assert err.value.field == "motif"
    await ins.declare_irrecevable(
        world.pilote, ref, await version_of(ref), "Association créée il y a moins d'un an"
    )
    dossier = await ins.dossier_by_ref(ref)
    assert dossier.state == S.IRRECEVABLE
    assert dossier.state_reason == "Association créée il y a moins d'un an"
    with pytest.raises(ValidationError, match="état final"):
        await ins.transition(world.pilote, ref, dossier.version, "recevable")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("en_instruction", "« Recevable », « Irrecevable »"),
        ("notifie", "« Recevable », « Irrecevable »"),
        ("bilan_recu", "« Recevable », « Irrecevable »"),
        ("avis_rendus", "« Recevable », « Irrecevable »"),
        ("decide", "« Recevable », « Irrecevable »"),
    ],
)
async def test_forbidden_from_depose_use_case(sqlite_world, target: str, expected: str) -> None:
    ref = await new_dossier(sqlite_world)
    version = await version_of(ref)
    with pytest.raises(ValidationError) as err:
        await ins.transition(sqlite_world.pilote, ref, version, target)
    assert expected in err.value.message
    assert (await ins.dossier_by_ref(ref)).version == version  # nothing written


async def test_manual_avis_rendus_refused(sqlite_world) -> None:
    w = sqlite_world
    ref = await new_dossier(w)
    await to_instruction(w, ref)
    with pytest.raises(ValidationError, match="automatique"):
        await ins.transition(w.pilote, ref, await version_of(ref), "avis_rendus")
    with pytest.raises(ValidationError, match="attend l'avis de : dcs, ddets, pat"):
        await ins.decide(w.pilote, ref, await version_of(ref), "accorde")


async def test_bilan_only_for_funded(sqlite_world) -> None:
    w = sqlite_world
    ref = await new_dossier(w)
    await to_instruction(w, ref)
    await all_avis(w, ref)
    await ins.decide(
        w.pilote, ref, await version_of(ref), "refuse", "Le projet ne concerne aucun QPV."
    )
    await ins.notify(w.pilote, ref, await version_of(ref))
    with pytest.raises(ValidationError, match="bilan"):
        await ins.record_bilan(w.pilote, ref, await version_of(ref))


async def test_instruction_needs_an_instructor(sqlite_world) -> None:
    w = sqlite_world
    ref = await new_dossier(w, instructors=[])
    await ins.declare_recevable(w.pilote, ref, await version_of(ref))
    with pytest.raises(ValidationError) as err:
        await ins.start_instruction(w.pilote, ref, await version_of(ref))
    assert err.value.field == "services instructeurs"
