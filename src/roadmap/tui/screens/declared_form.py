"""A form declared as a list of fields, on the one form base (``form.FormScreen``).

The calling screen lists the fields and gives a ``submit`` coroutine factory; the base runs
it (RISKS 8), keeps what was typed on a refusal, asks before a quit key loses typing, and
shows the other person's version on a conflict when a ``reload`` is given. The form
dismisses with the result on success. An optional ``preview`` renders live from the typed
values.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from rich.console import RenderableType
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Select, Static, TextArea

from roadmap.tui.screens.form import (
    Check,
    FieldError,
    FormScreen,
    Theirs,
    form_buttons,
    labelled,
)
from roadmap.tui.widgets.checklist import CheckList

T = TypeVar("T")
FieldKind = Literal["text", "date", "select", "multi", "area"]
Values = dict[str, Any]  # name → str (text, date, select, area) or list[str] (multi)
# What the stored item holds now, by field name, and its version: the conflict view.
Reload = Callable[[], Awaitable[tuple[Values, int]]]
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


class FormModal(FormScreen[T], Generic[T]):
    """A titled form over the current screen: ctrl+s saves, échap closes (asking if typed).

    ``check`` is the core's « may I, now? » (see ``form.open_form``). A form saving a
    versioned item gives ``version`` (passed to ``submit`` as ``values["_version"]``) and
    ``reload``: after a conflict it gives the stored values and the new version, shown beside
    the typed ones. One without the other is refused: every versioned form shows conflicts.
    """

    # The look comes from the app stylesheet's form classes; only this form's extras here.
    DEFAULT_CSS = """
    FormModal #form-title {
        text-style: bold;
        color: $primary;
    }
    FormModal #form-intro, FormModal .form-hint {
        color: $text-muted;
    }
    /* Docked at the bottom of the form box: the impact (what moves, the horizon) stays in
       view while typing the reason at 80×24, instead of scrolling out below the fold. */
    FormModal #form-preview {
        dock: bottom;
        max-height: 8;
        margin-top: 1;
        padding: 0 1;
        border-left: thick $accent;
        background: $surface;
    }
    FormModal TextArea {
        height: 4;
    }
    """

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
        read_only: str = "",
        check: Check | None = None,
        reload: Reload | None = None,
        version: int | None = None,
    ) -> None:
        if (reload is None) != (version is None):
            raise TypeError("un formulaire versionné donne sa version et de quoi la relire")
        super().__init__(read_only=read_only, check=check)
        self.form_title = title
        self.fields = list(fields)
        self.submit = submit
        self.intro = intro
        self.save_label = save_label
        self.cancel_label = cancel_label
        self.preview = preview
        self.reload = reload
        self.version = version

    def compose(self) -> ComposeResult:
        # One scrolling box: on a small terminal the buttons stay reachable (and Ctrl+S).
        with VerticalScroll(id="form-box", classes="form-box") as box:
            box.border_subtitle = "ctrl+s enregistrer · échap fermer"
            yield Static(self.form_title, id="form-title")
            if self.intro:
                yield Static(self.intro, id="form-intro")
            for spec in self.fields:
                yield from labelled(
                    spec.label, self._input_for(spec), hint=spec.hint, error=spec.name
                )
            if self.preview is not None:
                yield Static("", id="form-preview")
            yield FieldError("form")
            yield from form_buttons(
                self.save_label, cancel=self.cancel_label, ids=("form-cancel", "form-save")
            )

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
            return CheckList(
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
        typed = self.typed()
        return {spec.name: typed.get(f"field-{spec.name}", "") for spec in self.fields}

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

    def widget_for_error(self, field: str | None) -> str | None:
        target = next((s for s in self.fields if s.answers_to(field)), None)
        return f"field-{target.name}" if target else None

    def error_slot(self, widget_id: str | None) -> FieldError:
        name = widget_id.removeprefix("field-") if widget_id else "form"
        return self.query_one(f"#error-{name}", FieldError)

    @on(Input.Submitted)
    def _next_or_save(self, event: Input.Submitted) -> None:
        # Enter moves on like Tab; on the last input it saves.
        inputs = list(self.query("#form-box Input"))
        if inputs and event.input is inputs[-1]:
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        values = self.values()
        if self.version is not None:
            values["_version"] = self.version
        self.save_with(lambda: self.submit(values), self.dismiss)

    @property
    def versioned(self) -> bool:
        return self.reload is not None

    async def load_theirs(self) -> Theirs | None:
        if self.reload is None:
            return None
        stored, self.version = await self.reload()
        return {f"field-{name}": value for name, value in stored.items()}

    def option_labels(self, widget_id: str) -> dict[str, str]:
        spec = next((s for s in self.fields if f"field-{s.name}" == widget_id), None)
        return {str(v): str(label) for label, v in spec.options} if spec else {}
