"""One re-routing preview for actions and jalons: what moves, by how much, the horizon.

The Jalons and Actions screens and the action form all show this text before a move is
confirmed; it renders ``MarginView.reroute``, the same computation the use case runs when
the move is saved, so the figures shown are the dates stored.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text

from roadmap.tui.format import date_fr
from roadmap.tui.screens.declared_form import FormField, Values
from roadmap.usecases.itinerary import RerouteOutcome
from roadmap.usecases.queries_team import MarginView, SlipSummary

SHIFT, KEEP = "decaler", "garder"


def slip_text(days: int) -> str:
    if not days:
        return ""
    return f"+{days} j" if days > 0 else f"{days} j"


def shift_field() -> FormField:
    return FormField(
        "dependents",
        "Éléments qui en dépendent",
        "select",
        value=SHIFT,
        options=[
            ("Les décaler aussi (aucune dépendance contredite)", SHIFT),
            ("Garder leurs dates (le conflit reste en alerte)", KEEP),
        ],
        aliases=("dépendants",),
    )


def wants_shift(values: Values) -> bool:
    return values.get("dependents", SHIFT) != KEEP


def impact_text(
    margins: MarginView | None,
    kind: str,
    ref: str,
    old_end: date | None,
    new_start: date | None,
    new_end: date | None,
    *,
    shift_dependents: bool,
) -> Text:
    """The preview: shift of the item, what it pushes (and why), conflicts, horizon."""
    days = (new_end - old_end).days if new_end and old_end else 0
    text = Text(f"Décalage : {slip_text(days) or '0 j'}")
    if margins is None or not margins.available:
        text.append(" · marges et impact : la revue direction n'est pas encore disponible.")
        return text
    margin = margins.by_ref.get(ref)
    if ref in margins.late:
        text.append(f" · en retard de {margins.late[ref]} j")
    elif margin is not None:
        text.append(f" · marge actuelle {margin} j")
    summary = margins.reroute(kind, ref, new_start, new_end, shift_dependents=shift_dependents)
    if summary is None:
        return text
    return describe(text, ref, summary)


def describe(text: Text, ref: str, summary: SlipSummary) -> Text:
    """What moves (with what pushes it when not ``ref`` itself), conflicts, horizon."""
    if summary.pushed:
        parts = [
            f"{other} ({slip_text(d)}{'' if cause == ref else ', par ' + cause})"
            for (other, d), cause in zip(summary.pushed, summary.causes, strict=False)
        ][:8]
        more = len(summary.pushed) - len(parts)
        text.append("\nFait bouger : " + ", ".join(parts) + (f" et {more} autres" if more else ""))
    elif summary.shifted:
        text.append("\nNe fait bouger aucun autre élément.")
    for conflict in summary.conflicts[:4]:
        text.append(f"\n⚠ {conflict}", style="bold")
    if len(summary.conflicts) > 4:
        text.append(f"\n⚠ et {len(summary.conflicts) - 4} autres dépendances contredites")
    if summary.horizon:
        after, horizon = date_fr(summary.finish_after), date_fr(summary.horizon)
        if summary.horizon_missed and summary.was_missed:
            text.append(
                f"\n⚠ L'horizon du {horizon} était déjà dépassé (fin projetée le "
                f"{date_fr(summary.finish_before)}) ; après ce décalage : {after}."
            )
        elif summary.horizon_missed:
            text.append(
                f"\n⚠ Ce décalage fait manquer le point d'arrivée : fin projetée le {after}, "
                f"horizon le {horizon}.",
                style="bold",
            )
        else:
            text.append(f"\nL'horizon du {horizon} tient (fin projetée le {after}).")
    return text


def outcome_message(ref: str, outcome: RerouteOutcome) -> tuple[str, str]:
    """(message, severity) to notify once a move is saved."""
    lines = [f"{ref} enregistré"]
    if outcome.shifted:
        moved = ", ".join(f"{s.ref} ({slip_text(s.days)})" for s in outcome.shifted[:6])
        more = len(outcome.shifted) - 6
        lines.append(f"décalés aussi : {moved}" + (f" et {more} autres" if more > 0 else ""))
    lines += [f"⚠ {w}" for w in outcome.warnings[:3]]
    return "\n".join(lines), "warning" if outcome.warnings else "information"
