"""Exporter: write the TOML (and .ics) files for the services, with progress and the list.

The export reads the database in one transaction, then builds and writes the files in a
thread (``roadmap.exchange.export``); its progress comes back with ``call_from_thread``.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, ProgressBar, Static

from roadmap import formatting as fr
from roadmap.exchange.drop import refuse_in_web
from roadmap.exchange.export import ExportResult, export
from roadmap.exchange.metadata import ExportOptions
from roadmap.tui.screens.base import RoadmapScreen
from roadmap.tui.widgets.checklist import CheckBox
from roadmap.tui.widgets.footer import FittedFooter


class ExportScreen(RoadmapScreen):
    """Options, a progress bar, then the files written; ctrl+s starts the export."""

    SCREEN_ID = "export"
    TITLE = "Exporter"
    BINDINGS = [Binding("ctrl+s", "export", "Exporter")]

    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.result: ExportResult | None = None
        self.running = False

    def compose(self) -> ComposeResult:
        yield Static(f"Exporter — {self.slug}", classes="screen-title")
        yield Static(
            "Un fichier TOML par feuille de route et un par service (services/), "
            "format décrit dans docs/export-format.md. Mêmes données, mêmes octets.",
            classes="muted",
        )
        with Horizontal():
            yield Label("Dossier : ")
            yield Input(str(Path.cwd() / "exports"), id="export-out", compact=True)
        yield CheckBox("Seulement cette feuille de route", value=False, id="export-only")
        yield CheckBox("Agendas iCalendar (.ics)", value=True, id="export-ics")
        yield CheckBox("Avec les courriels (--with-contacts)", value=False, id="export-contacts")
        yield Button("Exporter", id="export-go", variant="primary")
        yield ProgressBar(id="export-progress", show_eta=False)
        yield Static("", id="export-status")
        with VerticalScroll(id="export-files"):
            yield Static("", id="export-list")
        yield FittedFooter()

    def on_mount(self) -> None:
        if self.web_refusal:  # said up front: a browser session names no server folder
            self.query_one("#export-status", Static).update(self.web_refusal)
            self.query_one("#export-go", Button).disabled = True
            self.query_one("#export-out", Input).disabled = True

    @property
    def web_refusal(self) -> str:
        return refuse_in_web(
            "exporter dans un dossier",
            "téléchargez les fichiers de votre service par « Fichiers de mon service » "
            "(barre du haut), ou demandez « roadmap export » à l'administrateur du serveur",
        )

    @on(Button.Pressed, "#export-go")
    def action_export(self) -> None:
        if self.running:
            return
        if self.web_refusal:
            self.notify(self.web_refusal, severity="warning", title="Exporter", timeout=12)
            return
        out = Path(self.query_one("#export-out", Input).value.strip() or "exports").expanduser()
        options = ExportOptions(
            with_contacts=self.query_one("#export-contacts", CheckBox).value,
            ics=self.query_one("#export-ics", CheckBox).value,
        )
        only = self.slug if self.query_one("#export-only", CheckBox).value else None
        self.running = True
        self.query_one("#export-go", Button).disabled = True
        self.query_one("#export-progress", ProgressBar).update(total=None, progress=0)
        self.query_one("#export-status", Static).update("lecture de la base…")
        self.query_one("#export-list", Static).update("")

        def progress(done: int, total: int, name: str) -> None:
            # Called from the export's thread: hand the update to the app's loop.
            self.app.call_from_thread(self.show_progress, done, total, name)

        async def run() -> ExportResult:
            try:
                return await export(out, roadmap=only, options=options, progress=progress)
            except OSError as exc:  # French first, the system's text in parentheses
                from roadmap.domain.io_errors import io_error

                raise io_error(exc, f"écriture impossible dans {out}") from None

        self.run_query(run, self.show_result, name="export", on_error=self.export_failed)

    def show_progress(self, done: int, total: int, name: str) -> None:
        if not self.is_attached:
            return
        self.query_one("#export-progress", ProgressBar).update(total=total, progress=done)
        self.query_one("#export-status", Static).update(f"{done}/{total} : {name}")

    def show_result(self, result: ExportResult) -> None:
        self.result = result
        self.running = False
        self.query_one("#export-go", Button).disabled = False
        count = len(result.files)
        self.query_one("#export-progress", ProgressBar).update(total=max(count, 1), progress=count)
        self.query_one("#export-status", Static).update(
            f"{fr.plural(len(result.written), 'fichier écrit', 'fichiers écrits')}, "
            f"{len(result.unchanged)} inchangé{'s' if len(result.unchanged) > 1 else ''}"
        )
        written = set(result.written)
        lines = [f"{'écrit    ' if p in written else 'inchangé '} {p}" for p in result.files]
        self.query_one("#export-list", Static).update("\n".join(lines))
        self.notify(f"export terminé : {fr.plural(count, 'fichier')}", title="Exporter")

    def export_failed(self, _error: object) -> None:
        self.running = False
        self.query_one("#export-go", Button).disabled = False
        self.query_one("#export-status", Static).update("export interrompu")
