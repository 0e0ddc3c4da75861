"""Journal: who changed what, when and why, filtered by person, kind of item and dates.

The newest entries first, at most ``LIMIT`` of them (a stock DataTable measures every
cell on first paint, RISKS 18); the filters narrow the search on the database side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Select, Static

from roadmap import formatting as fr
from roadmap.domain.errors import ValidationError
from roadmap.domain.validation import parse_date
from roadmap.tui.format import shorten
from roadmap.tui.screens.base import RoadmapScreen
from roadmap.tui.screens.form import FieldError
from roadmap.tui.widgets.footer import FittedFooter
from roadmap.usecases import queries
from roadmap.usecases.queries_team import JournalFacets, journal_facets

LIMIT = 500


@dataclass(frozen=True)
class JournalFilter:
    actor: str | None = None
    entity: str | None = None
    since: date | None = None
    until: date | None = None

    @property
    def active(self) -> bool:
        return any((self.actor, self.entity, self.since, self.until))


def change_text(entry: queries.JournalRow) -> str:
    """« ancien → nouveau » in words, or the single value that was set or removed."""
    money = fr.is_money(entry.entity, entry.field, entry.operation)
    return fr.change(entry.old_value, entry.new_value, money=money)


class JournalScreen(RoadmapScreen):
    """The roadmap's history; keys: f filters, c clears them."""

    SCREEN_ID = "journal"
    TITLE = "Journal"
    BINDINGS = [
        Binding("f", "filter", "Filtrer"),
        Binding("c", "clear", "Effacer les filtres"),
        Binding("ctrl+r", "reload", "Actualiser"),
    ]

    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.entries: list[queries.JournalRow] = []
        self.filter = JournalFilter()
        self.filling = False
        self.narrow = False
        self.change_width = 60

    def compose(self) -> ComposeResult:
        yield Static(f"Journal — {self.slug}", id="journal-title", classes="screen-title")
        with Horizontal(id="journal-filters"):
            # Compact: one line of filters leaves the rows to the history.
            yield Select[str]([], prompt="Qui : tous", id="journal-actor", compact=True)
            yield Select[str]([], prompt="Élément : tous", id="journal-entity", compact=True)
            yield Input(placeholder="du JJ/MM/AAAA", id="journal-since", compact=True)
            yield Input(placeholder="au JJ/MM/AAAA", id="journal-until", compact=True)
        yield FieldError("journal-dates")
        yield Static("", id="journal-count")
        yield DataTable(id="journal-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="journal-detail")
        yield FittedFooter()

    def on_mount(self) -> None:
        table = self.query_one("#journal-table", DataTable)
        # Narrow terminal: the change stays on screen; who is in the detail below.
        width = self.app.size.width
        self.narrow = width < 100
        table.add_column("Quand", key="at", width=11 if self.narrow else 16)
        if not self.narrow:
            table.add_column("Qui", key="actor", width=14)
        # « financement AAP2026-012 » whole: a cut ref would read as another valid ref.
        table.add_column("Élément", key="entity", width=24)
        table.add_column("Quoi", key="what", width=16 if self.narrow else 18)
        used = 11 + 24 + 16 + 2 * 4 + 3 if self.narrow else 16 + 14 + 24 + 18 + 2 * 5 + 3
        self.change_width = max(10, width - used)
        table.add_column("Changement", key="change", width=self.change_width)
        table.focus()
        slug = self.slug
        self.run_query(lambda: journal_facets(slug), self.fill_filters, name="facets")
        self.action_reload()

    def fill_filters(self, facets: JournalFacets) -> None:
        self.filling = True  # set_options posts Changed: not a user's filter change
        self.query_one("#journal-actor", Select).set_options((a, a) for a in facets.actors)
        self.query_one("#journal-entity", Select).set_options((e, e) for e in facets.entities)
        self.call_after_refresh(self._filled)

    def _filled(self) -> None:
        self.filling = False

    # --- filters -------------------------------------------------------------------------

    def read_filter(self, *, strict: bool) -> JournalFilter | None:
        """The filter as typed; None (and the message under the dates) when a date is wrong.

        While typing (``strict`` False) a half-typed date is not an error yet.
        """
        error = self.query_one("#error-journal-dates", FieldError)
        actor = self.query_one("#journal-actor", Select).value
        entity = self.query_one("#journal-entity", Select).value
        try:
            since = parse_date(self.query_one("#journal-since", Input).value, "du")
            until = parse_date(self.query_one("#journal-until", Input).value, "au")
            if since and until and until < since:
                raise ValidationError(
                    f"la fin ({until:%d/%m/%Y}) précède le début ({since:%d/%m/%Y})", field="au"
                )
        except ValidationError as exc:
            if strict:
                error.show(str(exc))
            return None
        error.show("")
        return JournalFilter(
            actor=None if actor is Select.NULL else str(actor),
            entity=None if entity is Select.NULL else str(entity),
            since=since,
            until=until,
        )

    @on(Select.Changed)
    @on(Input.Changed)
    def _typed(self) -> None:
        if self.filling:
            return
        wanted = self.read_filter(strict=False)
        if wanted is not None and wanted != self.filter:
            self.filter = wanted
            self.action_reload()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        if self.read_filter(strict=True) is not None:
            self.query_one("#journal-table").focus()

    def action_filter(self) -> None:
        self.query_one("#journal-actor").focus()

    def action_clear(self) -> None:
        self.query_one("#journal-actor", Select).clear()
        self.query_one("#journal-entity", Select).clear()
        self.query_one("#journal-since", Input).value = ""
        self.query_one("#journal-until", Input).value = ""
        self.query_one("#error-journal-dates", FieldError).show("")
        self.filter = JournalFilter()
        self.action_reload()

    # --- reading -------------------------------------------------------------------------

    def action_reload(self) -> None:
        slug, wanted = self.slug, self.filter
        self.run_query(
            lambda: queries.journal_entries(
                slug,
                actor=wanted.actor,
                entity=wanted.entity,
                since=wanted.since,
                until=wanted.until,
                limit=LIMIT,
            ),
            lambda rows: self.show_entries(wanted, rows),
            name="journal",
        )

    def show_entries(self, wanted: JournalFilter, rows: list[queries.JournalRow]) -> None:
        self.entries = rows
        count = fr.plural(len(rows), "entrée")
        if len(rows) >= LIMIT:
            count = f"les {LIMIT} entrées les plus récentes (précisez les filtres pour remonter)"
        self.query_one("#journal-count", Static).update(
            count + (" · filtré" if wanted.active else "") + " · du plus récent au plus ancien"
        )
        table = self.query_one("#journal-table", DataTable)
        table.clear()
        for number, entry in enumerate(rows):
            when = f"{entry.at.astimezone():%d/%m %H:%M}" if self.narrow else fr.moment(entry.at)
            who = [] if self.narrow else [shorten(entry.who, 14)]
            table.add_row(
                when,
                *who,
                f"{entry.entity} {entry.ref}".strip(),
                shorten(fr.what_changed(entry.operation, entry.field), 16 if self.narrow else 18),
                shorten(change_text(entry), self.change_width),
                key=str(number),
            )
        if rows:
            table.move_cursor(row=0)
            self.show_entry(0)
        else:
            self.query_one("#journal-detail", Static).update("Aucune entrée pour ces filtres.")

    @on(DataTable.RowHighlighted, "#journal-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.show_entry(int(str(event.row_key.value)))

    def show_entry(self, index: int) -> None:
        if not 0 <= index < len(self.entries):
            return
        entry = self.entries[index]
        text = Text()
        who = fr.person(entry.actor_name, entry.actor)
        text.append(
            f"{fr.date_long(entry.at)} à {entry.at.astimezone():%H:%M} · {who}", style="bold"
        )
        text.append(f"\n{entry.entity} {entry.ref} · ".lstrip())
        text.append(fr.what_changed(entry.operation, entry.field))
        changed = change_text(entry)
        if changed:
            text.append(f"\n{changed}")
        if entry.reason:
            text.append("\nMotif : ", style="bold")
            text.append(entry.reason, style="italic")
        self.query_one("#journal-detail", Static).update(text)
