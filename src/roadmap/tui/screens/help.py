"""« ? » : the keys of the screen underneath, with their descriptions."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    """Lists ``(key, description)`` pairs collected from the previous screen's bindings."""

    BINDINGS = [
        Binding("escape", "dismiss", "Fermer"),
        Binding("question_mark", "dismiss", "Fermer", key_display="?"),
        Binding("q", "dismiss", "Fermer", show=False),
        Binding("p", "first_steps", "Premiers pas"),
    ]

    def __init__(self, title: str, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.help_title = title
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, description in self.keys:
            table.add_row(key, description)
        with VerticalScroll(id="help-box") as box:
            box.border_title = f"Aide — {self.help_title}"
            box.border_subtitle = "Échap pour fermer"
            yield Static(table, id="help-keys")
            yield Static(
                "La souris marche aussi : cliquez sur une ligne, un bouton ou une touche "
                "du pied de page. ctrl+p ouvre la palette de commandes. "
                "« p » rouvre les premiers pas.",
                id="help-note",
            )

    def action_first_steps(self) -> None:
        self.dismiss()
        self.app.show_first_steps()  # type: ignore[attr-defined]
