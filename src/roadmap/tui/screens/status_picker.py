"""Quick status change: pick the new status of an action from a short list."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from roadmap.domain.enums import ActionStatus
from roadmap.tui.format import shorten


class StatusPickerScreen(ModalScreen[ActionStatus | None]):
    BINDINGS = [Binding("escape", "cancel", "Annuler")]

    def __init__(self, ref: str, title: str, current: ActionStatus) -> None:
        super().__init__()
        self.ref = ref
        self.action_title = title
        self.current = current
        self.add_class("form-screen")

    def compose(self) -> ComposeResult:
        options = [
            Option(f"{s.label}{'  (actuel)' if s == self.current else ''}", id=s.value)
            for s in ActionStatus
        ]
        with Vertical(classes="form-box", id="status-box") as box:
            box.border_title = f"Statut de {self.ref} — {shorten(self.action_title, 40)}"
            box.border_subtitle = "entrée choisir · échap annuler"
            yield OptionList(*options, id="status-list")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = list(ActionStatus).index(self.current)
        options.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(ActionStatus(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)
