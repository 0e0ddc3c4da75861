"""Jalons: the frise (months across), the chronological list, create/edit, re-route.

Re-routing (ajuster l'itinéraire) asks for the new date, the reason and whether it is a
constraint or an opportunity, previews what moves (the same preview as an action's) and
whether the dependents shift too; the history of the selected jalon's re-routings is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from roadmap.domain.enums import JalonKind, JalonStatus
from roadmap.domain.errors import ValidationError
from roadmap.domain.permissions import Capability
from roadmap.domain.validation import parse_date
from roadmap.tui.format import date_fr, shorten
from roadmap.tui.reroute import (
    history_text,
    impact_text,
    itinerary_fields,
    outcome_message,
    slip_text,
    wants_shift,
)
from roadmap.tui.screens.base import RoadmapScreen
from roadmap.tui.screens.copil import (
    STEERING,
    baseline_label,
    offer_baseline,
    open_releve,
    pick_baseline,
)
from roadmap.tui.screens.declared_form import FormField, FormModal, Values
from roadmap.tui.screens.form import open_form
from roadmap.tui.widgets.footer import FittedFooter
from roadmap.tui.widgets.timeline import Mark, Timeline
from roadmap.usecases import jalons as uc
from roadmap.usecases import queries
from roadmap.usecases import releve as rel
from roadmap.usecases.baselines import BaselineDates, baseline_dates
from roadmap.usecases.queries_team import MarginView, RoadmapHeader, load_margins, roadmap_header


@dataclass
class JalonsData:
    header: RoadmapHeader
    rows: list[queries.JalonRow]
    margins: MarginView


class JalonsScreen(RoadmapScreen):
    """Frise and list of the roadmap's jalons; keys: n, m, d (ajuster), s (statut)."""

    SCREEN_ID = "jalons"
    TITLE = "Jalons"
    BINDINGS = [
        Binding("n", "create", "Nouveau jalon"),
        Binding("enter", "edit", "Ouvrir", priority=True),  # shown over the table's own
        Binding("m", "edit", "Modifier", show=False),
        Binding("d", "reroute", "Ajuster l'itinéraire"),
        Binding("s", "status", "Statut"),
        Binding("l", "releve", "Relevé"),
        Binding("v", "toggle_baseline", "Référence"),
        Binding("p", "pick_baseline", "Choisir la référence", show=False),
        Binding("ctrl+r", "reload", "Actualiser"),
    ]

    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.data: JalonsData | None = None
        self.detail: queries.JalonDetail | None = None
        self.selected_ref: str | None = None
        self.title_width = 20
        self.baseline: BaselineDates | None = None  # shown beside the plan when set

    def compose(self) -> ComposeResult:
        yield Static("Jalons", id="jalons-title", classes="screen-title")
        yield Timeline(id="jalons-timeline")
        with Vertical(id="jalons-body"):
            yield DataTable(id="jalons-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="jalon-detail-box"):
                yield Static("", id="jalon-detail")
                yield Static("", id="jalon-releve")
        yield FittedFooter()

    def on_mount(self) -> None:
        table = self.query_one("#jalons-table", DataTable)
        table.add_column("Date", key="date", width=10)
        table.add_column("Réf", key="ref", width=4)
        # The title takes what the fixed columns leave (80 columns and up).
        self.title_width = max(13, self.app.size.width - 69)
        table.add_column("Jalon", key="title", width=self.title_width)
        table.add_column("Type", key="kind", width=14)
        table.add_column("Statut", key="status", width=7)
        table.add_column("Décalé", key="slip", width=7)
        table.add_column("Marge", key="margin", width=9)
        table.focus()
        self.action_reload()

    # --- reading -------------------------------------------------------------------------

    def action_reload(self) -> None:
        actor, slug, today = self.actor, self.slug, self.today

        async def load() -> JalonsData:
            return JalonsData(
                header=await roadmap_header(actor, slug),
                rows=await queries.list_jalons(slug),
                margins=await load_margins(slug, today),
            )

        self.run_query(load, self.show_data, name="jalons")

    @property
    def today(self) -> date:
        return self.roadmap_app.today  # type: ignore[no-any-return]

    def show_data(self, data: JalonsData) -> None:
        self.data = data
        header = data.header
        self.query_one("#jalons-title", Static).update(
            f"Jalons — {header.title} · horizon {date_fr(header.horizon)}"
            + baseline_label(self.baseline)
        )
        timeline = self.query_one(Timeline)
        timeline.today = self.today
        timeline.horizon = header.horizon
        ghosts = self.baseline.jalon_dates if self.baseline else {}
        timeline.marks = tuple(
            Mark(r.ref, r.current_date, r.status.value, r.planned_date, ghosts.get(r.ref))
            for r in data.rows
        )
        table = self.query_one("#jalons-table", DataTable)
        keep = self.selected_ref
        table.clear()
        for row in data.rows:
            table.add_row(
                date_fr(row.current_date),
                row.ref,
                shorten(row.title, self.title_width),
                shorten(row.kind.label, 14),
                row.status.label,
                slip_text(row.slip_days),
                data.margins.text(row.ref),
                key=row.ref,
            )
        if not data.rows:
            self.query_one("#jalon-detail", Static).update(
                "Aucun jalon pour l'instant : « n » en crée un (COPIL, atelier, journée sprint…)."
            )
            return
        refs = [r.ref for r in data.rows]
        table.move_cursor(row=refs.index(keep) if keep in refs else 0)
        self.load_detail(refs[table.cursor_row])

    @on(DataTable.RowHighlighted, "#jalons-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        # Follow the cursor as it is now: refills post stale highlights of earlier rows.
        table = event.data_table
        if not table.row_count:
            return
        ref = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if ref and ref != self.selected_ref:
            self.load_detail(str(ref))

    @on(DataTable.RowSelected, "#jalons-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_edit()

    def load_detail(self, ref: str) -> None:
        self.selected_ref = ref
        self.query_one(Timeline).selected = ref
        slug = self.slug
        self.run_query(lambda: queries.jalon_detail(slug, ref), self.show_detail, name="detail")
        row = self.current_row()
        releve = self.query_one("#jalon-releve", Static)
        releve.update("")
        if row is not None and row.kind in STEERING:
            self.run_query(
                lambda: rel.list_decisions(slug),
                lambda rows: releve.update(releve_text(row, rows, self.today)),
                name="releve-detail",
                quiet=True,
            )

    def show_detail(self, detail: queries.JalonDetail) -> None:
        self.detail = detail
        self.query_one("#jalon-detail", Static).update(self.detail_text(detail))

    def detail_text(self, detail: queries.JalonDetail) -> Text:
        row = detail.row
        text = Text()
        text.append(f"{row.ref} {row.title}", style="bold")
        text.append(f"  {row.kind.label} · {row.status.label} · le {date_fr(row.current_date)}")
        if row.planned_date != row.current_date:
            text.append(f" (prévu initialement le {date_fr(row.planned_date)})")
        late = self.data.margins.late.get(row.ref) if self.data else None
        if self.baseline is not None:
            then = self.baseline.jalon_dates.get(row.ref)
            moved = (row.current_date - then).days if then else None
            text.append(
                f"\nÀ la référence « {self.baseline.info.name} » : "
                + (f"le {date_fr(then)} ({slip_text(moved) or 'inchangé'})" if then else "absent")
            )
        margin = self.data.margins.text(row.ref) if self.data else ""
        if late:
            text.append(f" · en retard de {late} j (ni tenu ni reporté)", style="bold")
        elif margin:
            text.append(f" · marge {margin}")
        invited = ", ".join(row.invited_services + row.invited_people)
        if invited:
            text.append(f"\nInvités : {invited}")
        if row.depends_on:
            text.append(f"\nAttend : {', '.join(row.depends_on)}")
        if detail.dependents:
            text.append(f"\nFait attendre : {', '.join(detail.dependents)}")
        text.append("\nAjustements d'itinéraire", style="bold")
        if not detail.adjustments:
            text.append(" : aucun (« d » pour ajuster avec un motif)")
        if detail.adjustments:
            text.append("\n")
            text.append_text(history_text(detail.adjustments, with_field=False))
        return text

    def current_row(self) -> queries.JalonRow | None:
        if self.data is None or self.selected_ref is None:
            return None
        return next((r for r in self.data.rows if r.ref == self.selected_ref), None)

    def chosen_row(self) -> queries.JalonRow | None:
        """The selected jalon, or None after saying to choose one first."""
        row = self.current_row()
        if row is None:
            self.notify("choisissez d'abord un jalon dans la liste", severity="warning")
        return row

    # --- writing -------------------------------------------------------------------------

    def action_create(self) -> None:
        slug = self.slug
        self.run_query(lambda: queries.choices(slug), self._open_create, name="choices")

    def _open_create(self, choices: queries.FormChoices) -> None:
        actor, slug = self.actor, self.slug

        async def submit(values: Values) -> str:
            saved = await uc.add_jalon(actor, slug, _jalon_input(values))
            self._warn(saved.warnings)
            return saved.ref

        form = FormModal(
            "Nouveau jalon",
            _jalon_fields(choices, None),
            submit,
            save_label="Créer",
            check=self.may(Capability.EDIT),
        )
        open_form(self, form, self._written)

    def action_edit(self) -> None:
        row = self.chosen_row()
        if row is None:
            return
        slug = self.slug
        self.run_query(
            lambda: queries.choices(slug), lambda c: self._open_edit(c, row), name="choices"
        )

    def _open_edit(self, choices: queries.FormChoices, row: queries.JalonRow) -> None:
        actor, slug = self.actor, self.slug

        async def submit(values: Values) -> str:
            data = _jalon_input({**values, "date": row.current_date})
            outcome = await uc.edit_jalon(actor, slug, row.ref, values["_version"], data)
            self._warn(outcome.warnings)
            return row.ref

        async def reload() -> tuple[Values, int]:
            stored = await stored_jalon(slug, row.ref)
            return jalon_values(stored), stored.version

        form = FormModal(
            f"Modifier {row.ref} — {row.title}",
            _jalon_fields(choices, row),
            submit,
            intro=f"Le {date_fr(row.current_date)} : pour changer la date, "
            "« d » Ajuster l'itinéraire (avec un motif).",
            check=self.may(Capability.EDIT),
            reload=reload,
            version=row.version,
        )
        open_form(self, form, self._written)

    def action_reroute(self) -> None:
        row = self.chosen_row()
        if row is None:
            return
        actor, slug = self.actor, self.slug
        margins = self.data.margins if self.data else None

        async def reload() -> tuple[Values, int]:
            stored = await stored_jalon(slug, row.ref)
            return {"new_date": date_fr(stored.current_date)}, stored.version

        async def submit(values: Values) -> str:
            outcome = await uc.move_jalon(
                actor,
                slug,
                row.ref,
                values["_version"],
                values["new_date"],
                values["reason"],
                values["kind"],
                shift_dependents=wants_shift(values),
            )
            message, severity = outcome_message(row.ref, outcome)
            self.notify(message, title="Itinéraire ajusté", severity=severity, timeout=8)
            return row.ref

        intro = f"Actuellement le {date_fr(row.current_date)}"
        if row.planned_date != row.current_date:
            intro += f" (prévu initialement le {date_fr(row.planned_date)})"
        modal = FormModal(
            f"Ajuster l'itinéraire — {row.ref} {row.title}",
            [
                FormField(
                    "new_date",
                    "Nouvelle date",
                    "date",
                    aliases=("nouvelle date", "date"),
                ),
                *itinerary_fields(
                    "pourquoi ce jalon bouge (obligatoire)",
                    kind_hint="contrainte subie, ou opportunité saisie",
                ),
            ],
            submit,
            intro=intro + ".",
            save_label="Ajuster",
            preview=lambda values: reroute_preview(margins, row, values),
            check=self.may(Capability.EDIT),
            reload=reload,
            version=row.version,
        )
        open_form(self, modal, self._written)

    def action_status(self) -> None:
        row = self.chosen_row()
        if row is None:
            return
        actor, slug = self.actor, self.slug

        async def submit(values: Values) -> str:
            await uc.set_jalon_status(actor, slug, row.ref, values["_version"], values["status"])
            chosen["status"] = values["status"]
            return row.ref

        async def reload() -> tuple[Values, int]:
            stored = await stored_jalon(slug, row.ref)
            return {"status": stored.status.value}, stored.version

        chosen: dict[str, str] = {}

        def written(ref: str | None) -> None:
            self._written(ref)
            held = ref and chosen.get("status") == JalonStatus.TENU.value
            if held and row.kind in STEERING and row.status != JalonStatus.TENU:
                offer_baseline(self, slug, row, self.action_reload)

        form = FormModal(
            f"Statut — {row.ref} {row.title}",
            [
                FormField(
                    "status",
                    "Statut",
                    "select",
                    value=row.status.value,
                    options=[(s.label, s.value) for s in JalonStatus],
                    aliases=("statut",),
                )
            ],
            submit,
            check=self.may(Capability.EDIT),
            reload=reload,
            version=row.version,
        )
        open_form(self, form, written)

    # --- COPIL: relevé de décisions, baseline beside the plan ------------------------------

    def action_releve(self) -> None:
        row = self.chosen_row()
        if row is None:
            return
        if row.kind not in STEERING or row.status != JalonStatus.TENU:
            self.notify(
                "un relevé de décisions suit un COPIL ou un COTECH tenu (« s » pour le statut)",
                severity="warning",
            )
            return
        slug = self.slug
        self.run_query(
            lambda: queries.choices(slug),
            lambda c: open_releve(self, slug, row, c, self.action_reload),
            name="choices",
        )

    def action_toggle_baseline(self) -> None:
        if self.baseline is not None:
            self.baseline = None
            if self.data:
                self.show_data(self.data)
            return
        self._show_baseline(None)

    def action_pick_baseline(self) -> None:
        pick_baseline(self, self.slug, self._show_baseline)

    def _show_baseline(self, name: str | None) -> None:
        slug = self.slug

        def show(dates: BaselineDates | None) -> None:
            if dates is None:
                self.notify(
                    "aucune référence : marquez un COPIL « Tenu » (touche s) pour figer le plan",
                    severity="warning",
                )
                return
            self.baseline = dates
            if self.data:
                self.show_data(self.data)

        self.run_query(lambda: baseline_dates(slug, name), show, name="baseline")

    def _warn(self, warnings: tuple[str, ...]) -> None:
        for warning in warnings[:3]:
            self.notify(warning, title="Dépendance contredite", severity="warning", timeout=10)

    def _written(self, ref: str | None) -> None:
        if ref:
            self.selected_ref = ref
            self.notify(f"jalon {ref} enregistré", title="Enregistré")
        self.action_reload()


def releve_text(row: queries.JalonRow, decisions: list[rel.ReleveRow], today: date) -> Text:
    """A held COPIL's relevé; for the next one, what is still open from earlier ones."""
    if row.status == JalonStatus.TENU:
        own = [d for d in decisions if d.jalon_ref == row.ref]
        title = f"Relevé de décisions ({len(own)})"
        hint = " : aucune (« l » pour en noter)" if not own else " — « l » pour le suivre"
    else:
        own = [d for d in decisions if not d.done and d.jalon_date < row.current_date]
        title = f"À relire à ce {row.kind.label} : décisions ouvertes ({len(own)})"
        hint = " : aucune" if not own else ""
    text = Text()
    text.append(title, style="bold")
    text.append(hint)
    for d in own[:6]:
        who = d.carrier_name or d.carrier_login or "porteur non désigné"
        text.append(f"\n  {'✓' if d.done else '○'} {d.ref} {d.text} · {who} · {d.standing(today)}")
    return text


def reroute_preview(margins: MarginView | None, row: queries.JalonRow, values: Values) -> Text:
    """The impact of the typed new date, shown before the re-routing is confirmed."""
    try:
        new_date = parse_date(values.get("new_date"), "nouvelle date")
    except ValidationError:
        return Text("Impact : saisissez une date valide (AAAA-MM-JJ ou JJ/MM/AAAA).")
    if new_date is None:
        return Text("Impact : saisissez la nouvelle date pour le voir avant de confirmer.")
    return impact_text(
        margins,
        "jalon",
        row.ref,
        row.current_date,
        new_date,
        new_date,
        shift_dependents=wants_shift(values),
    )


def _jalon_fields(choices: queries.FormChoices, row: queries.JalonRow | None) -> list[FormField]:
    fields = [
        FormField("title", "Titre", value=row.title if row else "", aliases=("titre",)),
    ]
    if row is None:
        fields.append(FormField("date", "Date", "date", aliases=("date",)))
    others = [c for c in choices.actions + choices.jalons if not row or c.key != row.ref]
    fields += [
        FormField(
            "kind",
            "Type",
            "select",
            value=row.kind.value if row else JalonKind.COPIL.value,
            options=[(k.label, k.value) for k in JalonKind],
            aliases=("type de jalon",),
        ),
        FormField("description", "Description", "area", value=row.description if row else ""),
        FormField(
            "services",
            "Services invités",
            "multi",
            value=row.invited_services if row else (),
            options=[(c.label, c.key) for c in choices.services],
            aliases=("services invités",),
        ),
        FormField(
            "people",
            "Personnes invitées",
            "multi",
            value=row.invited_people if row else (),
            options=[(c.label, c.key) for c in choices.people],
            aliases=("personnes invitées",),
        ),
        FormField(
            "depends_on",
            "Attend (actions, jalons)",
            "multi",
            value=row.depends_on if row else (),
            options=[(c.label, c.key) for c in others],
            aliases=("dépendances", "dépendance"),
        ),
    ]
    return fields


async def stored_jalon(slug: str, ref: str) -> queries.JalonRow:
    """The jalon as stored now (after a conflict: the other person's version)."""
    return next(r for r in await queries.list_jalons(slug) if r.ref == ref)


def jalon_values(row: queries.JalonRow) -> Values:
    """A stored jalon as the edit form's fields hold it."""
    return {
        "title": row.title,
        "kind": row.kind.value,
        "description": row.description,
        "services": sorted(row.invited_services),
        "people": sorted(row.invited_people),
        "depends_on": sorted(row.depends_on),
    }


def _jalon_input(values: dict[str, Any]) -> uc.JalonInput:
    return uc.JalonInput(
        title=values["title"],
        date=values.get("date"),
        kind=values["kind"] or JalonKind.AUTRE.value,
        description=values["description"],
        invited_services=list(values["services"]),
        invited_people=list(values["people"]),
        depends_on=list(values["depends_on"]),
    )
