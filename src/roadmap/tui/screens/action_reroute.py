"""Ajuster l'itinéraire of an action: new dates, reason, nature, and the dependents' fate.

The same form and preview as a jalon's: what moves, by how much, whether the horizon
holds, before confirming; then the dependents are shifted or keep their dates (the
conflict stays listed as an alert).
"""

from __future__ import annotations

from datetime import date

from rich.text import Text

from roadmap.domain.errors import ValidationError
from roadmap.domain.permissions import Capability
from roadmap.domain.validation import parse_date
from roadmap.tui.format import date_fr
from roadmap.tui.reroute import impact_text, itinerary_fields, outcome_message, wants_shift
from roadmap.tui.screens.declared_form import FormField, FormModal, Values
from roadmap.usecases.actions import reroute_action
from roadmap.usecases.identity import Actor
from roadmap.usecases.may import check_capability
from roadmap.usecases.queries import ActionRow, action_detail
from roadmap.usecases.queries_team import MarginView


def preview(margins: MarginView | None, row: ActionRow, values: Values) -> Text:
    try:
        start = parse_date(values.get("start"), "début")
        end = parse_date(values.get("end"), "fin")
    except ValidationError as error:
        return Text(f"Impact : {error.message}.")
    return action_impact(margins, row, start, end, shift_dependents=wants_shift(values))


def action_impact(
    margins: MarginView | None,
    row: ActionRow,
    start: date | None,
    end: date | None,
    *,
    shift_dependents: bool,
) -> Text:
    if start is None and end is None:
        return Text("Impact : saisissez les nouvelles dates pour le voir avant de confirmer.")
    return impact_text(
        margins,
        "action",
        row.ref,
        row.end_date or row.start_date,
        start,
        end,
        shift_dependents=shift_dependents,
    )


def reroute_modal(
    actor: Actor, slug: str, row: ActionRow, margins: MarginView | None
) -> FormModal[str]:
    async def reload() -> tuple[Values, int]:
        stored = (await action_detail(slug, row.ref)).row
        return {"start": date_fr(stored.start_date), "end": date_fr(stored.end_date)}, (
            stored.version
        )

    async def submit(values: Values) -> str:
        outcome = await reroute_action(
            actor,
            slug,
            row.ref,
            values["_version"],
            values["start"],
            values["end"],
            values["reason"],
            values["kind"],
            shift_dependents=wants_shift(values),
        )
        message, severity = outcome_message(row.ref, outcome)
        modal.notify(message, title="Itinéraire ajusté", severity=severity, timeout=8)
        return row.ref

    modal: FormModal[str] = FormModal(
        f"Ajuster l'itinéraire — {row.ref} {row.title}",
        [
            FormField("start", "Début", "date", value=date_fr(row.start_date), aliases=("début",)),
            FormField("end", "Fin", "date", value=date_fr(row.end_date), aliases=("fin",)),
            *itinerary_fields("pourquoi cette action bouge (obligatoire)"),
        ],
        submit,
        intro=f"Actuellement du {date_fr(row.start_date) or '?'} "
        f"au {date_fr(row.end_date) or '?'}.",
        save_label="Ajuster",
        preview=lambda values: preview(margins, row, values),
        check=lambda: check_capability(actor, slug, Capability.EDIT),
        reload=reload,
        version=row.version,
    )
    return modal
