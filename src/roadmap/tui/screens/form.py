"""The one base of every form: the typing is never lost, whatever happens.

- A refusal is shown under the field it names (``RoadmapError.field``) and as a
  notification; what was typed stays.
- A quit key (échap, q, ctrl+q) on a form with unsaved typing asks first: Enregistrer,
  Abandonner or Continuer (``LeaveForm``).
- A version conflict keeps the typing and shows, field by field, the other person's
  version beside it, to keep either (``ctrl+r`` reloads it again).
- Who may save, and whether the act is possible now, is the core's to say: a form gets a
  ``check`` (a ``usecases.may`` function, the use case's own checks run without writing).
  ``open_form`` runs it before showing the form: « not you » (``PermissionDenied``) opens it
  read-only with the reason at the top; « not now » (any other refusal) does not open it
  and says the next possible step. A form pushed without ``open_form`` runs it on mount.

Hand-composed forms (``ActionFormScreen``) subclass ``FormScreen`` directly; declared
forms (``declared_form.FormModal``) build their fields from a list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Generic, Literal, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, SelectionList, Static, TextArea

from roadmap.domain.errors import PermissionDenied, RoadmapError, StaleVersion
from roadmap.tui.screens.base import DatabaseWork
from roadmap.tui.widgets.footer import FittedFooter

T = TypeVar("T")
# The core's answer to « may this person save this form now? »: returns, or raises.
Check = Callable[[], Awaitable[object]]
Theirs = dict[str, Any]  # widget id → the value stored now (str, or list[str] for a list)
FIELD_WIDGETS = (Input, TextArea, Select, SelectionList)
LeaveChoice = Literal["save", "discard", "stay"]


class FieldError(Static):
    """The red line under a field; empty (and zero height) when all is well."""

    def __init__(self, field_id: str) -> None:
        super().__init__("", id=f"error-{field_id}", classes="field-error")
        self.display = False

    def show(self, message: str) -> None:
        self.update(message)
        self.display = bool(message)


def labelled(label: str, widget: Widget, *, hint: str = "", error: str = "") -> ComposeResult:
    """A field as every form lays it out: its label, the input, a hint, its error line."""
    yield Label(label)
    yield widget
    if hint:
        yield Static(hint, classes="form-hint")
    yield FieldError(error or widget.id or "")


def form_buttons(
    save: str, *, cancel: str = "Annuler", ids: tuple[str, str] = ("cancel", "save")
) -> ComposeResult:
    """Cancel then save (« save (ctrl+s) »), the classes the base wires and locks."""
    with Horizontal(classes="form-buttons"):
        yield Button(cancel, id=ids[0], classes="cancel-button")
        yield Button(f"{save} (ctrl+s)", id=ids[1], variant="primary", classes="save-button")


class TheirVersion(Horizontal):
    """Beside a field after a conflict: the other person's value and a key to take it."""

    def __init__(self, field_id: str, shown: str, value: Any, *, can_take: bool = True) -> None:
        super().__init__(id=f"theirs-{field_id}", classes="their-version")
        self.field_id = field_id
        self.shown = shown
        self.value = value
        self.can_take = can_take

    def compose(self) -> ComposeResult:
        yield Static(f"Sa version : {self.shown or '(vide)'}", classes="their-text")
        if self.can_take:
            yield Button("Garder la sienne", id=f"take-{self.field_id}", classes="take-theirs")


class LeaveForm(ModalScreen[LeaveChoice]):
    """Asked when a quit key would lose typing: save, discard, or go back to the form."""

    BINDINGS = [
        Binding("escape", "choose('stay')", "Continuer"),
        Binding("e", "choose('save')", "Enregistrer"),
        Binding("a", "choose('discard')", "Abandonner"),
        Binding("c", "choose('stay')", "Continuer"),
    ]

    def __init__(self, quitting: bool) -> None:
        super().__init__(classes="form-screen")
        self.quitting = quitting

    def compose(self) -> ComposeResult:
        leaving = "quitter l'application" if self.quitting else "fermer ce formulaire"
        with Vertical(classes="form-box", id="leave-box") as box:
            box.border_title = "Modifications non enregistrées"
            yield Static(
                f"Vous allez {leaving} : ce que vous avez saisi n'est pas encore enregistré.",
                id="leave-text",
            )
            with Horizontal(classes="form-buttons"):
                yield Button("Continuer la saisie (c)", id="leave-stay")
                yield Button("Abandonner (a)", id="leave-discard", variant="error")
                yield Button("Enregistrer (e)", id="leave-save", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#leave-stay", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_choose((event.button.id or "leave-stay").removeprefix("leave-"))

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)  # type: ignore[arg-type]


