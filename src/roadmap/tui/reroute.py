"""One re-routing preview for actions and jalons: what moves, by how much, the horizon.

The Jalons and Actions screens and the action form all show this text before a move is
confirmed; it renders ``MarginView.reroute``, the same computation the use case runs when
the move is saved, so the figures shown are the dates stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from rich.text import Text

from roadmap.domain.enums import AdjustmentKind
from roadmap.tui.format import date_fr
from roadmap.tui.screens.declared_form import FormField, Values
from roadmap.usecases.itinerary import RerouteOutcome
from roadmap.usecases.queries import AdjustmentRow
from roadmap.usecases.queries_team import MarginView, SlipSummary
from roadmap.usecases.reroute_text import head_line, impact_lines, outcome_lines, slip_text

__all__ = [
    "describe",
    "history_text",
    "impact_text",
    "itinerary_fields",
    "outcome_message",
    "shift_field",
    "slip_text",
    "wants_shift",
]

SHIFT, KEEP = "decaler", "garder"


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


def itinerary_fields(placeholder: str, *, kind_hint: str = "") -> list[FormField]:
    """What every « Ajuster l'itinéraire » form asks after the dates: nature, reason,
    and the dependents' fate (the CLI asks the same with --nature, --motif, --decaler)."""
    return [
        FormField(
            "kind",
            "Nature",
            "select",
            value=AdjustmentKind.CONTRAINTE.value,
            options=[(k.label, k.value) for k in AdjustmentKind],
            aliases=("nature de l'ajustement",),
            hint=kind_hint,
        ),
        FormField("reason", "Motif", aliases=("motif",), placeholder=placeholder),
        shift_field(),
    ]


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
    text = Text(head_line(margins, ref, days))
    if margins is None or not margins.available:
        return text
    summary = margins.reroute(kind, ref, new_start, new_end, shift_dependents=shift_dependents)
    if summary is None:
        return text
    return describe(text, ref, summary)


def describe(text: Text, ref: str, summary: SlipSummary) -> Text:
    """What moves (with what pushes it when not ``ref`` itself), conflicts, horizon."""
    for line in impact_lines(summary, ref):
        text.append("\n" + line.text, style="bold" if line.strong else "")
    return text


def history_text(adjustments: Sequence[AdjustmentRow], *, with_field: bool) -> Text:
    """The item's re-routings, newest first: when, what changed, nature, who, and why (with
    the item whose move pushed it, for a shifted dependent)."""
    text = Text()
    for n, adj in enumerate(reversed(adjustments)):
        when = adj.created_at.astimezone().strftime("%d/%m/%Y")
        field = f"{adj.field} " if with_field else ""
        change = f"{field}{_iso_to_fr(adj.old_value)} → {_iso_to_fr(adj.new_value)}"
        text.append(f"{chr(10) if n else ''}  {when} {change} · {adj.kind.label.lower()} · ")
        text.append(f"{adj.author} : ")
        if adj.cause:
            text.append(f"entraîné par {adj.cause} · ", style="bold")
        text.append(adj.reason, style="italic")
    return text


def _iso_to_fr(value: str) -> str:
    """Stored ISO dates read in French; any other value as it is."""
    try:
        return date_fr(date.fromisoformat(value))
    except ValueError:
        return value


def outcome_message(ref: str, outcome: RerouteOutcome) -> tuple[str, str]:
    """(message, severity) to notify once a move is saved."""
    return "\n".join(outcome_lines(ref, outcome)), "warning" if outcome.warnings else "information"
