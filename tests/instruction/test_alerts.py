"""Instruction alerts: pure rules, then through roadmap check."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from roadmap.domain.enums import DossierState as S
from roadmap.domain.enums import ServiceKind as K
from roadmap.domain.instruction import DossierFacts, FinancementFact, dossier_alerts
from roadmap.models import Engagement, FinancementLine, Service
from roadmap.usecases import instruction as ins
from roadmap.usecases.check import Level, check_roadmap

from .conftest import SLUG, new_dossier, to_instruction, version_of

TODAY = date(2026, 5, 10)


def facts(**kw: object) -> DossierFacts:
    base: dict[str, object] = dict(
        ref="AAP2026-001",
        title="Jardin",
        roadmap=SLUG,
        state=S.EN_INSTRUCTION,
        avis_deadline=date(2026, 6, 1),
        campagne_closes_on=date(2026, 6, 30),
        financements=(
            FinancementFact("dcs", K.POLITIQUE_DE_LA_VILLE, Decimal(100), None),
            FinancementFact("pat", K.DROIT_COMMUN, Decimal(50), None),
        ),
        missing_avis=("ddets",),
        dc_engagements=0,
    )
    return DossierFacts(**(base | kw))  # type: ignore[arg-type]


def codes(f: DossierFacts, today: date = TODAY) -> list[str]:
    return [a.code for a in dossier_alerts(f, today)]


def test_quiet_dossier() -> None:
    assert codes(facts()) == []


def test_specific_credits_only() -> None:
    pv_only = (FinancementFact("dcs", K.POLITIQUE_DE_LA_VILLE, Decimal(100), None),)
    assert codes(facts(financements=pv_only)) == ["credits-specifiques-seuls"]
    assert codes(facts(financements=pv_only, dc_engagements=1)) == []
    state_funded = (*pv_only, FinancementFact("ddets", K.ETAT, Decimal(10), None))
    assert codes(facts(financements=state_funded)) == ["credits-specifiques-seuls"]
    refused = (FinancementFact("dcs", K.POLITIQUE_DE_LA_VILLE, Decimal(100), Decimal(0)),)
    assert codes(facts(financements=refused, state=S.NOTIFIE)) == []


def test_late_avis() -> None:
    assert codes(facts(avis_deadline=date(2026, 5, 1))) == ["avis-en-retard"]
    assert codes(facts(avis_deadline=date(2026, 5, 1), missing_avis=())) == []
    assert codes(facts(avis_deadline=date(2026, 5, 10))) == []  # the deadline day itself


def test_undecided_after_closing() -> None:
    after = date(2026, 7, 1)
    assert codes(facts(missing_avis=()), after) == ["non-decide-apres-cloture"]
    assert codes(facts(state=S.DECIDE, missing_avis=()), after) == []
    assert codes(facts(state=S.IRRECEVABLE), after) == []


def test_granted_above_asked() -> None:
    over = (
        FinancementFact("dcs", K.POLITIQUE_DE_LA_VILLE, Decimal(100), Decimal(120)),
        FinancementFact("pat", K.DROIT_COMMUN, Decimal(50), Decimal(50)),
    )
    alerts = dossier_alerts(facts(financements=over, state=S.DECIDE), TODAY)
    assert [(a.level.value, a.code) for a in alerts] == [("erreur", "accorde-superieur-demande")]
    assert "170\u202f€ accordés pour 150\u202f€ demandés" in alerts[0].message


async def test_alerts_in_roadmap_check(world) -> None:
    w = world
    ref = await new_dossier(w, avis_deadline="2026-03-01")
    await to_instruction(w, ref)
    pat_line = await FinancementLine.get(dossier__ref=ref, financeur__code="pat")
    await ins.remove_financement(w.pilote, ref, "pat", pat_line.version)
    alerts = await ins.instruction_alerts(SLUG, today=date(2026, 7, 15))
    assert sorted(a.code for a in alerts) == [
        "avis-en-retard",
        "credits-specifiques-seuls",
        "non-decide-apres-cloture",
    ]
    assert all(a.ref == ref and a.roadmap == SLUG for a in alerts)
    checked = await check_roadmap(SLUG, today=date(2026, 7, 15))
    assert {a.code for a in alerts} <= {a.code for a in checked}
    # a droit commun engagement on the linked action answers the first alert
    pat = await Service.get(code="pat")
    action = (await ins.dossier_by_ref(ref)).action_id
    await Engagement.create(action_id=action, service=pat, kind="budget", amount=Decimal(5000))
    codes_now = [a.code for a in await ins.instruction_alerts(SLUG, today=date(2026, 7, 15))]
    assert "credits-specifiques-seuls" not in codes_now
    # over-granting is an error-level alert once confirmed
    for actor in (w.pilote, w.pat, w.ddets):
        await ins.give_avis(actor, ref, "favorable")
    await ins.decide(
        w.pilote,
        ref,
        await version_of(ref),
        "accorde",
        "",
        {"dcs": "13000"},
        confirm_over_asked=True,
    )
    alerts = await ins.instruction_alerts(None, today=date(2026, 7, 15))
    assert [(a.level, a.code) for a in alerts] == [(Level.ERREUR, "accorde-superieur-demande")]
    rows = await ins.list_dossiers(late=True, today=date(2026, 7, 15))
    assert rows == []
