"""Engagements of an action (what each service commits from its ordinary means): add one,
change its amount (euros, or ETP for a staff commitment), or withdraw it.

One form, the three use cases the import and the services' accepted proposals call
(``add_engagement``, ``set_engagement_amount``, ``remove_engagement``).
"""

from __future__ import annotations

from rich.text import Text

from roadmap import formatting as fr
from roadmap.domain.enums import EngagementKind
from roadmap.domain.errors import ValidationError
from roadmap.domain.permissions import Capability
from roadmap.tui.format import date_fr
from roadmap.tui.screens.declared_form import FormField, FormModal, Values
from roadmap.usecases import actions as act
from roadmap.usecases.identity import Actor
from roadmap.usecases.may import check_capability
from roadmap.usecases.queries import ActionDetail, EngagementRow, FormChoices, action_detail

ADD, AMOUNT, REMOVE = "ajouter", "montant", "retirer"


def engagement_label(e: EngagementRow) -> str:
    value = f"{e.amount.normalize():f} ETP" if e.kind == "etp" else fr.amount(e.amount)
    period = ""
    if e.period_start or e.period_end:
        period = f", {date_fr(e.period_start) or '…'} – {date_fr(e.period_end) or '…'}"
    what = f" « {e.description} »" if e.description else ""
    return f"{e.service_code} · {EngagementKind(e.kind).label} {value}{period}{what}"


def _intro(detail: ActionDetail) -> Text:
    text = Text(f"{detail.row.ref} {detail.row.title}\n", style="bold")
    if not detail.engagements:
        text.append("Aucun engagement pour l'instant.")
    for e in detail.engagements:
        text.append(f"• {engagement_label(e)}\n")
    text.append("Montant en euros ; pour la nature « ETP », le nombre d'ETP (ex. 0,5).")
    return text


def _amount_text(e: EngagementRow) -> str:
    return format(e.amount.normalize(), "f").replace(".", ",")


def engagements_modal(
    actor: Actor, slug: str, detail: ActionDetail, choices: FormChoices
) -> FormModal[str]:
    existing = [(engagement_label(e), str(e.id)) for e in detail.engagements]
    ref = detail.row.ref
    # The version of each engagement as shown; a conflict's reload brings the stored ones.
    shown = {str(e.id): e for e in detail.engagements}
    chosen: dict[str, str] = {}

    async def reload() -> tuple[Values, int]:
        stored = await action_detail(slug, ref)
        shown.clear()
        shown.update({str(e.id): e for e in stored.engagements})
        now = shown.get(chosen.get("which", ""))
        return ({"amount": _amount_text(now)} if now else {}), 0

    async def submit(values: Values) -> str:
        operation = values["operation"]
        if operation == ADD:
            await act.add_engagement(
                actor, slug, ref,
                act.EngagementInput(
                    values["service"], values["kind"], values["amount"], values["start"] or None,
                    values["end"] or None, values["description"],
                ),
            )  # fmt: skip
            return f"{ref} : engagement ajouté"
        if not values["which"]:
            raise ValidationError("choisissez l'engagement concerné", field="engagement")
        which = int(values["which"])
        chosen["which"] = str(values["which"])
        if operation == AMOUNT:
            known = shown.get(chosen["which"])
            await act.set_engagement_amount(
                actor, slug, which, values["amount"], version=known.version if known else None
            )
            return f"{ref} : montant modifié"
        await act.remove_engagement(actor, slug, which)
        return f"{ref} : engagement retiré"

    return FormModal(
        f"Engagements — {ref}",
        [
            FormField(
                "operation",
                "Opération",
                "select",
                value=ADD,
                options=[
                    ("Ajouter un engagement", ADD),
                    ("Changer le montant", AMOUNT),
                    ("Retirer l'engagement", REMOVE),
                ],
            ),
            FormField(
                "which",
                "Engagement concerné (changer, retirer)",
                "select",
                value=existing[0][1] if existing else "",
                options=existing,
                aliases=("engagement",),
            ),
            FormField(
                "service",
                "Service (ajout)",
                "select",
                options=[(f"{c.label} ({c.key})", c.key) for c in choices.services],
                aliases=("service",),
            ),
            FormField(
                "kind",
                "Nature (ajout)",
                "select",
                value=EngagementKind.BUDGET.value,
                options=[(k.label, k.value) for k in EngagementKind],
                aliases=("nature de l'engagement",),
            ),
            FormField(
                "amount",
                "Montant ou ETP",
                aliases=("montant",),
                placeholder="ex. 12 500 ou 0,5 (ajout, changer)",
            ),
            FormField("start", "Début de période (ajout)", "date", aliases=("début de période",)),
            FormField("end", "Fin de période (ajout)", "date", aliases=("fin de période",)),
            FormField("description", "Description (ajout)", aliases=("description",)),
        ],
        submit,
        intro=_intro(detail),
        check=lambda: check_capability(actor, slug, Capability.EDIT),
        reload=reload,
        version=0,  # one per engagement, kept in ``shown``
    )
