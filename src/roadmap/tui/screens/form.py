"""Base of the modal forms: the input stays put when the use case refuses it.

A refusal is shown twice: as a notification (like everywhere) and in red under the field
it names (``RoadmapError.field``), or at the bottom of the form for other errors.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from textual.binding import Binding
from textual.widgets import Static

from roadmap.domain.errors import RoadmapError
from roadmap.tui.screens.base import AppScreen

T = TypeVar("T")


class FieldError(Static):
    """The red line under a field; empty (and zero height) when all is well."""

    def __init__(self, field_id: str) -> None:
        super().__init__("", id=f"error-{field_id}", classes="field-error")
        self.display = False

    def show(self, message: str) -> None:
        self.update(message)
        self.display = bool(message)


class FormScreen(AppScreen, Generic[T]):
    """A form over the current screen: ctrl+s saves through ``run_write``, échap cancels."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Enregistrer"),
        Binding("escape", "cancel", "Annuler"),
    ]
    # French field name (as in RoadmapError.field) → id of the widget holding it.
    FIELDS: ClassVar[dict[str, str]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_class("form-screen")
        self.saving = False

    def clear_errors(self) -> None:
        for error in self.query(FieldError):
            error.show("")

    def show_error(self, exc: RoadmapError) -> None:
        """Put the message under the field it names (or at the bottom); keep the input."""
        self.saving = False
        field_id = self.FIELDS.get(exc.field or "", "form")
        targets = self.query(f"#error-{field_id}")
        target = targets.first(FieldError) if targets else self.query_one("#error-form", FieldError)
        target.show(exc.message if target.id != "error-form" else str(exc))
        widget = self.query(f"#{field_id}")
        if widget and widget.first().focusable:
            widget.first().focus()

    def save_with(self, factory: Any, on_saved: Any) -> None:
        """Run the use case once (a second ctrl+s while saving is ignored)."""
        if self.saving:
            return
        self.saving = True
        self.clear_errors()

        def done(result: Any) -> None:
            self.saving = False
            on_saved(result)

        self.run_write(factory, done, on_error=self.show_error)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        raise NotImplementedError
