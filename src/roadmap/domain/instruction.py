"""Pure rules of the instruction conjointe: dossier states, decisions, alerts. No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from roadmap.domain.enums import AvisValue, DecisionOutcome, DossierState, ServiceKind
from roadmap.domain.errors import ValidationError
from roadmap.domain.validation import no_control
from roadmap.formatting import agree, date_short

S = DossierState

# The whole workflow. ``avis_rendus`` is reached automatically, ``decide`` through a decision.
TRANSITIONS: dict[DossierState, frozenset[DossierState]] = {
    S.DEPOSE: frozenset({S.RECEVABLE, S.IRRECEVABLE}),
    S.RECEVABLE: frozenset({S.EN_INSTRUCTION}),
    S.IRRECEVABLE: frozenset(),
    S.EN_INSTRUCTION: frozenset({S.AVIS_RENDUS}),
    S.AVIS_RENDUS: frozenset({S.DECIDE}),
    S.DECIDE: frozenset({S.NOTIFIE}),
    S.NOTIFIE: frozenset({S.BILAN_RECU}),
    S.BILAN_RECU: frozenset(),
}

# Order used by tables and boards.
STATE_ORDER: tuple[DossierState, ...] = (
    S.DEPOSE,
    S.RECEVABLE,
    S.IRRECEVABLE,
    S.EN_INSTRUCTION,
    S.AVIS_RENDUS,
    S.DECIDE,
    S.NOTIFIE,
    S.BILAN_RECU,
)

# States in which the plan, the instructors and the texts of a dossier can still change.
EDITABLE_STATES = frozenset({S.DEPOSE, S.RECEVABLE, S.EN_INSTRUCTION, S.AVIS_RENDUS})
# States in which services give or change their avis.
AVIS_STATES = frozenset({S.EN_INSTRUCTION, S.AVIS_RENDUS})
# States still waiting for a decision (late once the campaign is closed).
UNDECIDED_STATES = frozenset({S.DEPOSE, S.RECEVABLE, S.EN_INSTRUCTION, S.AVIS_RENDUS})
# A decision can be revised until the bilan is in; a notified one must be notified again.
REVISABLE_STATES = frozenset({S.DECIDE, S.NOTIFIE})

MOTIVATION_REQUIRED = frozenset(
    {
        DecisionOutcome.REFUSE,
        DecisionOutcome.ACCORDE_PARTIELLEMENT,
        DecisionOutcome.AJOURNE,
    }
)
GRANTING_OUTCOMES = frozenset({DecisionOutcome.ACCORDE, DecisionOutcome.ACCORDE_PARTIELLEMENT})
MIN_MOTIVATION = 10  # characters: a reason the porteur can understand, not "non"
ZERO = Decimal("0.00")


REVISE_HINT = (
    "révisez la décision : l'ancienne reste dans l'historique, un motif de révision est "
    "demandé (écran Instruction, touche d ; ou roadmap dossier decide --revision MOTIF)"
)


def avis_refusal(state: DossierState) -> str:
    """Why no avis can be given in this state, with the next possible step ("" if it can)."""
    if state in AVIS_STATES:
        return ""
    steps = {
        S.DEPOSE: "faites-le d'abord avancer en « Recevable » puis « En instruction »",
        S.RECEVABLE: "faites-le d'abord passer « En instruction »",
        S.IRRECEVABLE: "un dossier irrecevable n'est pas instruit",
    }
    step = steps.get(state, f"la décision est prise ; pour la changer, {REVISE_HINT}")
    return f"les avis se donnent pendant l'instruction (état actuel : « {state.label} ») : {step}"


def decision_refusal(state: DossierState) -> str:
    """A first decision asked on a dossier already decided points to the revision."""
    if state in REVISABLE_STATES:
        return f"ce dossier est déjà décidé (« {state.label} ») : {REVISE_HINT}"
    return ""


def _labels(states: Iterable[DossierState]) -> str:
    ordered = [s for s in STATE_ORDER if s in set(states)]
    return ", ".join(f"« {s.label} »" for s in ordered)


def allowed_next(state: DossierState) -> list[DossierState]:
    return [s for s in STATE_ORDER if s in TRANSITIONS[state]]


def check_transition(current: DossierState, target: DossierState, reason: str = "") -> str:
    """Refuse a move outside the workflow, naming the allowed next states; return the reason.

    This is the graph check only; ``check_manual_transition`` adds what a user may request.
    """
    if target not in TRANSITIONS[current]:
        nexts = allowed_next(current)
        options = (
            f"états suivants possibles : {_labels(nexts)}"
            if nexts
            else "c'est un état final, aucun passage possible"
        )
        raise ValidationError(
            f"passage de « {current.label} » à « {target.label} » impossible ; {options}",
            field="état",
        )
    cleaned = no_control((reason or "").strip(), "motif", multiline=True)
    if target is S.IRRECEVABLE and len(cleaned) < 3:
        raise ValidationError(
            "un motif est obligatoire pour déclarer un dossier irrecevable", field="motif"
        )
    return cleaned


def check_manual_transition(current: DossierState, target: DossierState, reason: str = "") -> str:
    """A transition asked by a user: the graph, plus the two moves that are not manual."""
    cleaned = check_transition(current, target, reason)
    if target is S.AVIS_RENDUS:
        raise ValidationError(
            "« Avis rendus » est automatique : le dossier y passe quand chaque service "
            "instructeur a donné son avis",
            field="état",
        )
    if target is S.DECIDE:
        raise ValidationError(
            "un dossier passe à « Décidé » en enregistrant une décision (issue et motivation)",
            field="état",
        )
    return cleaned


def avis_state(state: DossierState, instructors: set[int], with_avis: set[int]) -> DossierState:
    """The state implied by the avis: ``avis_rendus`` once every instructor has one, and back."""
    complete = bool(instructors) and instructors <= with_avis
    if state is S.EN_INSTRUCTION and complete:
        return S.AVIS_RENDUS
    if state is S.AVIS_RENDUS and not complete:
        return S.EN_INSTRUCTION
    return state


def check_avis(value: AvisValue, comment: str) -> str:
    cleaned = no_control((comment or "").strip(), "commentaire", multiline=True)
    if value is not AvisValue.FAVORABLE and len(cleaned) < 3:
        raise ValidationError(
            f"un avis « {value.label.lower()} » doit être expliqué", field="commentaire"
        )
    if len(cleaned) > 4000:
        raise ValidationError("trop long (4000 caractères au plus)", field="commentaire")
    return cleaned


def check_decision(
    outcome: DecisionOutcome,
    motivation: str,
    asked: Mapping[str, Decimal],
    granted: Mapping[str, Decimal] | None,
    *,
    confirm_over_asked: bool = False,
) -> dict[str, Decimal | None]:
    """Validate a decision and return the granted amount of every financeur of the plan.

    - motivation mandatory for refuse, accorde_partiellement, ajourne;
    - refuse grants 0 everywhere, ajourne grants nothing yet (None);
    - accorde without amounts grants what was asked; accorde must grant everything asked,
      a reduction is an accorde_partiellement (so it carries a motivation);
    - granted above asked for a financeur only with ``confirm_over_asked``.
    """
    text = no_control((motivation or "").strip(), "motivation", multiline=True)
    if outcome in MOTIVATION_REQUIRED and len(text) < MIN_MOTIVATION:
        raise ValidationError(
            f"une décision « {outcome.label.lower()} » doit être motivée "
            f"({MIN_MOTIVATION} caractères au moins) : le porteur doit comprendre pourquoi",
            field="motivation",
        )
    granted = dict(granted or {})
    unknown = sorted(set(granted) - set(asked))
    if unknown:
        raise ValidationError(
            agree(len(unknown), "financeur absent", "financeurs absents")
            + f" du plan de financement : {', '.join(unknown)}",
            field="montants accordés",
        )
    if outcome is DecisionOutcome.AJOURNE:
        if any(a and a > 0 for a in granted.values()):
            raise ValidationError(
                "un dossier ajourné ne reçoit pas encore de montant", field="montants accordés"
            )
        return dict.fromkeys(asked)
    if outcome is DecisionOutcome.REFUSE:
        if any(a and a > 0 for a in granted.values()):
            raise ValidationError("un refus n'accorde aucun montant", field="montants accordés")
        return dict.fromkeys(asked, ZERO)
    if not asked:
        raise ValidationError(
            "le plan de financement est vide : rien à accorder", field="plan de financement"
        )
    result: dict[str, Decimal | None] = {}
    for code, demand in asked.items():
        amount = granted.get(code, demand if outcome is DecisionOutcome.ACCORDE else ZERO)
        if amount > demand and not confirm_over_asked:
            raise ValidationError(
                f"{code} : {fmt_amount(amount)} accordés pour {fmt_amount(demand)} demandés ; "
                "confirmez le dépassement pour l'enregistrer",
                field="montants accordés",
            )
        result[code] = amount
    total_granted = sum((a or ZERO for a in result.values()), ZERO)
    total_asked = sum(asked.values(), ZERO)
    if total_granted <= 0:
        raise ValidationError(
            "aucun montant accordé : choisissez « refusé » ou « ajourné »",
            field="montants accordés",
        )
    reduced = any((result[c] or ZERO) < asked[c] for c in asked)
    if outcome is DecisionOutcome.ACCORDE and reduced:
        raise ValidationError(
            "un montant accordé est inférieur à la demande : c'est un accord partiel, "
            "choisissez « accordé partiellement » et motivez la réduction",
            field="issue",
        )
    if outcome is DecisionOutcome.ACCORDE_PARTIELLEMENT and not reduced:
        raise ValidationError(
            f"tout est accordé ({fmt_amount(total_granted)} pour {fmt_amount(total_asked)}) : "
            "choisissez « accordé »",
            field="issue",
        )
    return result


def check_bilan(outcome: DecisionOutcome | None) -> None:
    if outcome not in GRANTING_OUTCOMES:
        label = outcome.label.lower() if outcome else "sans décision"
        raise ValidationError(
            f"un bilan n'est attendu que d'un dossier financé (décision : {label})",
            field="état",
        )


def fmt_amount(value: Decimal | None) -> str:
    """French money: 12 500,50 € (see ``roadmap.formatting.amount``)."""
    from roadmap.formatting import amount

    return amount(value)


def fmt_budget(value: Decimal | None) -> str:
    """A dossier's total budget; 0 means nobody gave it (e.g. an import without the column)."""
    return fmt_amount(value) if value else "non renseigné"


