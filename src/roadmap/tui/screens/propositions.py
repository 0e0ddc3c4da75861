"""Propositions: what services proposed by sending their file back, to accept or refuse.

Grouped by service (then by number), each with base → proposed and its reason; a value the
trinôme also changed since the export is marked as a conflict. Accepting runs the same use
case as a form; refusing asks for a motive (issue 17). Receiving a file stays on the command
line (``roadmap propositions recevoir``).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from roadmap.tui.screens.base import RoadmapScreen
from roadmap.tui.screens.declared_form import FormField, FormModal, Values
from roadmap.tui.widgets.footer import FittedFooter
from roadmap.tui.widgets.virtual_table import Column, VirtualTable
from roadmap.usecases.propositions import (
    PropositionRow,
    accept_proposition,
    list_propositions,
    refuse_proposition,
)


def _change(r: PropositionRow) -> str:
    return f"« {r.base} » → « {r.proposed} »" if r.base else f"→ « {r.proposed} »"


def _tone(r: PropositionRow) -> str:
    if r.status == "refusee":
        return "muted"
    if r.status == "acceptee":
        return "success"
    return "warning" if r.conflict else ""


class PropositionsScreen(RoadmapScreen):
    """Keys: v accepter, n refuser (avec motif), ctrl+r actualiser."""

    SCREEN_ID = "propositions"
    TITLE = "Propositions"
    BINDINGS = [
        Binding("v", "accept", "Accepter"),
        Binding("n", "refuse", "Refuser"),
        Binding("ctrl+r", "reload", "Actualiser"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(
            f"Propositions des services — {self.slug}", id="propositions-title",
            classes="screen-title",
        )  # fmt: skip
        yield VirtualTable[PropositionRow](
            [
                Column("service", "Service", lambda r: r.service, 12),
                Column("id", "N°", lambda r: str(r.id), 4, align_right=True),
                Column("item", "Élément", lambda r: f"{r.ref} {r.field_label}", 14),
                Column("change", "Base → proposé", _change, 20, flex=True, tone=_tone),
                Column("status", "Sort", lambda r: r.status_label, 10, tone=_tone),
            ],
            row_key=lambda r: str(r.id),
            empty_text="aucune proposition reçue (roadmap propositions recevoir FICHIER.toml)",
            id="propositions-table",
        )
        yield Static("", id="proposition-detail")
        yield FittedFooter()

    @property
    def table(self) -> VirtualTable[PropositionRow]:
        return self.query_one("#propositions-table", VirtualTable)  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.table.focus()
        self.action_reload()

    def action_reload(self) -> None:
        actor, slug = self.actor, self.slug

        async def rows() -> list[PropositionRow]:
            return [r for r in await list_propositions(actor) if r.roadmap == slug]

        self.run_query(rows, self.table.set_rows, name="propositions")

    @on(VirtualTable.RowHighlighted, "#propositions-table")
    def show_detail(self, event: VirtualTable.RowHighlighted) -> None:
        row: PropositionRow | None = event.row
        self.query_one("#proposition-detail", Static).update(self.describe(row) if row else "")

    @staticmethod
    def describe(r: PropositionRow) -> Text:
        text = Text()
        author = r.author or "auteur non précisé"
        text.append(f"n° {r.id} · {r.service} ({author}) · {r.ref} {r.field_label}", style="bold")
        text.append(f"\n{_change(r)}")
        if r.reason:
            text.append("\nMotif : ", style="bold")
            text.append(r.reason, style="italic")
        if r.conflict:
            text.append(
                f"\n⚠ conflit : la valeur a changé depuis l'export (base « {r.base} », "
                f"à la réception « {r.current} », proposé « {r.proposed} »)",
                style="bold",
            )
        if r.status != "en_attente":
            text.append(f"\n{r.status_label} par {r.decided_by}")
            if r.motive:
                text.append(f" : {r.motive}")
        return text

    def _pending(self) -> PropositionRow | None:
        row = self.table.current
        if row is None or row.status != "en_attente":
            self.notify("choisissez une proposition en attente", severity="warning")
            return None
        return row

    def action_accept(self) -> None:
        row = self._pending()
        if row is None:
            return
        actor = self.actor

        async def submit(_values: Values) -> str:
            warnings = await accept_proposition(actor, row.id)
            return "\n".join(("acceptée", *warnings))

        self.app.push_screen(
            FormModal(
                f"Accepter la proposition n° {row.id} ?",
                [],
                submit,
                intro=self.describe(row),
                save_label="Accepter",
            ),
            lambda done: self._decided(row, done),
        )

    def action_refuse(self) -> None:
        row = self._pending()
        if row is None:
            return
        actor = self.actor

        async def submit(values: Values) -> str:
            await refuse_proposition(actor, row.id, str(values["motif"]))
            return "refusée"

        self.app.push_screen(
            FormModal(
                f"Refuser la proposition n° {row.id}",
                [FormField("motif", "Motif du refus (le service le lira)", "area")],
                submit,
                intro=self.describe(row),
                save_label="Refuser",
            ),
            lambda done: self._decided(row, done),
        )

    def _decided(self, row: PropositionRow, done: str | None) -> None:
        if done:
            self.notify(f"proposition n° {row.id} {done}", title="Propositions")
        self.action_reload()
