"""Instruction: the dossiers of an AAP campaign, jointly instructed by several services.

The board lists the dossiers grouped by state; the panel below shows the selected one:
plan de financement, the avis of each instructing service side by side, decisions and
history, and the private notes when the user belongs to an instructing service. Every
database call runs in a worker; forms are declared modals that stay open on refusal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from roadmap import formatting as fr
from roadmap.domain.enums import AvisValue, DecisionOutcome, DossierState, LabelledEnum
from roadmap.domain.errors import ValidationError
from roadmap.domain.instruction import (
    REVISABLE_STATES,
    STATE_ORDER,
    fmt_amount,
    fmt_budget,
)
from roadmap.domain.validation import amount
from roadmap.tui.format import date_fr, shorten
from roadmap.tui.screens.base import RoadmapScreen
from roadmap.tui.screens.declared_form import FieldKind, FormField, FormModal, Values
from roadmap.tui.screens.form import open_form
from roadmap.tui.widgets.footer import FittedFooter
from roadmap.usecases import may
from roadmap.usecases.annotations import AnnotationView, add_annotation, private_annotations
from roadmap.usecases.avis_decisions import decide, give_avis, revise_decision
from roadmap.usecases.campaigns import CampagneView, list_campagnes
from roadmap.usecases.dossier_states import transition
from roadmap.usecases.instruction_queries import (
    AvisColumn,
    DossierDetail,
    DossierRow,
    InstructionRights,
    dossier_detail,
    home_service_code,
    list_dossiers,
    rights_on,
)


@dataclass(frozen=True)
class BoardFilter:
    my_service: bool = False  # dossiers still waiting for my service's avis
    late: bool = False
    axe: str | None = None


@dataclass
class BoardData:
    campagne: CampagneView | None
    rows: list[DossierRow]
    service: str  # the user's home service
    axes: list[tuple[str, str]] = field(default_factory=list)  # (ref, title)


@dataclass
class DossierData:
    detail: DossierDetail
    rights: InstructionRights
    notes: list[AnnotationView]


def board_order(rows: list[DossierRow]) -> list[DossierRow]:
    """By state along the workflow, then by reference: the board reads left to right."""
    rank = {s: i for i, s in enumerate(STATE_ORDER)}
    return sorted(rows, key=lambda r: (rank[r.state], r.ref))


def state_summary(rows: list[DossierRow]) -> str:
    counts = {s: sum(1 for r in rows if r.state is s) for s in STATE_ORDER}
    return " · ".join(f"{s.label} {n}" for s, n in counts.items() if n)


OUTCOME_SHORT = {
    DecisionOutcome.ACCORDE: "accord",
    DecisionOutcome.ACCORDE_PARTIELLEMENT: "partiel",
    DecisionOutcome.REFUSE: "refus",
    DecisionOutcome.AJOURNE: "ajourné",
}

AVIS_STYLE = {
    AvisValue.FAVORABLE: "bold green",
    AvisValue.RESERVE: "bold yellow",
    AvisValue.DEFAVORABLE: "bold red",
}


def plan_table(detail: DossierDetail) -> Table:
    table = Table(title="Plan de financement", title_justify="left", expand=False, box=None)
    table.add_column("Financeur")
    table.add_column("Demandé", justify="right")
    table.add_column("Accordé", justify="right")
    for line in detail.plan:
        table.add_row(
            f"{line.financeur} · {shorten(line.financeur_name, 30)}",
            fmt_amount(line.asked),
            fmt_amount(line.granted),
        )
    table.add_row(
        Text("Total", style="bold"),
        Text(fmt_amount(detail.row.asked), style="bold"),
        Text(fmt_amount(detail.row.granted), style="bold"),
    )
    return table


def avis_table(detail: DossierDetail) -> Table:
    """One column per instructing service: the avis side by side, earlier ones below."""
    table = Table(title="Avis des services", title_justify="left", expand=True, show_lines=False)
    for column in detail.avis:
        table.add_column(column.service, ratio=1, overflow="fold")
    if not detail.avis:
        table.add_column("—")
        table.add_row("aucun service instructeur")
        return table
    cells: list[RenderableType] = []
    for column in detail.avis:
        text = Text()
        if column.current is None:
            text.append("en attente", style="italic")
        else:
            cur = column.current
            text.append(cur.value.label, style=AVIS_STYLE[cur.value])
            text.append(f"\n{cur.person or '?'}, {fr.date_short(cur.given_at)}")
            if cur.comment:
                text.append(f"\n{cur.comment}")
        for old in column.history:
            text.append(f"\navant : {old.value.label} ({fr.date_short(old.given_at)})", style="dim")
        cells.append(text)
    table.add_row(*cells)
    return table


def detail_renderable(data: DossierData) -> RenderableType:
    d = data.detail
    r = d.row
    head = Text()
    head.append(f"{r.ref} — {r.title}\n", style="bold")
    head.append(f"{r.porteur}")
    if r.axe:
        head.append(f" · axe {r.axe} {shorten(r.axe_title, 30)}")
    if r.action:
        head.append(f" · action {r.action}")
    if d.qpvs:
        head.append(" · QPV " + ", ".join(name for _, name in d.qpvs))
    head.append(f"\nÉtat : {r.state.label}", style="bold")
    if d.state_reason:
        head.append(f" — {d.state_reason}")
    if r.avis_deadline:
        head.append(f" · avis attendus avant le {date_fr(r.avis_deadline)}")
    head.append(f" · budget total {fmt_budget(d.total_budget)}")
    if d.summary:
        head.append(f"\n{d.summary}", style="italic")
    for alert in r.alerts:
        head.append(f"\n⚠ {alert.message}", style="bold yellow")
    parts: list[RenderableType] = [head, plan_table(d), avis_table(d)]
    if d.decisions:
        decisions = Text("Décisions\n", style="bold")
        for dec in d.decisions:
            style = "" if dec.current else "dim"
            mark = "" if dec.current else " (remplacée)"
            decisions.append(
                f"{fr.date_short(dec.decided_at)} {dec.outcome.label}{mark} — "
                f"{fr.person(d.names.get(dec.decided_by, ''), dec.decided_by)}\n",
                style=style,
            )
            if dec.motivation:
                decisions.append(f"  motivation : {dec.motivation}\n", style=style)
            if dec.revision_reason:
                decisions.append(f"  révision : {dec.revision_reason}\n", style=style)
        parts.append(decisions)
    if data.rights.read_notes:
        notes = Text("Notes privées des instructeurs (jamais exportées)\n", style="bold")
        for note in data.notes:
            notes.append(f"{fr.date_short(note.created_at)} {note.author} ({note.service}) : ")
            notes.append(f"{note.text}\n")
        if not data.notes:
            notes.append("aucune — « p » pour en ajouter une\n", style="dim")
        parts.append(notes)
    history = Text("Historique\n", style="bold")
    for entry in d.history[-12:]:
        money = fr.is_money(entry.entity, entry.field, entry.operation)
        change = fr.change(entry.old, entry.new, money=money)
        who = fr.person(d.names.get(entry.actor, ""), entry.actor)
        history.append(
            f"{fr.moment(entry.at)} {who} · "
            f"{fr.entry_text(entry.entity, entry.operation, entry.field)}"
            f"{' : ' + change if change else ''}"
            f"{' — ' + entry.reason if entry.reason else ''}\n",
            style="dim",
        )
    parts.append(history)
    return Group(*parts)


class InstructionScreen(RoadmapScreen):
    """Dossiers of the campaign; keys: m my service, l late, f axe, v avis, d decision."""

    SCREEN_ID = "instruction"
    TITLE = "Instruction"
    BINDINGS = [
        # The detail below the table scrolls whatever has the focus (the table keeps ↑↓).
        Binding("shift+down", "detail(1)", "Détail", key_display="⇧↓↑"),
        Binding("shift+up", "detail(-1)", "Remonter le détail", show=False),
        Binding("m", "toggle_mine", "Mon service"),
        Binding("l", "toggle_late", "En retard"),
        Binding("f", "next_axe", "Axe"),
        Binding("v", "give_avis", "Avis"),
        Binding("d", "decide", "Décision"),
        Binding("t", "transition", "Faire avancer"),
        Binding("p", "add_note", "Note privée"),
        Binding("ctrl+r", "reload", "Actualiser"),
    ]

    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.filter = BoardFilter()
        self.board: BoardData | None = None
        self.selected: str | None = None
        self.dossier: DossierData | None = None
        self.narrow = False
        self.widths: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield Static("Instruction", id="instruction-title", classes="screen-title")
        yield Static("", id="instruction-filters")
        yield DataTable(id="dossiers-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="dossier-detail"):
            yield Static("", id="dossier-body")
        yield FittedFooter()

    def on_mount(self) -> None:
        width = self.app.size.width
        table = self.query_one("#dossiers-table", DataTable)
        # Every column fits the width (no sideways scrolling that would cut amounts or the
        # awaited avis): on a narrow terminal, porteur and title share one column.
        self.narrow = width < 110
        # Narrow: amounts up to « 120 000 € », the whole « Avis attendus » header.
        state_width, money, avis_width = (12, 9, 13) if self.narrow else (18, 10, 14)
        text_width = width - (12 + state_width + 2 * money + avis_width) - 2 * 7 - 4
        table.add_column("Réf", key="ref", width=12)  # AAP2026-012 whole
        table.add_column("État", key="state", width=state_width)
        if self.narrow:
            text_width = max(8, text_width + 2)
            table.add_column("Dossier", key="title", width=text_width)
        else:
            table.add_column("Porteur", key="porteur", width=text_width // 2)
            table.add_column("Titre", key="title", width=text_width - text_width // 2)
        table.add_column("Demandé", key="asked", width=money)
        table.add_column("Accordé", key="granted", width=money)
        table.add_column("Avis attendus", key="missing", width=avis_width)
        self.widths = {"state": state_width, "avis": avis_width, "text": text_width}
        table.focus()
        self.action_reload()

    def action_detail(self, step: int) -> None:
        self.query_one("#dossier-detail", VerticalScroll).scroll_relative(y=3 * step)

    # --- reading -------------------------------------------------------------------------

    def action_reload(self) -> None:
        actor, slug, wanted = self.actor, self.slug, self.filter
        today = self.roadmap_app.today

        async def load() -> BoardData:
            campagnes = await list_campagnes(slug)
            service = await home_service_code(actor)
            campagne = campagnes[0] if campagnes else None
            rows: list[DossierRow] = []
            if campagne is not None:
                rows = await list_dossiers(
                    campagne=campagne.year,
                    roadmap=slug,
                    service=service if wanted.my_service and service else None,
                    late=wanted.late,
                    axe=wanted.axe,
                    today=today,
                )
            all_rows = await list_dossiers(roadmap=slug, today=today) if campagne else []
            axes = sorted({(r.axe, r.axe_title) for r in all_rows if r.axe})
            return BoardData(campagne, board_order(rows), service, axes)

        self.run_query(load, self.show_board, name="instruction-board")

    def show_board(self, data: BoardData) -> None:
        self.board = data
        title = self.query_one("#instruction-title", Static)
        if data.campagne is None:
            title.update("Instruction — aucune campagne AAP pour cette feuille de route")
        else:
            c = data.campagne
            title.update(
                f"Instruction — {c.title} ({date_fr(c.opens_on)} → {date_fr(c.closes_on)}) · "
                f"{fr.plural(len(data.rows), 'dossier')}"
            )
        self.query_one("#instruction-filters", Static).update(self.filter_text(data))
        table = self.query_one("#dossiers-table", DataTable)
        table.clear()
        w = self.widths
        for r in data.rows:
            state = r.state.label + (f" · {OUTCOME_SHORT[r.outcome]}" if r.outcome else "")
            texts = (
                [shorten(f"{r.porteur} — {r.title}", w["text"])]
                if self.narrow
                else [shorten(r.porteur, w["text"] // 2), shorten(r.title, w["text"] // 2)]
            )
            table.add_row(
                r.ref,
                Text(shorten(state, w["state"]), style="bold red" if r.late else ""),
                *texts,
                fmt_amount(r.asked),
                fmt_amount(r.granted) if r.granted is not None else "",
                shorten(", ".join(r.missing_avis), w["avis"]),
                key=r.ref,
            )
        refs = [r.ref for r in data.rows]
        if refs:
            keep = self.selected if self.selected in refs else refs[0]
            table.move_cursor(row=refs.index(keep))
            self.load_dossier(keep)
        elif self.selected:
            # e.g. my avis just given: the dossier leaves "my service" but stays in view
            self.load_dossier(self.selected)
            self.notify("plus aucun dossier avec ces filtres (« m », « l », « f »)")
        else:
            self.dossier = None
            self.query_one("#dossier-body", Static).update(
                "Aucun dossier avec ces filtres (« m », « l », « f » pour les changer)."
            )

    def filter_text(self, data: BoardData) -> Text:
        text = Text()
        text.append(state_summary(data.rows) or "—")
        active = []
        if self.filter.my_service:
            active.append(f"avis attendu de {data.service or '(sans service)'}")
        if self.filter.late:
            active.append("en retard")
        if self.filter.axe:
            active.append(f"axe {self.filter.axe}")
        if active:
            text.append("   filtres : " + ", ".join(active), style="bold")
        return text

    @on(DataTable.RowHighlighted, "#dossiers-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        ref = str(event.row_key.value) if event.row_key.value else None
        if ref and ref != self.selected:
            self.load_dossier(ref)

    def load_dossier(self, ref: str) -> None:
        self.selected = ref
        actor = self.actor
        today = self.roadmap_app.today

        async def load() -> DossierData:
            detail = await dossier_detail(ref, today=today)
            rights = await rights_on(actor, ref)
            notes = await private_annotations(actor, ref) if rights.read_notes else []
            return DossierData(detail, rights, notes)

        self.run_query(load, self.show_dossier, name="instruction-dossier")

    def show_dossier(self, data: DossierData) -> None:
        if data.detail.row.ref != self.selected:
            return
        self.dossier = data
        self.query_one("#dossier-body", Static).update(detail_renderable(data))

    # --- filters -------------------------------------------------------------------------

    def action_toggle_mine(self) -> None:
        self.filter = BoardFilter(not self.filter.my_service, self.filter.late, self.filter.axe)
        self.action_reload()

    def action_toggle_late(self) -> None:
        self.filter = BoardFilter(self.filter.my_service, not self.filter.late, self.filter.axe)
        self.action_reload()

    def action_next_axe(self) -> None:
        """Cycle: every axe, then none."""
        axes = [a for a, _ in self.board.axes] if self.board else []
        if not axes:
            self.notify("aucun dossier n'est rattaché à un axe", severity="warning")
            return
        cycle: list[str | None] = [None, *axes]
        index = cycle.index(self.filter.axe) if self.filter.axe in cycle else 0
        axe = cycle[(index + 1) % len(cycle)]
        self.filter = BoardFilter(self.filter.my_service, self.filter.late, axe)
        self.action_reload()

    # --- writing -------------------------------------------------------------------------

    def _current(self) -> DossierData | None:
        if self.dossier is None or self.dossier.detail.row.ref != self.selected:
            self.notify("choisissez d'abord un dossier", severity="warning")
            return None
        return self.dossier

    def _after_write(self, message: str | None) -> None:
        if message:
            self.notify(message, title="Instruction")
        self.action_reload()  # the board reloads the selected dossier too

    def action_give_avis(self) -> None:
        data = self._current()
        if data is None:
            return
        actor, ref = self.actor, data.detail.row.ref
        service = data.rights.service
        column = next((c for c in data.detail.avis if c.service == service), None)
        current = column.current if column else None

        async def submit(values: Values) -> str:
            await give_avis(actor, ref, values["value"], values["comment"], seen=values["_version"])
            return f"avis de {service} enregistré sur {ref}"

        async def reload() -> tuple[Values, int]:
            stored = await dossier_detail(ref)
            mine = next((c for c in stored.avis if c.service == service), None)
            now = mine.current if mine else None
            values = {"value": now.value.value, "comment": now.comment} if now else {}
            return values, avis_given(mine)

        form = FormModal(
            f"Avis de {service or 'votre service'} sur {ref}",
            verdict_fields(
                ("value", "Avis"),
                AvisValue,
                current.value.value if current else "",
                ("comment", "Commentaire"),
                current.comment if current else "",
                hint="obligatoire pour un avis réservé ou défavorable",
            ),
            submit,
            intro="Changer d'avis garde l'ancien dans l'historique."
            if current
            else data.detail.row.title,
            save_label="Donner l'avis",
            check=lambda: may.check_avis(actor, ref),
            reload=reload,
            version=avis_given(column),
        )
        open_form(self, form, self._after_write)

    def action_decide(self) -> None:
        data = self._current()
        if data is None:
            return
        d = data.detail
        revising = d.row.state in REVISABLE_STATES
        actor, ref = self.actor, d.row.ref
        current = d.current_decision
        fields = verdict_fields(
            ("outcome", "Issue"),
            DecisionOutcome,
            current.outcome.value if current else "",
            ("motivation", "Motivation"),
            current.motivation if current else "",
            hint="obligatoire pour un refus, un accord partiel ou un ajournement : "
            "le porteur doit comprendre pourquoi",
        )
        for line in d.plan:
            granted = line.granted if line.granted is not None else line.asked
            fields.append(
                FormField(
                    f"granted_{line.financeur}",
                    f"Accordé par {line.financeur} (demandé {fmt_amount(line.asked)})",
                    value=format(granted, "f").replace(".", ","),
                    aliases=(f"montant accordé par {line.financeur}",),
                )
            )
        fields.append(
            FormField(
                "confirm",
                "Dépassement de la demande",
                "select",
                value="non",
                options=[
                    ("non : refuser un montant supérieur à la demande", "non"),
                    ("oui : je confirme le dépassement", "oui"),
                ],
            )
        )
        if revising:
            fields.append(
                FormField(
                    "reason",
                    "Motif de la révision",
                    aliases=("motif de la révision",),
                    hint="l'ancienne décision reste dans l'historique",
                )
            )

        async def submit(values: Values) -> str:
            granted = {
                line.financeur: values[f"granted_{line.financeur}"]
                for line in d.plan
                if str(values[f"granted_{line.financeur}"]).strip()
            }
            confirm = values["confirm"] == "oui"
            if values["outcome"] in (DecisionOutcome.REFUSE, DecisionOutcome.AJOURNE):
                granted = {}  # the amounts prefilled from the demand do not apply
            version = values["_version"]
            if revising:
                await revise_decision(
                    actor,
                    ref,
                    version,
                    values["outcome"],
                    values["motivation"],
                    values["reason"],
                    granted,
                    confirm_over_asked=confirm,
                )
                return f"décision révisée sur {ref}"
            await decide(
                actor,
                ref,
                version,
                values["outcome"],
                values["motivation"],
                granted,
                confirm_over_asked=confirm,
            )
            return f"décision enregistrée sur {ref}"

        async def reload() -> tuple[Values, int]:
            stored = await dossier_detail(ref)
            return decision_values(stored), stored.row.version

        form = FormModal(
            f"{'Réviser la décision' if revising else 'Décision'} — {ref}",
            fields,
            submit,
            intro=self._avis_summary(d),
            save_label="Réviser" if revising else "Décider",
            preview=lambda v: self._decision_preview(d, v),
            check=lambda: may.check_decision(actor, ref),
            reload=reload,
            version=d.row.version,
        )
        open_form(self, form, self._after_write)

    @staticmethod
    def _avis_summary(d: DossierDetail) -> str:
        parts = [
            f"{c.service} : {c.current.value.label.lower() if c.current else 'en attente'}"
            for c in d.avis
        ]
        return f"{d.row.porteur} — {d.row.title}\nAvis : " + " · ".join(parts)

    @staticmethod
    def _decision_preview(d: DossierDetail, values: Values) -> str:
        total = Decimal(0)
        for line in d.plan:
            raw = str(values.get(f"granted_{line.financeur}", ""))
            try:
                total += amount(raw, line.financeur, required=False) or Decimal(0)
            except ValidationError:
                return f"montant accordé par {line.financeur} illisible"
        gap = " (réduit : accord partiel)" if total < d.row.asked else ""
        return f"Total accordé : {fmt_amount(total)} pour {fmt_amount(d.row.asked)} demandés{gap}"

    def action_transition(self) -> None:
        data = self._current()
        if data is None:
            return
        d = data.detail
        actor, ref = self.actor, d.row.ref

        async def submit(values: Values) -> str:
            await transition(actor, ref, values["_version"], values["state"], values["reason"])
            return f"{ref} : {DossierState(values['state']).label}"

        async def reload() -> tuple[Values, int]:
            stored = (await dossier_detail(ref)).row
            # Her version is the state it is in now (not a choice offered here).
            return {"state": stored.state.label}, stored.version

        form = FormModal(
            f"Faire avancer {ref} (« {d.row.state.label} »)",
            verdict_fields(
                ("state", "Nouvel état"),
                d.next_states,
                d.next_states[0].value if d.next_states else "",
                ("reason", "Motif"),
                hint="obligatoire pour déclarer le dossier irrecevable",
                kind="text",
                aliases=("état",),
            ),
            submit,
            save_label="Valider",
            check=lambda: may.check_transition(actor, ref),
            reload=reload,
            version=d.row.version,
        )
        open_form(self, form, self._after_write)

    def action_add_note(self) -> None:
        data = self._current()
        if data is None:
            return
        actor, ref = self.actor, data.detail.row.ref

        async def submit(values: Values) -> str:
            await add_annotation(actor, ref, values["text"])
            return "note privée ajoutée"

        open_form(
            self,
            FormModal(
                f"Note privée sur {ref}",
                [FormField("text", "Note", "area", aliases=("note",))],
                submit,
                intro="Visible des seuls services instructeurs ; jamais exportée ni dans un "
                "rapport.",
                save_label="Ajouter",
                check=lambda: may.check_note(actor, ref),
            ),
            self._after_write,
        )


def verdict_fields(
    choice: tuple[str, str],
    options: Iterable[LabelledEnum],
    chosen: str,
    reason: tuple[str, str],
    written: str = "",
    *,
    hint: str,
    kind: FieldKind = "area",
    aliases: tuple[str, ...] = (),
) -> list[FormField]:
    """A choice among ``options`` (avis, issue, state) and the text that explains it.

    Each field answers errors naming its label, whatever the case (``FormField.answers_to``);
    ``aliases`` are other names the use case gives the choice.
    """
    (name, label), (text_name, text_label) = choice, reason
    offered = [(o.label, o.value) for o in options]
    return [
        FormField(name, label, "select", value=chosen, options=offered, aliases=aliases),
        FormField(text_name, text_label, kind, value=written, hint=hint),
    ]


def avis_given(column: AvisColumn | None) -> int:
    """How many avis the service has given on the dossier (the avis form's « version »)."""
    if column is None:
        return 0
    return len(column.history) + (1 if column.current else 0)


def decision_values(d: DossierDetail) -> Values:
    """The current decision as the decision form's fields hold it (the conflict view)."""
    current = d.current_decision
    values: Values = {
        "outcome": current.outcome.value if current else "",
        "motivation": current.motivation if current else "",
    }
    for line in d.plan:
        if line.granted is not None:
            values[f"granted_{line.financeur}"] = format(line.granted, "f").replace(".", ",")
    return values
