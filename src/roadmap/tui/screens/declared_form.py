"""A modal form declared as a list of fields, that runs its use case and stays open on refusal.

The calling screen lists the fields and gives a ``submit`` coroutine factory; the form runs
it in a non-exclusive worker (RISKS 8), shows a refusal under the field the use case names
(``RoadmapError.field``) and as a notification, keeps what was typed, and dismisses with
the result on success. An optional ``preview`` renders live from the typed values.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from rich.console import RenderableType
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, SelectionList, Static, TextArea

from roadmap.domain.errors import RoadmapError
from roadmap.tui.screens.form import FieldError

T = TypeVar("T")
FieldKind = Literal["text", "date", "select", "multi", "area"]
Values = dict[str, Any]  # name → str (text, date, select, area) or list[str] (multi)
COMPACT_BELOW = 32  # terminal rows


@dataclass
class FormField:
    """One input; ``aliases`` are the names the use cases give it in their errors."""

    name: str
    label: str
    kind: FieldKind = "text"
    value: str | Sequence[str] = ""
    options: Sequence[tuple[str, str]] = ()  # (label, value) for select and multi
    placeholder: str = ""
    aliases: tuple[str, ...] = ()
    hint: str = ""

    def answers_to(self, error_field: str | None) -> bool:
        if not error_field:
            return False
        names = {self.name, self.label, *self.aliases}
        return error_field.casefold() in {n.casefold() for n in names}


class FormModal(ModalScreen[T | None], Generic[T]):
    """A titled form over the current screen: Ctrl+S saves, Échap cancels."""

    # The look comes from the app stylesheet's form classes; only this form's extras here.
    DEFAULT_CSS = """
    FormModal #form-title {
        text-style: bold;
        color: $primary;
    }
    FormModal #form-intro, FormModal .form-hint {
        color: $text-muted;
    }
    FormModal #form-preview {
        margin-top: 1;
        padding: 0 1;
        border-left: thick $accent;
    }
    FormModal TextArea {
        height: 4;
    }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Enregistrer", priority=True),
        Binding("escape", "cancel", "Annuler"),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[FormField],
        submit: Callable[[Values], Awaitable[T]],
        *,
        intro: RenderableType = "",
        save_label: str = "Enregistrer",
        cancel_label: str = "Annuler",
        preview: Callable[[Values], RenderableType] | None = None,
    ) -> None:
        super().__init__(classes="form-screen")
        self.form_title = title
        self.fields = list(fields)
        self.submit = submit
        self.intro = intro
        self.save_label = save_label
        self.cancel_label = cancel_label
        self.preview = preview
        self.saving = False

    def compose(self) -> ComposeResult:
        # One scrolling box: on a small terminal the buttons stay reachable (and Ctrl+S).
        with VerticalScroll(id="form-box", classes="form-box"):
            yield Static(self.form_title, id="form-title")
            if self.intro:
                yield Static(self.intro, id="form-intro")
            for spec in self.fields:
                yield Label(spec.label)
                yield self._input_for(spec)
                if spec.hint:
                    yield Static(spec.hint, classes="form-hint")
                yield FieldError(spec.name)
            if self.preview is not None:
                yield Static("", id="form-preview")
            yield FieldError("form")
            with Horizontal(classes="form-buttons"):
                yield Button(self.cancel_label, id="form-cancel")
                yield Button(self.save_label, id="form-save", variant="primary")

    def _input_for(self, spec: FormField) -> Widget:
        widget_id = f"field-{spec.name}"
        compact = self.app.size.height < COMPACT_BELOW  # one line per input on small terminals
        if spec.kind == "select":
            return Select(
                list(spec.options),
                value=spec.value if spec.value else Select.NULL,
                prompt="(choisir)",
                id=widget_id,
                compact=compact,
            )
        if spec.kind == "multi":
            chosen = set(spec.value)
            return SelectionList[str](
                *[(label, value, value in chosen) for label, value in spec.options],
                id=widget_id,
            )
        if spec.kind == "area":
            return TextArea(str(spec.value), id=widget_id, soft_wrap=True, compact=compact)
        placeholder = spec.placeholder or ("JJ/MM/AAAA" if spec.kind == "date" else "")
        return Input(str(spec.value), placeholder=placeholder, id=widget_id, compact=compact)

    def on_mount(self) -> None:
        self._refresh_preview()
        inputs = self.query("#form-box Input, #form-box Select, #form-box TextArea")
        (inputs.first() if inputs else self.query_one("#form-save")).focus()

    def values(self) -> Values:
        result: Values = {}
        for spec in self.fields:
            widget = self.query_one(f"#field-{spec.name}")
            if isinstance(widget, Input):
                result[spec.name] = widget.value
            elif isinstance(widget, TextArea):
                result[spec.name] = widget.text
            elif isinstance(widget, Select):
                result[spec.name] = "" if widget.value is Select.NULL else str(widget.value)
            elif isinstance(widget, SelectionList):
                result[spec.name] = [str(v) for v in widget.selected]
        return result

    def set_value(self, name: str, value: str) -> None:
        """Fill a text field (tests and wizards going back a step)."""
        widget = self.query_one(f"#field-{name}")
        if isinstance(widget, Input):
            widget.value = value
        elif isinstance(widget, TextArea):
            widget.text = value
        elif isinstance(widget, Select):
            widget.value = value

    @on(Input.Changed)
    @on(Select.Changed)
    def _refresh_preview(self) -> None:
        # Runs on every keystroke: a preview must stay a cheap pure function.
        if self.preview is not None and self.is_mounted:
            self.query_one("#form-preview", Static).update(self.preview(self.values()))

    def show_error(self, error: RoadmapError) -> None:
        """The message under the field the use case named, else at the bottom."""
        self.clear_errors()
        target = next((s for s in self.fields if s.answers_to(error.field)), None)
        slot = self.query_one(f"#error-{target.name if target else 'form'}", FieldError)
        slot.show(error.message if target else str(error))
        if target:
            self.query_one(f"#field-{target.name}").focus()
        self.notify(str(error), title="Refusé", severity="error")

    def clear_errors(self) -> None:
        for slot in self.query(FieldError):
            slot.show("")

    @on(Input.Submitted)
    def _next_or_save(self, event: Input.Submitted) -> None:
        # Enter moves on like Tab; on the last input it saves.
        inputs = list(self.query("#form-box Input"))
        if inputs and event.input is inputs[-1]:
            self.action_save()
        else:
            self.focus_next()

    @on(Button.Pressed, "#form-save")
    def action_save(self) -> None:
        if self.saving:
            return
        self.saving = True
        self.query_one("#form-save", Button).loading = True
        values = self.values()
        # Tracked by the app, so quitting waits for it; shielded, so leaving never cuts it.
        task = self.app.track(self.submit(values))  # type: ignore[attr-defined]
        self.run_worker(self._save(task), group="form-save", exit_on_error=False)

    async def _save(self, task: asyncio.Task[T]) -> None:
        try:
            result = await asyncio.shield(task)
        except RoadmapError as error:
            self._ready_again()
            self.show_error(error)
            return
        except Exception as error:  # a bug, not a refusal: say it, keep the input
            self._ready_again()
            self.notify(f"erreur inattendue : {error!r}", severity="error")
            return
        self.dismiss(result)

    def _ready_again(self) -> None:
        self.saving = False
        self.query_one("#form-save", Button).loading = False

    @on(Button.Pressed, "#form-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