# --- alerts --------------------------------------------------------------------------------


class AlertLevel(StrEnum):
    ERREUR = "erreur"
    AVERTISSEMENT = "avertissement"


@dataclass(frozen=True)
class FinancementFact:
    financeur: str
    kind: ServiceKind
    asked: Decimal
    granted: Decimal | None


@dataclass(frozen=True)
class DossierFacts:
    """What the alert rules need to know about one dossier."""

    ref: str
    title: str
    roadmap: str
    state: DossierState
    avis_deadline: date | None
    campagne_closes_on: date
    financements: tuple[FinancementFact, ...]
    missing_avis: tuple[str, ...]  # service codes without a current avis
    dc_engagements: int  # droit commun engagements on the linked action


@dataclass(frozen=True)
class InstructionAlert:
    level: AlertLevel
    code: str
    ref: str
    roadmap: str
    message: str


def dossier_alerts(facts: DossierFacts, today: date) -> list[InstructionAlert]:
    alerts: list[InstructionAlert] = []

    def add(level: AlertLevel, code: str, message: str) -> None:
        alerts.append(InstructionAlert(level, code, facts.ref, facts.roadmap, message))

    # a refused line (granted 0) no longer counts as funding
    pv_asked = any(
        f.kind is ServiceKind.POLITIQUE_DE_LA_VILLE and f.asked > 0 and f.granted != 0
        for f in facts.financements
    )
    has_dc = any(f.kind is ServiceKind.DROIT_COMMUN and f.asked > 0 for f in facts.financements)
    if (
        pv_asked
        and not has_dc
        and not facts.dc_engagements
        and facts.state not in (S.IRRECEVABLE, S.BILAN_RECU)
    ):
        add(
            AlertLevel.AVERTISSEMENT,
            "credits-specifiques-seuls",
            f"« {facts.title} » est financé par des crédits politique de la ville "
            "sans financeur de droit commun ni engagement sur son action (les crédits "
            "spécifiques viennent en plus du droit commun)",
        )
    if (
        facts.state in AVIS_STATES
        and facts.missing_avis
        and facts.avis_deadline
        and facts.avis_deadline < today
    ):
        add(
            AlertLevel.AVERTISSEMENT,
            "avis-en-retard",
            f"avis {agree(len(facts.missing_avis), 'manquant')} de "
            f"{', '.join(facts.missing_avis)} "
            f"(date limite {date_short(facts.avis_deadline)} dépassée)",
        )
    if facts.state in UNDECIDED_STATES and facts.campagne_closes_on < today:
        add(
            AlertLevel.AVERTISSEMENT,
            "non-decide-apres-cloture",
            f"toujours sans décision (« {facts.state.label} ») alors que la campagne est close "
            f"depuis le {date_short(facts.campagne_closes_on)}",
        )
    asked_total = sum((f.asked for f in facts.financements), ZERO)
    granted_total = sum((f.granted or ZERO for f in facts.financements), ZERO)
    if granted_total > asked_total:
        add(
            AlertLevel.ERREUR,
            "accorde-superieur-demande",
            f"{fmt_amount(granted_total)} accordés pour {fmt_amount(asked_total)} demandés",
        )
    return alerts


def is_late(facts: DossierFacts, today: date) -> bool:
    """Late for the board: avis past their deadline, or undecided after the closing."""
    return any(
        a.code in ("avis-en-retard", "non-decide-apres-cloture")
        for a in dossier_alerts(facts, today)
    )