def widget_value(widget: Widget) -> Any:
    if isinstance(widget, Input):
        return widget.value
    if isinstance(widget, TextArea):
        return widget.text
    if isinstance(widget, Select):
        return "" if widget.value is Select.NULL else str(widget.value)
    if isinstance(widget, SelectionList):
        return sorted(str(v) for v in widget.selected)
    return None


def can_hold(widget: Widget, value: Any, labels: dict[str, str]) -> bool:
    """Whether the field can take this value (a list offers only its own options)."""
    if isinstance(widget, Select):
        return not value or not labels or str(value) in labels
    if isinstance(widget, SelectionList):
        offered = {str(o.value) for o in widget.options}
        return all(str(v) in offered for v in value)
    return True


def set_widget_value(widget: Widget, value: Any) -> None:
    if isinstance(widget, Input):
        widget.value = str(value)
    elif isinstance(widget, TextArea):
        widget.text = str(value)
    elif isinstance(widget, Select):
        widget.value = value if value else Select.NULL
    elif isinstance(widget, SelectionList):
        widget.deselect_all()
        for item in value:
            widget.select(item)


def shown_value(widget: Widget, value: Any, labels: dict[str, str]) -> str:
    """How a stored value reads in the form: option labels rather than codes."""
    if isinstance(widget, SelectionList):
        names = {str(o.value): str(o.prompt) for o in widget.options}
        return ", ".join(names.get(str(v), str(v)) for v in value)
    if isinstance(widget, Select):
        return labels.get(str(value), str(value)) if value else ""
    return " ".join(str(value).split())


