"""Observations: indicators with their dated values, and qualitative ("sensible") records.

The cercle élargi may add a value or a record (shared moments to update the observation
data); creating or editing an indicator is the trinôme's (or the direction's).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from roadmap.domain.permissions import Capability
from roadmap.tui.format import date_fr, shorten
from roadmap.tui.screens.base import RoadmapScreen
from roadmap.tui.screens.declared_form import FormField, FormModal, Values
from roadmap.tui.screens.form import open_form
from roadmap.tui.widgets.footer import FittedFooter
from roadmap.tui.widgets.sparkline import sparkline_text, trend_text
from roadmap.usecases import observations as uc
from roadmap.usecases import queries, removal
from roadmap.usecases.queries_team import RoadmapHeader, roadmap_header


@dataclass
class ObservationsData:
    header: RoadmapHeader
    indicators: list[queries.IndicatorRow]
    records: list[queries.RecordRow]
    axes: tuple[queries.Choice, ...]


PLOT_ROWS = 4


def value_bars(values: list[Decimal], width: int) -> list[str]:
    """Horizontal bars from zero, scaled to the largest value, padded to ``width``."""
    top = max((abs(v) for v in values), default=Decimal(0))
    if not top:
        return ["".ljust(width) for _ in values]
    return [("█" * max(1, round(abs(v) / top * width))).ljust(width) for v in values]


def number(value: Decimal | float) -> str:
    """French decimal comma, no trailing zeros: 12,5."""
    return format(Decimal(str(value)).normalize(), "f").replace(".", ",")


class ObservationsScreen(RoadmapScreen):
    """Indicators and qualitative records; keys: v value, n record, c new indicator,
    e edit the highlighted indicator (its values never change)."""

    SCREEN_ID = "observations"
    TITLE = "Observations"
    BINDINGS = [
        Binding("v", "add_value", "Ajouter une valeur"),
        Binding("n", "add_record", "Observation sensible"),
        Binding("c", "create_indicator", "Nouvel indicateur"),
        Binding("e", "edit_indicator", "Modifier l'indicateur"),
        Binding("ctrl+r", "reload", "Actualiser"),
    ]

    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.data: ObservationsData | None = None
        self.selected_ref: str | None = None

    def compose(self) -> ComposeResult:
        yield Static("Observations", id="observations-title", classes="screen-title")
        yield DataTable(id="indicators-table", cursor_type="row", zebra_stripes=True)
        with Vertical(id="indicator-detail"):
            yield Static("", id="indicator-values")
        yield Static("Observations sensibles", id="records-title")
        yield DataTable(id="records-table", cursor_type="row", zebra_stripes=True)
        yield FittedFooter()

    def on_mount(self) -> None:
        width = self.app.size.width
        indicators = self.query_one("#indicators-table", DataTable)
        indicators.add_column("Réf", key="ref", width=3)
        indicators.add_column("Indicateur", key="name", width=max(16, width - 58))
        indicators.add_column("Dernière", key="last", width=12)
        indicators.add_column("Le", key="date", width=10)
        indicators.add_column("Évolution", key="spark", width=12)
        indicators.add_column("", key="trend", width=1)
        indicators.add_column("Axe", key="axe", width=4)
        records = self.query_one("#records-table", DataTable)
        records.add_column("Date", key="date", width=10)
        records.add_column("Source", key="source", width=16)
        records.add_column("Axe", key="axe", width=4)
        records.add_column("Observation", key="text", width=max(16, width - 51))
        records.add_column("Auteur", key="author", width=9)
        indicators.focus()
        self.action_reload()

    def action_reload(self) -> None:
        actor, slug = self.actor, self.slug

        async def load() -> ObservationsData:
            return ObservationsData(
                header=await roadmap_header(actor, slug),
                indicators=await queries.indicators(slug),
                records=await queries.records(slug),
                axes=(await queries.choices(slug)).axes,
            )

        self.run_query(load, self.show_data, name="observations")

    def show_data(self, data: ObservationsData) -> None:
        self.data = data
        self.query_one("#observations-title", Static).update(f"Observations — {data.header.title}")
        table = self.query_one("#indicators-table", DataTable)
        table.clear()
        for ind in data.indicators:
            values = [v.value for v in ind.values]
            last = ind.values[-1] if ind.values else None
            table.add_row(
                ind.ref,
                ind.name,
                f"{number(last.value)} {ind.unit}".strip() if last else "—",
                date_fr(last.observed_on) if last else "",
                sparkline_text(values, 12),
                trend_text(values),
                ind.axe_ref,
                key=ind.ref,
            )
        refs = [i.ref for i in data.indicators]
        if refs:
            keep = self.selected_ref if self.selected_ref in refs else refs[0]
            table.move_cursor(row=refs.index(keep))
            self.show_indicator(keep)
        else:
            self.query_one("#indicator-values", Static).update(
                "Aucun indicateur : « c » en crée un (trinôme)."
            )
        records = self.query_one("#records-table", DataTable)
        records.clear()
        for number_, rec in enumerate(data.records):
            records.add_row(
                date_fr(rec.observed_on),
                shorten(rec.source, 16),
                rec.axe_ref,
                shorten(rec.text, 200),
                rec.author,
                key=str(number_),
            )

    @on(DataTable.RowHighlighted, "#indicators-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value:
            self.show_indicator(str(event.row_key.value))

    @on(DataTable.RowHighlighted, "#records-table")
    def _record_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # The detail panel follows the focused list: the full text of a long record.
        if self.data is None or not self.query_one("#records-table").has_focus:
            return
        record = self.data.records[int(str(event.row_key.value))]
        text = Text()
        text.append(f"{date_fr(record.observed_on)} · {record.source or 'sans source'}", "bold")
        text.append(f" · {record.author}\n{record.text}")
        self.query_one("#indicator-values", Static).update(text)

    @on(DataTable.RowHighlighted, "#indicators-table")
    def _back_to_indicator(self) -> None:
        if self.selected_ref:
            self.show_indicator(self.selected_ref)

    def on_descendant_focus(self) -> None:
        focused = self.focused
        table = self.query_one("#records-table", DataTable)
        if focused is table and table.row_count:
            table.move_cursor(row=table.cursor_row)  # re-posts RowHighlighted
        elif focused is self.query_one("#indicators-table") and self.selected_ref:
            self.show_indicator(self.selected_ref)

    def show_indicator(self, ref: str) -> None:
        self.selected_ref = ref
        indicator = self.current_indicator()
        if indicator is None:
            return
        values = indicator.values
        text = Text()
        text.append(f"{indicator.ref} {indicator.name}", style="bold")
        if indicator.unit:
            text.append(f" ({indicator.unit})")
        if not values:
            text.append(" — pas encore de valeur : « v » pour en ajouter une")
        shown = values[-PLOT_ROWS:]
        if len(values) > PLOT_ROWS:
            text.append(f" · {PLOT_ROWS} dernières valeurs sur {len(values)}")
        for value, bar in zip(shown, value_bars([v.value for v in shown], 24), strict=True):
            comment = f" — {value.comment}" if value.comment else ""
            text.append(f"\n  {date_fr(value.observed_on)} ")
            text.append(bar, style="bold")
            text.append(f" {number(value.value)} {indicator.unit}{comment} ({value.author})")
        self.query_one("#indicator-values", Static).update(text)

    def current_indicator(self) -> queries.IndicatorRow | None:
        if self.data is None:
            return None
        return next((i for i in self.data.indicators if i.ref == self.selected_ref), None)

    # --- writing -------------------------------------------------------------------------

    def action_add_value(self) -> None:
        if self.data is None or not self.data.indicators:
            self.notify("aucun indicateur : créez-en un d'abord (c)", severity="warning")
            return
        actor, slug = self.actor, self.slug
        today = self.roadmap_app.today

        async def submit(values: Values) -> str:
            await uc.add_indicator_value(
                actor, slug, values["indicator"], values["date"], values["value"], values["comment"]
            )
            return str(values["indicator"])

        open_form(
            self,
            FormModal(
                "Ajouter une valeur",
                [
                    FormField(
                        "indicator",
                        "Indicateur",
                        "select",
                        value=self.selected_ref or "",
                        options=[(f"{i.ref} {i.name}", i.ref) for i in self.data.indicators],
                        aliases=("indicateur",),
                    ),
                    FormField("date", "Date d'observation", "date", value=date_fr(today)),
                    FormField("value", "Valeur", placeholder="ex. 12,5", aliases=("valeur",)),
                    FormField("comment", "Commentaire", placeholder="facultatif"),
                ],
                submit,
                save_label="Ajouter",
                check=self.may(Capability.OBSERVE),
            ),
            self._value_added,
        )

    def _value_added(self, ref: str | None) -> None:
        if ref:
            self.selected_ref = ref
            self.notify(f"valeur ajoutée à {ref}", title="Observation")
        self.action_reload()

    def action_add_record(self) -> None:
        actor, slug = self.actor, self.slug
        today = self.roadmap_app.today
        axes = self.data.axes if self.data else ()

        async def submit(values: Values) -> str:
            await uc.add_record(
                actor, slug, values["date"], values["text"], values["source"], values["axe"] or None
            )
            return "ok"

        open_form(
            self,
            FormModal(
                "Observation sensible",
                [
                    FormField("date", "Date", "date", value=date_fr(today)),
                    FormField(
                        "source",
                        "Source",
                        placeholder="atelier, terrain, habitants, partenaire…",
                        aliases=("source",),
                    ),
                    FormField(
                        "axe",
                        "Axe (facultatif)",
                        "select",
                        options=[(f"{a.key} {a.label}", a.key) for a in axes],
                        aliases=("axe",),
                    ),
                    FormField("text", "Ce qui a été observé", "area", aliases=("observation",)),
                ],
                submit,
                intro="Ce que les chiffres ne disent pas : paroles d'habitants, constats de "
                "terrain, signaux faibles.",
                save_label="Ajouter",
                check=self.may(Capability.OBSERVE),
            ),
            self._record_added,
        )

    def _record_added(self, result: str | None) -> None:
        if result:
            self.notify("observation sensible enregistrée", title="Observation")
        self.action_reload()

    def action_create_indicator(self) -> None:
        actor, slug = self.actor, self.slug
        axes = self.data.axes if self.data else ()

        async def submit(values: Values) -> str:
            return await uc.create_indicator(
                actor,
                slug,
                values["name"],
                values["unit"],
                values["axe"] or None,
                values["description"],
            )

        open_form(
            self,
            FormModal(
                "Nouvel indicateur",
                [
                    FormField("name", "Nom", aliases=("nom de l'indicateur",)),
                    FormField("unit", "Unité", placeholder="ex. %, repas/jour", aliases=("unité",)),
                    FormField(
                        "axe",
                        "Axe (facultatif)",
                        "select",
                        options=[(f"{a.key} {a.label}", a.key) for a in axes],
                        aliases=("axe",),
                    ),
                    FormField("description", "Description", "area"),
                ],
                submit,
                save_label="Créer",
                check=self.may(Capability.EDIT),
            ),
            self._value_added,
        )

    def action_edit_indicator(self) -> None:
        indicator = self.current_indicator()
        if indicator is None:
            self.notify("aucun indicateur : créez-en un d'abord (c)", severity="warning")
            return
        actor, slug = self.actor, self.slug
        axes = self.data.axes if self.data else ()

        async def submit(values: Values) -> str:
            await removal.edit_indicator(
                actor,
                slug,
                indicator.ref,
                indicator.version,
                removal.IndicatorInput(
                    values["name"], values["unit"], values["axe"] or None, values["description"]
                ),
            )
            return indicator.ref

        self.app.push_screen(
            FormModal(
                f"Modifier l'indicateur {indicator.ref}",
                [
                    FormField(
                        "name", "Nom", value=indicator.name, aliases=("nom de l'indicateur",)
                    ),
                    FormField("unit", "Unité", value=indicator.unit, aliases=("unité",)),
                    FormField(
                        "axe",
                        "Axe (facultatif)",
                        "select",
                        value=indicator.axe_ref,
                        options=[(f"{a.key} {a.label}", a.key) for a in axes],
                        aliases=("axe",),
                    ),
                    FormField("description", "Description", "area", value=indicator.description),
                ],
                submit,
                intro="Les valeurs déjà relevées ne changent pas ; chaque champ modifié est "
                "noté au journal.",
                save_label="Enregistrer",
            ),
            self._indicator_edited,
        )

    def _indicator_edited(self, ref: str | None) -> None:
        if ref:
            self.selected_ref = ref
            self.notify(f"indicateur {ref} modifié", title="Observation")
        self.action_reload()
