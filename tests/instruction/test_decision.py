"""Decisions: motivation, amounts granted per financeur, revision with a reason."""

from __future__ import annotations

from decimal import Decimal

import pytest

from roadmap.domain.enums import DecisionOutcome as O
from roadmap.domain.errors import PermissionDenied, StaleVersion, ValidationError
from roadmap.domain.instruction import check_decision
from roadmap.models import Decision, FinancementLine, JournalEntry
from roadmap.usecases import instruction as ins

from .conftest import all_avis, new_dossier, to_instruction, version_of

ASKED = {"dcs": Decimal("12000"), "pat": Decimal("8000.50")}
GOOD = "Le budget de fonctionnement est réduit faute de cofinancement."


@pytest.mark.parametrize("outcome", [O.REFUSE, O.ACCORDE_PARTIELLEMENT, O.AJOURNE])
@pytest.mark.parametrize("motivation", ["", "   ", "non"])
def test_motivation_required(outcome: O, motivation: str) -> None:
    with pytest.raises(ValidationError) as err:
        check_decision(outcome, motivation, ASKED, {"dcs": Decimal(1)})
    assert err.value.field == "motivation"


def test_accorde_needs_no_motivation_and_grants_what_was_asked() -> None:
    assert check_decision(O.ACCORDE, "", ASKED, None) == ASKED


def test_refuse_and_ajourne_amounts() -> None:
    assert check_decision(O.REFUSE, GOOD, ASKED, None) == {"dcs": 0, "pat": 0}
    assert check_decision(O.AJOURNE, GOOD, ASKED, None) == {"dcs": None, "pat": None}
    with pytest.raises(ValidationError, match="aucun montant"):
        check_decision(O.REFUSE, GOOD, ASKED, {"dcs": Decimal(5)})


def test_partial_and_full() -> None:
    result = check_decision(O.ACCORDE_PARTIELLEMENT, GOOD, ASKED, {"dcs": Decimal(9000)})
    assert result == {"dcs": Decimal(9000), "pat": Decimal(0)}
    with pytest.raises(ValidationError, match="accordé partiellement") as err:
        check_decision(O.ACCORDE, "", ASKED, {"dcs": Decimal(9000)})
    assert err.value.field == "issue"
    with pytest.raises(ValidationError, match="choisissez « accordé »"):
        check_decision(O.ACCORDE_PARTIELLEMENT, GOOD, ASKED, dict(ASKED))
    with pytest.raises(ValidationError, match="aucun montant accordé"):
        check_decision(O.ACCORDE_PARTIELLEMENT, GOOD, ASKED, {"dcs": Decimal(0)})


def test_granted_above_asked_needs_confirmation() -> None:
    over = {"dcs": Decimal(13000), "pat": Decimal("8000.50")}
    with pytest.raises(ValidationError, match="confirmez le dépassement") as err:
        check_decision(O.ACCORDE, "", ASKED, over)
    assert "dcs" in err.value.message and err.value.field == "montants accordés"
    assert check_decision(O.ACCORDE, "", ASKED, over, confirm_over_asked=True) == over


def test_unknown_financeur() -> None:
    with pytest.raises(ValidationError, match="caf"):
        check_decision(O.ACCORDE, "", ASKED, {"caf": Decimal(1)})


async def _ready(w) -> str:
    ref = await new_dossier(w)
    await to_instruction(w, ref)
    await all_avis(w, ref)
    return ref


async def test_decide_writes_amounts_and_journal(world) -> None:
    ref = await _ready(world)
    await ins.decide(
        world.pilote, ref, await version_of(ref), "accorde_partiellement", GOOD, {"dcs": "9 000"}
    )
    detail = await ins.dossier_detail(ref)
    assert {p.financeur: p.granted for p in detail.plan} == {
        "dcs": Decimal("9000.00"),
        "pat": Decimal("0.00"),
    }
    assert detail.row.granted == Decimal("9000.00")
    assert detail.current_decision and detail.current_decision.motivation == GOOD
    entry = await JournalEntry.get(entity_ref=ref, entity="décision")
    assert entry.new_value == "accorde_partiellement" and entry.reason == GOOD


async def test_refusal_without_motivation_writes_nothing(world) -> None:
    ref = await _ready(world)
    version = await version_of(ref)
    with pytest.raises(ValidationError):
        await ins.decide(world.pilote, ref, version, "refuse", "")
    assert (await ins.dossier_by_ref(ref)).state == "avis_rendus"
    assert not await Decision.filter(dossier__ref=ref).exists()


async def test_decide_permissions_and_stale_version(world) -> None:
    ref = await _ready(world)
    version = await version_of(ref)
    with pytest.raises(PermissionDenied, match="trinôme ou direction"):
        await ins.decide(world.ddets, ref, version, "accorde")
    with pytest.raises(StaleVersion):
        await ins.decide(world.pilote, ref, version - 1, "accorde")
    await ins.decide(world.directeur, ref, version, "accorde")


async def test_revision_needs_reason_and_keeps_both(world) -> None:
    ref = await _ready(world)
    await ins.decide(world.pilote, ref, await version_of(ref), "accorde")
    await ins.notify(world.pilote, ref, await version_of(ref))
    with pytest.raises(ValidationError) as err:
        await ins.revise_decision(
            world.pilote, ref, await version_of(ref), "accorde_partiellement", GOOD, "", {}
        )
    assert err.value.field == "motif de la révision"
    await ins.revise_decision(
        world.pilote,
        ref,
        await version_of(ref),
        "accorde_partiellement",
        GOOD,
        "Arbitrage budgétaire du comité des financeurs",
        {"dcs": "10000", "pat": "8000,50"},
    )
    decisions = await Decision.filter(dossier__ref=ref).order_by("id")
    assert [(d.outcome, d.current) for d in decisions] == [
        ("accorde", False),
        ("accorde_partiellement", True),
    ]
    assert decisions[1].revision_reason == "Arbitrage budgétaire du comité des financeurs"
    detail = await ins.dossier_detail(ref)
    assert detail.row.state == "decide"  # to be notified again
    assert len(detail.decisions) == 2
    journal = await JournalEntry.filter(entity_ref=ref, entity="décision").order_by("id")
    assert [(e.operation, e.field, e.old_value, e.new_value) for e in journal] == [
        ("décision", "issue", "", "accorde"),
        ("révision", "issue", "accorde", "accorde_partiellement"),
        ("révision", "motivation", "", GOOD),
    ]
    line = await FinancementLine.get(dossier__ref=ref, financeur__code="dcs")
    assert line.granted == Decimal("10000.00")


async def test_revision_only_of_a_decision(sqlite_world) -> None:
    ref = await _ready(sqlite_world)
    with pytest.raises(ValidationError, match="seule une décision prise"):
        await ins.revise_decision(
            sqlite_world.pilote, ref, await version_of(ref), "accorde", "", "motif valable"
        )