class FormScreen(DatabaseWork, ModalScreen[T | None], Generic[T]):
    """A form over the current screen: ctrl+s saves, échap closes (asking if typed)."""

    # A modal cuts the app's keys off: help and quit are repeated here. In a text field,
    # « ? » and « q » are letters (the field takes them first): f1 and ctrl+q still work.
    BINDINGS = [
        Binding("ctrl+s", "save", "Enregistrer", priority=True),
        Binding("escape", "cancel", "Fermer"),
        Binding("ctrl+r", "reload", "Sa version"),
        Binding("question_mark", "app.help", "Aide", key_display="?"),
        Binding("f1", "app.help", "Aide"),
        Binding("q", "app.quit", "Quitter"),
        Binding("ctrl+q", "app.quit", "Quitter"),
    ]
    # French field name (as in RoadmapError.field) → id of the widget holding it.
    FIELDS: ClassVar[dict[str, str]] = {}

    def __init__(
        self, *args: Any, read_only: str = "", check: Check | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.add_class("form-screen")
        self.saving = False
        self.read_only = read_only
        self.check = check
        self.checked = check is None  # open_form asks before the form shows
        self.conflict = False
        self._initial: dict[str, Any] | None = None
        self._after_save: Callable[[], Any] | None = None

    # --- what was typed -------------------------------------------------------------------

    def field_widgets(self) -> dict[str, Widget]:
        """The form's inputs by id (the conflict panel's own buttons are not fields)."""
        return {
            w.id: w
            for w in self.query("Input, TextArea, Select, SelectionList")
            if w.id and isinstance(w, FIELD_WIDGETS)
        }

    def typed(self) -> dict[str, Any]:
        return {key: widget_value(w) for key, w in self.field_widgets().items()}

    @property
    def dirty(self) -> bool:
        if self.read_only or self._initial is None:
            return False
        return self.typed() != self._initial

    def mark_clean(self) -> None:
        """The values on screen are the saved ones (after mount, after options arrive)."""
        self._initial = self.typed()

    def on_mount(self) -> None:
        self.mount(FittedFooter())
        # After the first refresh: Select values set in compose are then in place.
        self.call_after_refresh(self._form_ready)

    def _form_ready(self) -> None:
        self.mark_clean()
        if self.read_only:
            self._lock(self.read_only)
        elif not self.checked:  # pushed without open_form: ask now, fields held meanwhile
            for widget in self.field_widgets().values():
                widget.disabled = True
            self.run_query(lambda: answer_check(self.check), self._checked, name="form-check")

    def _checked(self, answer: tuple[str, str]) -> None:
        read_only, impossible = answer
        self.checked = True
        if impossible:
            self.notify(impossible, title="Impossible pour l'instant", severity="warning")
            self.dismiss(None)
            return
        for widget in self.field_widgets().values():
            widget.disabled = False
        if read_only:
            self.read_only = read_only
            self.refresh_bindings()
            self._lock(read_only)

    def _lock(self, reason: str) -> None:
        for widget in self.field_widgets().values():
            widget.disabled = True
        for button in self.query(".save-button"):
            button.display = False
        box = self.query_one(".form-box")
        box.border_subtitle = "lecture seule · échap fermer"
        banner = Static(f"Lecture seule : {reason}", id="form-readonly", classes="form-banner")
        box.mount(banner, before=0)
        self.query(".cancel-button").first(Button).label = "Fermer"
        self.query(".cancel-button").first(Button).focus()

    # --- leaving --------------------------------------------------------------------------

    def action_cancel(self) -> None:
        self.leave(quitting=False)

    def leave(self, *, quitting: bool) -> None:
        """Close the form (or the app): at once if nothing was typed, else ask."""

        def go() -> None:
            if quitting:
                self.app.exit()
            else:
                self.dismiss(None)

        if not self.dirty:
            go()
            return

        def answer(choice: LeaveChoice | None) -> None:
            if choice == "discard":
                go()
            elif choice == "save":
                self._after_save = self.app.exit if quitting else None
                self.action_save()

        self.app.push_screen(LeaveForm(quitting), answer)

    # --- saving ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reload":
            return self.conflict  # shown in the footer only once there is a conflict
        if action == "save":
            return not self.read_only  # a read-only form does not offer ctrl+s
        return True

    def action_save(self) -> None:
        raise NotImplementedError

    def save_with(
        self, factory: Callable[[], Awaitable[Any]], on_saved: Callable[[Any], Any]
    ) -> None:
        """Run the use case once (a second ctrl+s while saving is ignored)."""
        if self.read_only:
            self.notify(self.read_only, severity="warning", title="Lecture seule")
            return
        if self.saving:
            return
        self.saving = True
        self._busy(True)
        self.clear_errors()
        # Tracked by the app, so quitting waits for it; shielded, so leaving never cuts it.
        task = self.roadmap_app.track(factory())
        self.run_worker(self._save(task, on_saved), group="form-save", exit_on_error=False)

    async def _save(self, task: asyncio.Task[Any], on_saved: Callable[[Any], Any]) -> None:
        try:
            result = await asyncio.shield(task)
        except StaleVersion as error:
            self._ready_again()
            if self.versioned:
                self.show_conflict(error)
            else:  # e.g. a proposition decided meanwhile: nothing to keep but the refusal
                self.show_error(error)
            return
        except RoadmapError as error:
            self._ready_again()
            self.show_error(error)
            return
        except Exception as error:  # a bug, not a refusal: say it, keep the input
            self._ready_again()
            self.notify(f"erreur inattendue : {error!r}", severity="error")
            return
        self.saving = False
        self.mark_clean()
        then, self._after_save = self._after_save, None
        on_saved(result)
        if then is not None:
            then()

    def _ready_again(self) -> None:
        self.saving = False
        self._after_save = None  # asked to save then quit: the refusal keeps the form open
        self._busy(False)

    def _busy(self, busy: bool) -> None:
        for button in self.query(".save-button"):
            button.loading = busy

    # --- refusals -------------------------------------------------------------------------

    def clear_errors(self) -> None:
        for error in self.query(FieldError):
            error.show("")

    def widget_for_error(self, field: str | None) -> str | None:
        """The id of the widget a use case's ``field`` names (``None``: the whole form)."""
        return self.FIELDS.get(field or "")

    def error_slot(self, widget_id: str | None) -> FieldError:
        if widget_id:
            slots = self.query(f"#error-{widget_id}")
            if slots:
                return slots.first(FieldError)
        return self.query_one("#error-form", FieldError)

    def show_error(self, exc: RoadmapError) -> None:
        """Put the message under the field it names (or at the bottom); keep the input."""
        self.clear_errors()
        widget_id = self.widget_for_error(exc.field)
        slot = self.error_slot(widget_id)
        slot.show(exc.message if slot.id != "error-form" else str(exc))
        widgets = self.query(f"#{widget_id}") if widget_id else None
        if widgets and widgets.first().focusable:
            widgets.first().focus()
        self.notify(str(exc), title="Refusé", severity="error")

    # --- conflicts ------------------------------------------------------------------------

    @property
    def versioned(self) -> bool:
        """Whether the form edits a versioned item, whose stored version it can reload."""
        return False

    async def load_theirs(self) -> Theirs | None:
        """The stored values now, by widget id, and adopt the new version; None: not known."""
        return None

    def option_labels(self, widget_id: str) -> dict[str, str]:
        """A select's options, value → label, to show the other version in words."""
        return {}

    def show_conflict(self, error: StaleVersion) -> None:
        self.conflict = True
        self.refresh_bindings()
        self.error_slot(None).show(
            f"{error.message}\nVotre saisie est gardée. Sa version s'affiche sous chaque champ "
            "qui diffère : « Garder la sienne » la reprend, sinon ctrl+s enregistre la vôtre."
        )
        self.notify(str(error), title="Modifié entre-temps", severity="warning")
        self.action_reload()

    def action_reload(self) -> None:
        async def load() -> Theirs | None:
            return await self.load_theirs()

        self.run_query(load, self._show_theirs, name="form-theirs")

    def _show_theirs(self, theirs: Theirs | None) -> None:
        self.query(TheirVersion).remove()
        if theirs is None:
            self.notify(
                "sa version ne peut pas être relue ici : fermez le formulaire (votre saisie "
                "sera perdue) ou enregistrez-la telle quelle",
                severity="warning",
            )
            return
        widgets = self.field_widgets()
        base = self._initial or {}
        differing = 0
        for field_id, value in theirs.items():
            widget = widgets.get(field_id)
            # Only what she changed since we opened the form, where it differs from ours.
            if widget is None or widget_value(widget) == value or base.get(field_id) == value:
                continue
            differing += 1
            labels = self.option_labels(field_id)
            shown = shown_value(widget, value, labels)
            panel = TheirVersion(field_id, shown, value, can_take=can_hold(widget, value, labels))
            widget.parent.mount(panel, after=widget)  # type: ignore[union-attr]
        if not differing:
            self.notify("elle n'a changé aucun des champs que vous voyez : ctrl+s enregistre")

    @on(Button.Pressed, ".take-theirs")
    def _take_theirs(self, event: Button.Pressed) -> None:
        event.stop()
        panel = event.button.parent
        if not isinstance(panel, TheirVersion):
            return
        widget = self.field_widgets().get(panel.field_id)
        if widget is not None:
            set_widget_value(widget, panel.value)
            widget.focus()
        panel.remove()

    # --- buttons --------------------------------------------------------------------------

    @on(Button.Pressed, ".cancel-button")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, ".save-button")
    def _save_pressed(self) -> None:
        self.action_save()


# --- opening a form: the core says who may save it, and whether it is possible now ---------


async def answer_check(check: Check | None) -> tuple[str, str]:
    """(read-only reason, impossible reason): both "" when the form may be saved."""
    if check is None:
        return "", ""
    try:
        await check()
    except PermissionDenied as refusal:
        return refusal.message, ""
    except RoadmapError as refusal:
        return "", refusal.message
    return "", ""


def open_form(opener: DatabaseWork, form: FormScreen[Any], done: Callable[[Any], Any]) -> None:
    """Ask the form's ``check``, then show it (read-only if « not you ») or say « not now »."""

    def show(answer: tuple[str, str]) -> None:
        read_only, impossible = answer
        if impossible:
            opener.notify(impossible, title="Impossible pour l'instant", severity="warning")
            return
        form.read_only = form.read_only or read_only
        form.checked = True
        opener.app.push_screen(form, done)

    opener.run_query(lambda: answer_check(form.check), show, name="form-check")
