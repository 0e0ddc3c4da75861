"""Actions: every action of the roadmap; sort, filter, search, create, edit, change status.

The table only paints the visible rows (``VirtualTable``), so 5,000 actions stay smooth.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Input, Select, Static

from roadmap import formatting as fr
from roadmap.domain.enums import ActionStatus
from roadmap.tui import heap
from roadmap.tui.format import date_fr, shorten
from roadmap.tui.screens.base import RoadmapScreen
from roadmap.tui.widgets.footer import FittedFooter
from roadmap.tui.widgets.virtual_table import Column, VirtualTable
from roadmap.usecases.action_rows import ActionRow

if TYPE_CHECKING:  # loaded with the reads: Tortoise may still be loading (issue 15)
    from roadmap.usecases.baselines import BaselineDates
    from roadmap.usecases.queries import FormChoices

ALL = "*"
STATUS_TONES = {
    ActionStatus.BLOQUEE: "error",
    ActionStatus.TERMINEE: "success",
    ActionStatus.ABANDONNEE: "muted",
    ActionStatus.IDEE: "muted",
    ActionStatus.EN_COURS: "accent",
}


def _short_date(value: date | None) -> str:
    # As strftime("%d/%m/%y"), 3x faster: two per row painted (issue 15).
    return f"{value.day:02d}/{value.month:02d}/{value.year % 100:02d}" if value else ""


def _date_key(value: date | None) -> date:
    return value or date.max


STATUS_RANK = {status: rank for rank, status in enumerate(ActionStatus)}


class ActionsScreen(RoadmapScreen):
    SCREEN_ID = "actions"
    TITLE = "Actions"
    LIVE_REFRESH = True
    BINDINGS = [
        Binding("n", "create", "Nouvelle"),
        Binding("enter", "edit", "Modifier"),
        Binding("s", "status", "Statut"),
        Binding("d", "reroute", "Ajuster l'itinéraire"),
        Binding("g", "engagements", "Engagements", show=False),
        Binding("c", "comment", "Commenter"),
        Binding("slash", "search", "Rechercher", key_display="/"),
        Binding("t", "sort", "Trier"),
        Binding("T", "reverse", "Inverser", show=False),
        Binding("f", "filters", "Filtres", show=False),
        Binding("v", "toggle_baseline", "Écart réf."),
        Binding("p", "pick_baseline", "Choisir la référence", show=False),
        Binding("ctrl+r", "reload", "Actualiser", show=False),
        Binding("ctrl+x", "clear_filters", "Tout afficher", show=False),
    ]

    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.margins: dict[str, int | None] = {}
        self.form_choices: FormChoices | None = None
        self.loaded = False
        self.baseline: BaselineDates | None = None  # « Écart » column when set
        self._table: VirtualTable[ActionRow] | None = None
        self._selects: dict[str, Select[str]] = {}  # mounted after the first rows
        self._search: Input | None = None
        self._title: Static | None = None

    # --- layout -----------------------------------------------------------------------------

    def _columns(self) -> list[Column[ActionRow]]:
        def margin(row: ActionRow) -> str:
            value = self.margins.get(row.ref)
            return "" if value is None else f"{value}j"

        def margin_key(row: ActionRow) -> int:
            value = self.margins.get(row.ref)
            return 10**9 if value is None else value

        def margin_tone(row: ActionRow) -> str:
            value = self.margins.get(row.ref)
            return (
                "" if value is None else "error" if value < 0 else "warning" if value < 15 else ""
            )

        def ref_key(row: ActionRow) -> tuple[int, str]:
            digits = row.ref[1:]
            return (int(digits), row.ref) if digits.isdigit() else (10**9, row.ref)

        columns = [
            Column("axe", "Axe", lambda r: r.axe_ref, 4),
            Column("ref", "Réf", lambda r: r.ref, 5, sort_key=ref_key),
            Column("title", "Titre", lambda r: r.title, 16, flex=True,
                   sort_key=lambda r: r.title.lower()),
            Column("pilot", "Pilote", lambda r: r.pilot_code, 9),
            Column("owner", "Responsable", lambda r: r.owner_name or "—", 11,
                   sort_key=lambda r: r.owner_name.lower() or "\uffff"),
            Column("status", "Statut", lambda r: r.status.label, 10,
                   sort_key=lambda r: STATUS_RANK[r.status],
                   tone=lambda r: STATUS_TONES.get(r.status, "")),
            Column("start", "Début", lambda r: _short_date(r.start_date), 8,
                   sort_key=lambda r: _date_key(r.start_date), hide_below=96),
            Column("end", "Fin", lambda r: _short_date(r.end_date), 8,
                   sort_key=lambda r: _date_key(r.end_date)),
            Column("margin", "Marge", margin, 5, sort_key=margin_key, tone=margin_tone,
                   align_right=True),
        ]  # fmt: skip
        if self.baseline is not None:
            columns.insert(-1, self._variance_column(self.baseline))
        return columns

    @staticmethod
    def _variance_column(dates: BaselineDates) -> Column[ActionRow]:
        """Days between the end now and at the baseline: + late, - early, « nouv. » added."""

        def days(row: ActionRow) -> int | None:
            return dates.variance(row.ref, row.end_date)

        def text(row: ActionRow) -> str:
            from roadmap.tui.screens.copil import variance_text

            return "nouv." if row.ref not in dates.action_ends else variance_text(days(row))

        def tone(row: ActionRow) -> str:
            value = days(row)
            return "error" if value and value > 0 else "success" if value and value < 0 else ""

        return Column(
            "variance", "Écart", text, 6, align_right=True, tone=tone,
            sort_key=lambda r: -(10**9) if days(r) is None else -days(r),  # type: ignore[operator]
        )  # fmt: skip

    def action_toggle_baseline(self) -> None:
        if self.baseline is not None:
            self._set_baseline(None)
            return
        self._load_baseline(None)

    def action_pick_baseline(self) -> None:
        from roadmap.tui.screens.copil import pick_baseline

        pick_baseline(self, self.slug, self._load_baseline)

    def _load_baseline(self, name: str | None) -> None:
        slug = self.slug

        def show(dates: BaselineDates | None) -> None:
            if dates is None:
                self.notify(
                    "aucune référence : marquez un COPIL « Tenu » (écran Jalons) pour figer "
                    "le plan",
                    severity="warning",
                )
                return
            self._set_baseline(dates)

        from roadmap.usecases.baselines import baseline_dates

        self.run_query(lambda: baseline_dates(slug, name), show, name="baseline")

    def _set_baseline(self, dates: BaselineDates | None) -> None:
        self.baseline = dates
        table = self.table
        table.columns = self._columns()
        table.forget_keys()  # the variance column's order depends on the baseline
        table._update_virtual_size()
        table.refresh()
        self._update_title()

    def compose(self) -> ComposeResult:
        yield Static(f"Actions — {self.slug}", id="actions-title", classes="screen-title")
        with Horizontal(id="actions-filters"):
            yield Input(placeholder="/ rechercher (réf., titre, personne, service)", id="search")
        yield VirtualTable[ActionRow](
            self._columns(),
            row_key=lambda r: r.ref,
            search_text=lambda r: f"{r.ref} {r.title} {r.owner_name} {r.pilot_code}",
            empty_text="chargement des actions…",
            id="actions-table",
        )
        yield Static("", id="action-detail")
        # The Footer (one widget per key) comes once the first rows are painted: it costs
        # as much to mount as the rest of the screen (issue 15, rows ≤ 0.1 s after the key).

    @property
    def table(self) -> VirtualTable[ActionRow]:
        # Found once: a DOM query per keystroke costs as much as the search itself.
        if self._table is None:
            self._table = self.query_one("#actions-table", VirtualTable)
        return self._table

    def on_mount(self) -> None:
        self.table.focus()
        # Read at once: a screenful is asked first, so the rows come with the first frames.
        self.action_reload()

    def on_unmount(self) -> None:
        heap.release()  # frozen after the load: the rows can be collected once gone

    # --- data ---------------------------------------------------------------------------------

    def action_reload(self, keep: str | None = None) -> None:
        if not self.loaded:
            # A screenful first, so the rows show at once whatever the roadmap's size
            # (issue 15); the whole list follows and keeps the cursor, sort and filters.
            def first(rows: list[ActionRow]) -> None:
                if not self.loaded and rows and not self.table.rows:
                    self.table.set_rows(rows, keep=keep)
                self.call_after_refresh(self._after_first_rows, keep)

            page = max(self.app.size.height, 24) + 10
            path, slug = self.roadmap_app.quick_file(), self.slug
            if path is None:
                self._first_page(page, first)
                return
            from roadmap.usecases.action_rows import read_first

            # Tortoise still loading (quick start): the same rows read with plain sqlite3.
            def quick(rows: list[ActionRow] | None) -> None:
                if rows is None:  # no answer there: the ORM's read tells what is wrong
                    self._first_page(page, first)
                else:
                    first(rows)

            self.run_query(
                lambda: asyncio.to_thread(read_first, path, slug, page),
                quick,
                name="first-quick",
                needs_database=False,
            )
            return
        self._load_all(keep)

    def _first_page(self, page: int, then: Any) -> None:
        self.run_query(lambda: self._actions(page), then, name="first")

    async def _actions(self, limit: int | None = None) -> list[ActionRow]:
        # Imported with the read, not the screen: Tortoise may still be loading (issue 15).
        from roadmap.usecases.queries import list_actions

        return await list_actions(self.slug, limit=limit)

    async def _after_first_rows(self, keep: str | None) -> None:
        if not self.query(Footer):
            await self.mount(FittedFooter())
            self.refresh_bindings()  # a Footer mounted late fills itself on this signal
        self.call_after_refresh(self._load_all, keep)

    def _load_all(self, keep: str | None = None) -> None:
        def show(rows: list[ActionRow]) -> None:
            first = not self.loaded
            self.loaded = True
            self.table.empty_text = (
                "aucune action ne correspond (ctrl+x pour tout afficher)"
                if rows
                else "aucune action pour l'instant : touche n pour en créer une"
            )
            self.table.set_rows(rows, keep=keep)
            # First search and sorts computed ahead, between frames; then the rows and all
            # that is long-lived are kept out of the collector's full passes (heap.py).
            self.table.warm(on_done=heap.freeze)
            self._update_title()
            # The extras wait for the rows to be on screen: the table comes first.
            self.call_after_refresh(self._load_extras, first)

        self.run_query(self._actions, show, name="actions")

    def _load_extras(self, with_filters: bool) -> None:
        if with_filters:
            self._mount_filters()

            async def choices() -> FormChoices:
                from roadmap.usecases.queries import choices

                return await choices(self.slug)

            self.run_query(choices, self._fill_filters, name="choices")
        self.load_margins()

    def _mount_filters(self) -> None:
        """The four filter lists, once the rows are on screen: they cost as much to mount
        as the rest of the screen (measured: half the time to the first rows, issue 15).
        Not on a screen being left: a Select mounted there loses its overlay and fails."""
        if self._selects or not self.is_current:
            return
        self._selects = {
            "#f-axe": Select[str]([], prompt="Axe", id="f-axe"),
            "#f-status": Select[str](
                [(s.label, s.value) for s in ActionStatus], prompt="Statut", id="f-status"
            ),
            "#f-owner": Select[str]([], prompt="Personne", id="f-owner"),
            "#f-service": Select[str]([], prompt="Service", id="f-service"),
        }
        self.query_one("#actions-filters", Horizontal).mount(*self._selects.values())

    def load_margins(self) -> None:
        async def margins() -> dict[str, int | None]:
            from roadmap.graph import margins_for_roadmap

            return await margins_for_roadmap(self.slug, self.roadmap_app.today)

        def show(result: dict[str, int | None]) -> None:
            self.margins = result
            self.table.forget_keys("margin")
            # Its orders made again, then frozen with networkx, loaded meanwhile (heap.py).
            self.table.warm(on_done=heap.freeze)
            self.table.refresh()

        # No refusal notification for a missing analysis: the column just stays blank.
        self.run_query(margins, show, name="margins", quiet=True)

    def _fill_filters(self, choices: FormChoices) -> None:
        self.form_choices = choices
        self.query_one("#f-axe", Select).set_options(
            (shorten(c.label, 40), c.key) for c in choices.axes
        )
        self.query_one("#f-owner", Select).set_options((c.label, c.key) for c in choices.people)
        self.query_one("#f-service", Select).set_options((c.label, c.key) for c in choices.services)

    def _update_title(self) -> None:
        table = self.table
        shown, total = len(table.view), len(table.rows)
        count = fr.plural(total, "action") if shown == total else f"{shown} sur {total} actions"
        if table.searching:  # a long search shows its first hits; the count comes next
            count = f"recherche dans {fr.plural(total, 'action')}…"
        if self._title is None:
            self._title = self.query_one("#actions-title", Static)
        # One docked line whatever its text: no layout pass on each keystroke.
        text = f"Actions — {self.slug} · {count}"
        if self.baseline is not None:
            from roadmap.tui.screens.copil import baseline_label

            text += baseline_label(self.baseline)
        self._title.update(text, layout=False)

    # --- filter, search, sort ----------------------------------------------------------------

    def _search_box(self) -> Input:
        if self._search is None:
            self._search = self.query_one("#search", Input)
        return self._search

    def _select_value(self, selector: str) -> str | None:
        select = self._selects.get(selector)
        value = select.value if select is not None else None  # not mounted yet: no filter
        return value if isinstance(value, str) else None

    @on(Input.Changed, "#search")
    @on(Select.Changed)
    def apply_filters(self) -> None:
        needle = self._search_box().value.strip().lower()
        axe = self._select_value("#f-axe")
        status = self._select_value("#f-status")
        owner = self._select_value("#f-owner")
        service = self._select_value("#f-service")
        if not (needle or axe or status or owner or service):
            self.table.set_filter(None)
            self._update_title()
            return

        def keep(row: ActionRow) -> bool:
            if axe and row.axe_ref != axe:
                return False
            if status and row.status != status:
                return False
            if owner and row.owner_login != owner:
                return False
            return not service or row.pilot_code == service or service in row.contributors

        # The search text (ref, title, person, service) is the table's, lower-cased once.
        self.table.set_filter(keep if (axe or status or owner or service) else None, needle)
        self._update_title()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    @on(Input.Submitted, "#search")
    def search_done(self) -> None:
        self.table.focus()

    def action_filters(self) -> None:
        self._mount_filters()
        self.call_after_refresh(lambda: self.query_one("#f-axe", Select).focus())

    def action_clear_filters(self) -> None:
        self.query_one("#search", Input).value = ""
        for select in self.query(Select):
            select.clear()
        self.table.set_filter(None)
        self._update_title()

    def action_sort(self) -> None:
        self.table.cycle_sort()

    def action_reverse(self) -> None:
        self.table.sort_by(self.table.sort_column or "ref", not self.table.sort_reverse)

    def action_back(self) -> None:
        # Escape in the search box or a filter goes back to the table first.
        if self.focused is not self.table:
            self.table.focus()
            return
        super().action_back()

    @on(VirtualTable.Searched, "#actions-table")
    def _searched(self) -> None:
        self._update_title()

    @on(VirtualTable.RowHighlighted, "#actions-table")
    def show_detail(self, event: VirtualTable.RowHighlighted) -> None:
        row: ActionRow | None = event.row
        detail = self.query_one("#action-detail", Static)
        if row is None:
            detail.update("", layout=False)  # two fixed lines: no layout pass
            return
        contributors = ", ".join(row.contributors) or "aucun"
        dates = f"du {date_fr(row.start_date) or '?'} au {date_fr(row.end_date) or '?'}"
        detail.update(
            f"{row.ref} {row.title}\n{dates} · {row.axe_title or 'sans axe'} · "
            f"pilote {row.pilot_name} · contributeurs : {contributors}",
            layout=False,
        )

    # --- writes -------------------------------------------------------------------------------

    def action_comment(self) -> None:
        from roadmap.tui.screens.comments import open_comment_form

        row = self.table.current
        open_comment_form(self, row.ref if row else "", self._commented)

    def _commented(self, subject: str | None) -> None:
        if subject:
            self.notify(f"commentaire publié sur {subject}", title="Commentaires")

    @on(VirtualTable.RowSelected, "#actions-table")
    def action_edit(self) -> None:
        row = self.table.current
        if row is not None:
            self._open_form(row.ref)

    def action_create(self) -> None:
        self._open_form(None)

    def _open_form(self, ref: str | None) -> None:
        from roadmap.tui.screens.action_form import ActionFormScreen
        from roadmap.tui.screens.form import open_form
        from roadmap.usecases import queries

        slug = self.slug
        Loaded = tuple[queries.FormChoices, queries.ActionDetail | None]

        async def load() -> Loaded:
            choices = await queries.choices(slug)
            detail = await queries.action_detail(slug, ref) if ref else None
            return choices, detail

        def push(loaded: Loaded) -> None:
            open_form(self, ActionFormScreen(slug, *loaded), self._saved)

        self.run_query(load, push, name="form")

    def _saved(self, ref: str | None) -> None:
        if ref:
            self.action_reload(keep=ref)

    def action_reroute(self) -> None:
        """New dates with their reason, the impact shown before confirming (like a jalon)."""
        from roadmap.usecases.queries_team import load_margins

        row = self.table.current
        if row is None:
            return
        today = self.roadmap_app.today
        self.run_query(
            lambda: load_margins(self.slug, today),
            lambda margins: self._open_reroute(row, margins),
            name="reroute",
        )

    def _open_reroute(self, row: ActionRow, margins: Any) -> None:
        from roadmap.tui.screens.action_reroute import reroute_modal
        from roadmap.tui.screens.form import open_form

        open_form(self, reroute_modal(self.actor, self.slug, row, margins), self._saved)

    def action_engagements(self) -> None:
        """Add, change (amount or ETP) or withdraw what a service commits to the action."""
        from roadmap.tui.screens.action_engagements import engagements_modal
        from roadmap.tui.screens.form import open_form

        row = self.table.current
        if row is None:
            return
        actor, slug = self.actor, self.slug
        from roadmap.usecases import queries

        Loaded = tuple[queries.FormChoices, queries.ActionDetail]

        async def load() -> Loaded:
            return await queries.choices(slug), await queries.action_detail(slug, row.ref)

        def push(loaded: Loaded) -> None:
            choices, detail = loaded
            open_form(self, engagements_modal(actor, slug, detail, choices), self._engaged)

        self.run_query(load, push, name="form")

    def _engaged(self, message: str | None) -> None:
        if message:
            self.notify(message, title="Engagements")

    def action_status(self) -> None:
        from roadmap.domain.permissions import Capability
        from roadmap.tui.screens.status_picker import StatusPickerScreen
        from roadmap.usecases.queries_frame import refusal_for

        row = self.table.current
        if row is None:
            return

        def pick(refused: str) -> None:
            if refused:  # said before choosing, not after
                self.notify(refused, severity="warning", title="Statut en lecture seule")
                return
            self.app.push_screen(
                StatusPickerScreen(row.ref, row.title, row.status),
                lambda status: self._change_status(row, status),
            )

        self.run_query(lambda: refusal_for(self.actor, self.slug, Capability.EDIT), pick)

    def _change_status(self, row: ActionRow, status: ActionStatus | None) -> None:
        from roadmap.usecases.actions import set_action_status

        if status is None or status == row.status:
            return

        def done(version: int) -> None:
            self.table.update_row(dataclasses.replace(row, status=status, version=version))
            self.notify(f"{row.ref} : {status.label}", timeout=3)
            self.load_margins()  # a finished or abandoned action no longer holds others up

        self.run_write(
            lambda: set_action_status(self.actor, self.slug, row.ref, row.version, status.value),
            done,
            on_error=lambda _exc: self.action_reload(keep=row.ref),
            done_message=f"{row.ref} : statut « {status.label} » enregistré",
        )

    def palette_commands(self) -> list[tuple[str, Any, str]]:
        return [
            ("Actions : nouvelle action", self.action_create, "touche n"),
            ("Actions : modifier l'action sélectionnée", self.action_edit, "touche entrée"),
            ("Actions : changer le statut", self.action_status, "touche s"),
            ("Actions : ajuster l'itinéraire (dates)", self.action_reroute, "touche d"),
            ("Actions : engagements des services", self.action_engagements, "touche g"),
            ("Actions : tout afficher (effacer les filtres)", self.action_clear_filters, "ctrl+x"),
            ("Actions : écart à la dernière référence (COPIL)", self.action_toggle_baseline, "v"),
            ("Actions : comparer à une autre référence", self.action_pick_baseline, "touche p"),
        ]
