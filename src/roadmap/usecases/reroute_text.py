"""The re-routing preview in French, one wording for every door.

The action and jalon forms (TUI), ``roadmap action dates`` and ``roadmap import`` show
the same lines, built from a ``SlipSummary`` (itself from ``graph.schedule.plan_move``):
what moves and by how much, what pushes it, the dependencies left contradicted, and
whether the horizon holds. Plain strings: the TUI adds its styles, the CLI prints them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from roadmap.formatting import date_short, plural

if TYPE_CHECKING:
    from roadmap.usecases.itinerary import RerouteOutcome
    from roadmap.usecases.queries_team import MarginView, SlipSummary

SHOWN_PUSHED = 8
SHOWN_CONFLICTS = 4


@dataclass(frozen=True)
class Line:
    text: str
    strong: bool = False  # a warning the reader must not miss


def slip_text(days: int) -> str:
    """``+30 j``, ``-7 j``; empty for no shift."""
    if not days:
        return ""
    return f"+{days} j" if days > 0 else f"{days} j"


def head_line(margins: MarginView | None, ref: str, days: int) -> str:
    """« Décalage : +30 j · marge actuelle 12 j » (or « en retard de N j »)."""
    text = f"Décalage : {slip_text(days) or '0 j'}"
    if margins is None or not margins.available:
        return text + " · marges et impact : la revue direction n'est pas encore disponible."
    margin = margins.by_ref.get(ref)
    if ref in margins.late:
        text += f" · en retard de {margins.late[ref]} j"
    elif margin is not None:
        text += f" · marge actuelle {margin} j"
    return text


def impact_lines(summary: SlipSummary, ref: str | None = None) -> list[Line]:
    """What moves (with what pushes it, unless ``ref`` itself), conflicts, horizon."""
    lines: list[Line] = []
    if summary.pushed:
        parts = [
            f"{other} ({slip_text(d)}{'' if cause == ref else ', par ' + cause})"
            for (other, d), cause in zip(summary.pushed, summary.causes, strict=False)
        ][:SHOWN_PUSHED]
        more = len(summary.pushed) - len(parts)
        lines.append(
            Line("Fait bouger : " + ", ".join(parts) + (f" et {more} autres" if more else ""))
        )
    elif summary.shifted:
        lines.append(Line("Ne fait bouger aucun autre élément."))
    lines += [Line(f"⚠ {c}", strong=True) for c in summary.conflicts[:SHOWN_CONFLICTS]]
    if len(summary.conflicts) > SHOWN_CONFLICTS:
        rest = len(summary.conflicts) - SHOWN_CONFLICTS
        lines.append(Line(f"⚠ et {rest} autres dépendances contredites"))
    if summary.horizon:
        after, horizon = date_short(summary.finish_after), date_short(summary.horizon)
        if summary.horizon_missed and summary.was_missed:
            lines.append(
                Line(
                    f"⚠ L'horizon du {horizon} était déjà dépassé (fin projetée le "
                    f"{date_short(summary.finish_before)}) ; après ce décalage : {after}."
                )
            )
        elif summary.horizon_missed:
            lines.append(
                Line(
                    f"⚠ Ce décalage fait manquer le point d'arrivée : fin projetée le {after}, "
                    f"horizon le {horizon}.",
                    strong=True,
                )
            )
        else:
            lines.append(Line(f"L'horizon du {horizon} tient (fin projetée le {after})."))
    return lines


def outcome_lines(ref: str, outcome: RerouteOutcome, shown: int = 6) -> list[str]:
    """What a saved move did: the item, the dependents shifted along, the conflicts kept."""
    lines = [f"{ref} enregistré"]
    if outcome.shifted:
        moved = ", ".join(
            f"{s.ref} ({slip_text(s.days)}, par {s.cause})" for s in outcome.shifted[:shown]
        )
        more = len(outcome.shifted) - shown
        lines.append(f"décalés aussi : {moved}" + (f" et {more} autres" if more > 0 else ""))
    lines += [f"⚠ {w}" for w in outcome.warnings[: shown // 2]]
    return lines


def choice_preview(
    shift: SlipSummary | None,
    keep: SlipSummary | None,
    choice: bool | None,
    ref: str | None = None,
) -> list[str]:
    """The preview for the choice made (``--decaler``: True, ``--garder``: False), or both
    outcomes when none was made and they differ (the command line and the import)."""
    if choice is not None:
        chosen = shift if choice else keep
        return [line.text for line in impact_lines(chosen, ref)] if chosen else []
    if shift is None or keep is None or _same(shift, keep):
        one = shift or keep
        return [line.text for line in impact_lines(one, ref)] if one else []
    lines = [f"Avec {SHIFT_OPTION} :"]
    lines += [f"  {line.text}" for line in impact_lines(shift, ref)]
    lines.append(f"Avec {KEEP_OPTION} :")
    lines += [f"  {line.text}" for line in impact_lines(keep, ref)]
    return lines


def _same(a: SlipSummary, b: SlipSummary) -> bool:
    """Shifting and keeping give the same stored dates (nothing depends on the choice)."""
    return (a.pushed, a.conflicts, a.finish_after) == (b.pushed, b.conflicts, b.finish_after)


SHIFT_OPTION = "--decaler"
KEEP_OPTION = "--garder"


def choice_needed(conflicts: tuple[str, ...] | list[str]) -> str:
    """The refusal when dates would contradict dependents and no choice was given."""
    named = " ; ".join(conflicts[:SHOWN_CONFLICTS])
    more = len(conflicts) - SHOWN_CONFLICTS
    if more > 0:
        named += f" ; et {more} autres"
    return (
        f"ces dates contrediraient {plural(len(conflicts), 'dépendance')} : {named}. Choisissez : "
        f"{SHIFT_OPTION} (décaler les éléments qui en dépendent, un ajustement chacun avec le "
        f"même motif) ou {KEEP_OPTION} (garder leurs dates ; le conflit reste en alerte)"
    )
